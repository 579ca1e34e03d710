package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// Declaring dynamic dims without an export call (issue 13, item 2), for people who export
// elsewhere: the configuration's dynamic-shapes entry of a module class, written by the
// exportdb.declareDims command through workspace/applyEdit, the code lens that offers it
// above each model's forward, and exportdb/dimsInfo, which tells a client what it needs to
// ask the user (the classes, their forward's tensor inputs and ranks, what is declared, the
// file the command writes).
//
// exportdb.declareDims takes one object:
//
//	{"uri": "file:///.../model.py", "class": "Model" (or "vit.model.Model"),
//	 "parameter": "x", "axes": {"0": "batch", "2": {"dim": "h", "min": 32, "max": 1024}}}
//
// An axis is a dim name, "static", "auto" or "dynamic", or {dim, min, max}; a negative axis
// counts from the end when the input's rank is known. The axes given are set and the
// parameter's others kept. The command answers {"file", "uri", "created"} once the client
// has applied the edit; the file is then the client's to save (the VS Code extension and the
// Neovim plugin save it), and its change on disk reloads the configuration, which
// re-analyses the open documents. The lens passes {"uri", "class"} only: clients that know
// the command ask for the rest; the server refuses an incomplete call with a message that
// says what it needs.

// dimsInfoParams are exportdb/dimsInfo's parameters: the document, and optionally a
// position whose class is the one asked about.
type dimsInfoParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Position     *protocol.Position              `json:"position,omitempty"`
}

// dimsInfo is exportdb/dimsInfo's answer.
type dimsInfo struct {
	// ConfigFile is the file exportdb.declareDims writes ("" when the configuration in force
	// is invalid: ConfigError says why); ConfigExists is false when the command creates it.
	ConfigFile   string `json:"configFile"`
	ConfigExists bool   `json:"configExists"`
	ConfigError  string `json:"configError,omitempty"`
	// Class is the qualified name of the class at the position, if any.
	Class   string      `json:"class,omitempty"`
	Classes []dimsClass `json:"classes"`
}

// dimsClass is one module class of the document.
type dimsClass struct {
	Name      string         `json:"name"`
	Qualified string         `json:"qualified"` // module.Class (the class's configuration key)
	Range     protocol.Range `json:"range"`     // its name
	Forward   string         `json:"forward"`   // the forward export traces: "Model.forward" ("" when none is found)
	Params    []dimsParam    `json:"params"`    // forward's inputs
	Declared  []string       `json:"declared"`  // where its dims are declared: "export.py:12", "exportdb.toml"
	Error     string         `json:"error,omitempty"`
}

// dimsParam is one input of a forward.
type dimsParam struct {
	Name   string `json:"name"`
	Tensor bool   `json:"tensor"`
	Kind   string `json:"kind,omitempty"` // what it is instead, when not a tensor ("a float")
	Rank   int    `json:"rank"`           // -1 when not known
	// RankFrom says how the rank is known: "B, C, H, W = x.shape at line 14", "export.py:12".
	RankFrom string `json:"rankFrom,omitempty"`
	// Axes are the declared axes (axis -> "batch", "h 32..1024", "static", "auto",
	// "dynamic"): the configuration's, else the first export call's.
	Axes map[string]string `json:"axes"`
}

func (s *Server) dimsInfo(ctx context.Context, params json.RawMessage) (any, error) {
	var p dimsInfoParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	v, err := s.view(ctx, p.TextDocument.URI)
	if errors.Is(err, errNoDocument) {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "exportdb/dimsInfo: document is not open: "+string(p.TextDocument.URI))
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	enc := s.client.encoding
	s.mu.Unlock()
	info := dimsInfo{Classes: []dimsClass{}}
	if t, err := s.dimsTarget(v.res.path); err != nil {
		info.ConfigError = err.Error()
	} else {
		info.ConfigFile, info.ConfigExists = t.Path, t.Exists
	}
	f := v.res.file
	if f == nil || v.part >= 0 {
		return info, nil
	}
	off := -1
	if p.Position != nil {
		off = v.offset(*p.Position, enc)
	}
	for _, c := range f.Classes {
		if !f.IsModule(c) {
			continue
		}
		dc := describeClass(f, c)
		name := nameNode(f, c)
		dc.Range = v.rangeOf(f.Tree.Start(name), f.Tree.End(name), enc)
		info.Classes = append(info.Classes, dc)
		if off >= f.Tree.Start(c.Node) && off <= f.Tree.End(c.Node) {
			info.Class = dc.Qualified // the innermost class holding the position
		}
	}
	return info, nil
}

// dimsTarget is the file declareDims writes for a document at path.
func (s *Server) dimsTarget(path string) (config.DimsTarget, error) {
	dir := filepath.Dir(path)
	s.mu.Lock()
	var folder string
	for _, wf := range s.folders {
		if fp := uriToPath(protocol.DocumentURI(wf.URI)); fp != "" && (path == "" || strings.HasPrefix(path, fp+string(filepath.Separator))) {
			folder = fp
			break
		}
	}
	s.mu.Unlock()
	if path == "" {
		if folder == "" {
			return config.DimsTarget{}, errors.New("the document is not a file, and there is no workspace folder to hold the configuration")
		}
		dir = folder
	}
	return config.DimsFile(dir, folder)
}

// nameNode is the node naming class c (the class node when it has no name).
func nameNode(f *analysis.File, c *analysis.Class) syntax.NodeID {
	if n := f.Tree.Field(c.Node, syntax.FieldName); n != syntax.NoNode {
		return n
	}
	return c.Node
}

// qualifiedName is c's configuration key: module.Class, or the bare name when the file has
// no module name.
func qualifiedName(f *analysis.File, c *analysis.Class) string {
	if f.Module.Name == "" {
		return c.Name
	}
	return f.Module.Name + "." + c.Name
}

// classDecls returns the declarations of class c of f: its export calls, then its
// configuration entries.
func classDecls(f *analysis.File, c *analysis.Class) []*torchsem.ExportDecl {
	var out []*torchsem.ExportDecl
	for _, d := range f.Program().Declarations() {
		if d.Class == c && d.ClassFile == f {
			out = append(out, d)
		}
	}
	return out
}

// forwardOf finds the forward export traces for class c: what a declaration of c resolved,
// else c's own or one inherited in f, else one inherited from a class another project file
// defines (one import away).
func forwardOf(f *analysis.File, c *analysis.Class) (*analysis.File, *analysis.Function) {
	for _, d := range classDecls(f, c) {
		if d.Forward != nil {
			return d.FwdFile, d.Forward
		}
	}
	if fn := f.Method(c, "forward"); fn != nil {
		return f, fn
	}
	prog := f.Program()
	var gf *analysis.File
	var g *analysis.Function
	f.Lineage(c, func(k *analysis.Class) bool {
		for _, b := range k.Bases {
			q := b
			head, rest, dotted := strings.Cut(b, ".")
			if imp, ok := f.ModuleImports()[head]; ok {
				q = imp
				if dotted {
					q += "." + rest
				}
			}
			i := strings.LastIndexByte(q, '.')
			if i < 0 {
				continue
			}
			if bf := prog.File(q[:i]); bf != nil {
				if bc := bf.ClassNamed(q[i+1:]); bc != nil {
					if fn := bf.Method(bc, "forward"); fn != nil {
						gf, g = bf, fn
						return false
					}
				}
			}
		}
		return true
	})
	return gf, g
}

// describeClass is what dimsInfo says of one module class.
func describeClass(f *analysis.File, c *analysis.Class) dimsClass {
	dc := dimsClass{Name: c.Name, Qualified: qualifiedName(f, c), Params: []dimsParam{}, Declared: []string{}}
	decls := classDecls(f, c)
	for _, d := range decls {
		w := declWhere(d)
		w = strings.TrimPrefix(strings.TrimPrefix(w, "at "), "in ")
		if !slices.Contains(dc.Declared, w) {
			dc.Declared = append(dc.Declared, w)
		}
	}
	ff, fwd := forwardOf(f, c)
	if fwd == nil {
		dc.Error = fmt.Sprintf("exportdb cannot find the forward %s inherits", c.Name)
		return dc
	}
	dc.Forward = fwd.QualName()
	if fwd.Class != nil && fwd.Class != c {
		dc.Forward = fwd.Class.Name + ".forward"
	}
	in, ok := torchsem.InputsOf(fwd)
	if !ok {
		dc.Error = fmt.Sprintf("%s takes no inputs export reads (it is decorated, static, or takes no self)", dc.Forward)
		return dc
	}
	vals := ff.Params(fwd)
	for _, name := range in.Names {
		i := slices.IndexFunc(fwd.Params, func(p analysis.Param) bool { return p.Name == name })
		dp := dimsParam{Name: name, Rank: -1, Axes: map[string]string{}}
		if i >= 0 && i < len(vals) {
			dp.Tensor = vals[i].May(torchsem.Tensor | torchsem.TensorSeq)
			if !dp.Tensor {
				dp.Kind = kindWords(vals[i].Kind)
			}
		}
		dp.Rank, dp.RankFrom = paramRank(ff, fwd, i, name, decls)
		for _, preferConfig := range []bool{true, false} {
			for _, d := range decls {
				if (d.Site == nil) != preferConfig || !d.Spec || !d.Readable {
					continue
				}
				if inp := d.Inputs[i]; inp != nil {
					for a, dd := range inp.Axes {
						k := strconv.Itoa(a)
						if _, done := dp.Axes[k]; !done {
							dp.Axes[k] = axisWords(dd)
						}
					}
				}
			}
		}
		dc.Params = append(dc.Params, dp)
	}
	return dc
}

// kindWords names what a non-tensor input is.
func kindWords(k torchsem.Kind) string {
	switch {
	case k&torchsem.Float != 0:
		return "a float"
	case k&torchsem.Module != 0:
		return "a module"
	case k&torchsem.Const != 0:
		return "a constant (an int, bool or str)"
	case k&torchsem.NoneValue != 0:
		return "None"
	}
	return "not a tensor"
}

// axisWords writes one declared axis for a client: "batch", "h 32..1024", "16*hp", "static".
func axisWords(dd torchsem.DimDecl) string {
	switch dd.Kind {
	case torchsem.DimStatic:
		return "static"
	case torchsem.DimAuto:
		return "auto"
	case torchsem.DimDynamic:
		return "dynamic"
	case torchsem.DimUnknown:
		return "unreadable"
	}
	s := dd.Name
	if dd.Kind == torchsem.DimDerived {
		if dd.Mult != 1 {
			s = fmt.Sprintf("%d*%s", dd.Mult, s)
		}
		if dd.Add > 0 {
			s += fmt.Sprintf("+%d", dd.Add)
		} else if dd.Add < 0 {
			s += fmt.Sprintf("-%d", -dd.Add)
		}
		return s
	}
	switch {
	case dd.Min >= 0 && dd.Max >= 0:
		s += fmt.Sprintf(" %d..%d", dd.Min, dd.Max)
	case dd.Min >= 0:
		s += fmt.Sprintf(" %d..", dd.Min)
	case dd.Max >= 0:
		s += fmt.Sprintf(" ..%d", dd.Max)
	}
	return s
}

// paramRank is the rank of forward's input name (parameter index i): what an export call's
// example input says, else an unpacking of its whole shape in forward (B, C, H, W = x.shape);
// -1 when neither tells.
func paramRank(f *analysis.File, fwd *analysis.Function, i int, name string, decls []*torchsem.ExportDecl) (int, string) {
	for _, d := range decls {
		if in := d.Inputs[i]; in != nil && in.Rank >= 0 && d.Site != nil {
			return in.Rank, "the example input at " + d.Where()
		}
	}
	t := f.Tree
	for _, a := range f.NodesIn(fwd, syntax.KindAssignment) {
		if f.Owner(a) != fwd {
			continue
		}
		left, right := t.Field(a, syntax.FieldLeft), t.Unparen(t.Field(a, syntax.FieldRight))
		if k := t.Kind(left); k != syntax.KindPatternList && k != syntax.KindTuplePattern && k != syntax.KindListPattern {
			continue
		}
		if !isWholeShape(t, right, name) {
			continue
		}
		n, splat := 0, false
		t.Children(left, func(c syntax.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				n++
				if t.Kind(c) == syntax.KindListSplatPattern {
					splat = true
				}
			}
			return true
		})
		if !splat && n > 0 {
			at := fmt.Sprintf("line %d", f.Line(t.Start(a))+1)
			if f.Cells != nil {
				at = f.Place(t.Start(a)) // a notebook: the cell and its line
			}
			return n, strings.Join(strings.Fields(t.String(a)), " ") + " at " + at
		}
	}
	return -1, ""
}

// isWholeShape reports whether e is name.shape or name.size().
func isWholeShape(t *syntax.Tree, e syntax.NodeID, name string) bool {
	switch t.Kind(e) {
	case syntax.KindAttribute:
		obj := t.Field(e, syntax.FieldObject)
		return t.Kind(obj) == syntax.KindIdentifier && t.TextIs(obj, name) && t.TextIs(t.Field(e, syntax.FieldAttribute), "shape")
	case syntax.KindCall:
		fn := t.Field(e, syntax.FieldFunction)
		args := t.Field(e, syntax.FieldArguments)
		if t.Kind(fn) != syntax.KindAttribute || !t.TextIs(t.Field(fn, syntax.FieldAttribute), "size") || t.NamedChildCount(args) != 0 {
			return false
		}
		obj := t.Field(fn, syntax.FieldObject)
		return t.Kind(obj) == syntax.KindIdentifier && t.TextIs(obj, name)
	}
	return false
}

// ---- the command ----

// declareDimsArgs is exportdb.declareDims's argument.
type declareDimsArgs struct {
	URI       protocol.DocumentURI       `json:"uri"`
	Class     string                     `json:"class"`
	Parameter string                     `json:"parameter"`
	Axes      map[string]json.RawMessage `json:"axes"`
}

// declareDimsResult is exportdb.declareDims's answer.
type declareDimsResult struct {
	File    string               `json:"file"`
	URI     protocol.DocumentURI `json:"uri"`
	Created bool                 `json:"created"`
}

func invalidDims(format string, args ...any) error {
	return jsonrpc2.NewError(jsonrpc2.InvalidParams, cmdDeclareDims+": "+fmt.Sprintf(format, args...))
}

// declareDims runs exportdb.declareDims.
func (s *Server) declareDims(ctx context.Context, arguments []any) (any, error) {
	if len(arguments) != 1 {
		return nil, invalidDims(`want one argument, {"uri", "class", "parameter", "axes"}`)
	}
	raw, err := json.Marshal(arguments[0])
	if err != nil {
		return nil, invalidDims("%v", err)
	}
	var a declareDimsArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, invalidDims(`want {"uri", "class", "parameter", "axes"}: %v`, err)
	}
	switch {
	case a.URI == "" || a.Class == "":
		return nil, invalidDims(`want the document ("uri") and the class ("class")`)
	case a.Parameter == "" || len(a.Axes) == 0:
		return nil, invalidDims(`which dims of %s? Give "parameter" (a tensor input of forward) and "axes" ({"0": "batch", "2": {"dim": "h", "min": 32, "max": 1024}}); VS Code and the Neovim plugin ask for them`, a.Class)
	}
	v, err := s.view(ctx, a.URI)
	if errors.Is(err, errNoDocument) {
		return nil, invalidDims("document is not open: %s", a.URI)
	}
	if err != nil {
		return nil, err
	}
	f := v.res.file
	if f == nil {
		why := "it could not be analysed"
		if v.res.fileErr != nil {
			why = v.res.fileErr.Error()
		}
		return nil, invalidDims("%s: %s", filepath.Base(v.res.path), why)
	}
	if v.part >= 0 {
		return nil, invalidDims("the configuration declares dims of a project module's classes; in a notebook, pass dynamic_shapes to the export call")
	}
	var cls *analysis.Class
	var names []string
	for _, c := range f.Classes {
		if f.IsModule(c) {
			names = append(names, c.Name)
		}
		if c.Name == a.Class || qualifiedName(f, c) == a.Class {
			cls = c
		}
	}
	base := filepath.Base(v.res.path)
	switch {
	case cls == nil && len(names) == 0:
		return nil, invalidDims("class %s is not defined in %s, which defines no nn.Module class", a.Class, base)
	case cls == nil:
		return nil, invalidDims("class %s is not defined in %s (its nn.Module classes: %s)", a.Class, base, strings.Join(names, ", "))
	case !f.IsModule(cls):
		return nil, invalidDims("%s is not an nn.Module: only a module's forward inputs have dims to declare", cls.Name)
	}
	dc := describeClass(f, cls)
	if dc.Error != "" {
		return nil, invalidDims("%s", dc.Error)
	}
	pi := slices.IndexFunc(dc.Params, func(p dimsParam) bool { return p.Name == a.Parameter })
	if pi < 0 {
		inputs := make([]string, len(dc.Params))
		for i, p := range dc.Params {
			inputs[i] = p.Name
		}
		return nil, invalidDims("%s has no input %s (its inputs: %s)", dc.Forward, a.Parameter, strings.Join(inputs, ", "))
	}
	param := dc.Params[pi]
	if !param.Tensor {
		return nil, invalidDims("input %s of %s is %s, not a tensor: only a tensor has dims", param.Name, dc.Forward, param.Kind)
	}
	axes, err := parseAxes(a.Axes, param)
	if err != nil {
		return nil, invalidDims("%v", err)
	}
	target, err := s.dimsTarget(v.res.path)
	if err != nil {
		return nil, invalidDims("the configuration cannot take the entry: %v", err)
	}
	var text []byte
	if target.Exists {
		if text, err = safefile.Read(target.Path, config.MaxFileSize); err != nil {
			return nil, invalidDims("reading %s: %v", target.Path, err)
		}
	}
	keys := []string{dc.Qualified}
	if dc.Qualified != cls.Name {
		keys = append(keys, cls.Name)
	}
	edit, err := config.SetDynamicShapes(target.Path, text, target.Pyproject, keys, param.Name, axes)
	if err != nil {
		return nil, invalidDims("%v", err)
	}
	s.mu.Lock()
	c := s.client
	s.mu.Unlock()
	if !c.applyEdit {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, cmdDeclareDims+": the client does not support workspace/applyEdit")
	}
	uri := pathToURI(target.Path)
	lines := newLineIndex(text)
	te := protocol.TextEdit{Range: lines.rangeOf(edit.Start, edit.End, c.encoding), NewText: edit.NewText}
	params := applyEditParams{Label: fmt.Sprintf("exportdb: declare dims of %s.%s", cls.Name, param.Name)}
	switch {
	case !target.Exists && c.docChanges && c.createFiles:
		params.Edit.DocumentChanges = []any{
			protocol.CreateFile{Kind: "create", URI: uri, Options: &protocol.CreateFileOptions{IgnoreIfExists: true}},
			protocol.TextDocumentEdit{TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
				TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}}, Edits: []protocol.TextEdit{te}},
		}
	default:
		params.Edit.Changes = map[protocol.DocumentURI][]protocol.TextEdit{uri: {te}}
	}
	var out protocol.ApplyWorkspaceEditResponse
	if err := s.call(ctx, "workspace/applyEdit", params, &out); err != nil {
		return nil, err
	}
	if !out.Applied {
		reason := out.FailureReason
		if reason == "" {
			reason = "no reason given"
		}
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, fmt.Sprintf("%s: the editor did not apply the edit of %s (%s)", cmdDeclareDims, target.Path, reason))
	}
	return declareDimsResult{File: target.Path, URI: uri, Created: !target.Exists}, nil
}

// parseAxes reads the command's axes for input p: keys are axis indexes (negative ones
// count from the end when p's rank is known), values a dim name or {dim, min, max}.
func parseAxes(raw map[string]json.RawMessage, p dimsParam) (map[int]config.AxisDecl, error) {
	out := map[int]config.AxisDecl{}
	for k, v := range raw {
		axis, err := strconv.Atoi(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("axis %q: want a dimension index such as 0 or 2", k)
		}
		rankNote := ""
		if p.RankFrom != "" {
			rankNote = " (" + p.RankFrom + ")"
		}
		switch {
		case axis < 0 && p.Rank < 0:
			return nil, fmt.Errorf("axis %d: the rank of %s is not known, so count the axis from 0", axis, p.Name)
		case axis < 0 && axis+p.Rank < 0, p.Rank >= 0 && axis >= p.Rank:
			return nil, fmt.Errorf("axis %d is out of range: %s has %d dims%s", axis, p.Name, p.Rank, rankNote)
		case axis > config.MaxAxis:
			return nil, fmt.Errorf("axis %d is out of range: the configuration takes axes 0 to %d", axis, config.MaxAxis)
		case axis < 0:
			axis += p.Rank
		}
		d := config.AxisDecl{Min: -1, Max: -1}
		var name string
		if err := json.Unmarshal(v, &name); err == nil {
			d.Dim = strings.TrimSpace(name)
		} else {
			var obj struct {
				Dim string `json:"dim"`
				Min *int   `json:"min"`
				Max *int   `json:"max"`
			}
			dec := json.NewDecoder(strings.NewReader(string(v)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&obj); err != nil {
				return nil, fmt.Errorf(`axis %d: want a dim name or {"dim": "h", "min": 32, "max": 1024}: %v`, axis, err)
			}
			d.Dim = strings.TrimSpace(obj.Dim)
			if obj.Min != nil {
				if *obj.Min < 0 {
					return nil, fmt.Errorf("axis %d: min %d is negative", axis, *obj.Min)
				}
				d.Min = *obj.Min
			}
			if obj.Max != nil {
				if *obj.Max < 0 {
					return nil, fmt.Errorf("axis %d: max %d is negative", axis, *obj.Max)
				}
				d.Max = *obj.Max
			}
		}
		if err := d.Check(); err != nil {
			return nil, fmt.Errorf("axis %d: %v", axis, err)
		}
		if _, dup := out[axis]; dup {
			return nil, fmt.Errorf("axis %d is given twice", axis)
		}
		out[axis] = d
	}
	return out, nil
}

// ---- the code lens ----

// dimsLens is the lens above a model's forward (or its class, when forward is inherited):
// "Declare dynamic dims…", or what is declared. Submodules (classes another module
// constructs or calls) get none unless declared: their inputs come from their parent.
func dimsLens(v *docView, f *analysis.File, c *analysis.Class, enc encoding) (protocol.CodeLens, bool) {
	decls := classDecls(f, c)
	if len(decls) == 0 && f.UsedAsSubmodule(c) {
		return protocol.CodeLens{}, false
	}
	at := nameNode(f, c)
	if fwd := c.Methods["forward"]; fwd != nil {
		if n := f.Tree.Field(fwd.Node, syntax.FieldName); n != syntax.NoNode {
			at = n
		}
	}
	if !v.holds(f.Tree.Start(at)) {
		return protocol.CodeLens{}, false
	}
	lens := protocol.CodeLens{Range: v.rangeOf(f.Tree.Start(at), f.Tree.End(at), enc)}
	declare := &protocol.Command{Title: "Declare dynamic dims…", Command: cmdDeclareDims,
		Arguments: []any{map[string]any{"uri": string(v.uri), "class": qualifiedName(f, c)}}}
	if len(decls) == 0 {
		lens.Command = declare
		return lens, true
	}
	var parts []string
	inConfig := false
	for i, d := range decls {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("+%d more", len(decls)-2))
			break
		}
		inConfig = inConfig || d.Site == nil
		parts = append(parts, declSummary(d)+" ("+strings.TrimPrefix(strings.TrimPrefix(declWhere(d), "at "), "in ")+")")
	}
	title := "dims: " + strings.Join(parts, "; ")
	if inConfig {
		// the configuration's entry is the command's to change
		declare.Title = title
		lens.Command = declare
	} else {
		lens.Command = &protocol.Command{Title: title, Command: ""}
	}
	return lens, true
}

// declSummary lists a declaration's dynamic axes: "x[0]=batch, x[2]=16*hp"; "all static";
// "not readable".
func declSummary(d *torchsem.ExportDecl) string {
	switch {
	case !d.Spec:
		return "all static"
	case !d.Readable:
		return "not readable"
	}
	params := make([]int, 0, len(d.Inputs))
	for p := range d.Inputs {
		params = append(params, p)
	}
	slices.Sort(params)
	var parts []string
	for _, p := range params {
		in := d.Inputs[p]
		name := "?"
		if d.Forward != nil && p < len(d.Forward.Params) {
			name = d.Forward.Params[p].Name
		}
		axes := make([]int, 0, len(in.Axes))
		for a, dd := range in.Axes {
			if dd.Dynamic() {
				axes = append(axes, a)
			}
		}
		slices.Sort(axes)
		for _, a := range axes {
			w := axisWords(in.Axes[a])
			if i := strings.IndexByte(w, ' '); i >= 0 && in.Axes[a].Kind == torchsem.DimNamed {
				w = w[:i] // the range is the hover's
			}
			parts = append(parts, fmt.Sprintf("%s[%d]=%s", name, a, strings.ReplaceAll(w, " ", "")))
		}
	}
	if len(parts) == 0 {
		return "all static"
	}
	return strings.Join(parts, ", ")
}
