package torchsem

import (
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ExportDecl is what one export call (or one configuration entry) declares of the dimensions
// of an exported model's inputs.
type ExportDecl struct {
	// Site is the export call and File its file; Site is nil for a configuration entry,
	// which names its file in Config.
	Site   *ExportSite
	File   *File
	Config string
	// Class is the exported model's class, and Forward the forward export traces.
	Class     *Class
	ClassFile *File
	Forward   *Function
	FwdFile   *File
	// Strict is strict= at the call site, nil when the call does not pass it.
	Strict *bool
	// Spec is false when the call passes no dynamic_shapes: every dimension is static.
	Spec bool
	// Readable is false when the spec is not literal enough to read (built by a function,
	// a comprehension): its dimensions are unknown, not static.
	Readable bool
	// Inputs holds what the spec declares of each input, by forward parameter index; an
	// input the spec does not name is static.
	Inputs map[int]*InputDecl

	fp  *declHash // fingerprint's, shared by the copies collectDecls makes; nil: not kept
	sig *declSig  // signature's, shared by the copies and by the next text's (siteDecls); nil: not kept
}

// declHash keeps an ExportDecl's fingerprint once computed.
type declHash struct {
	once sync.Once
	v    uint64
}

// declSig keeps an ExportDecl's signature once computed.
type declSig struct {
	once sync.Once
	s    string
}

// Where names the declaration for messages: "export.py:12", "nb.ipynb:cell 2:3",
// "pyproject.toml", or "line 12" in a file without a path or module (pysem.File.Place).
func (d *ExportDecl) Where() string {
	if d.Site == nil {
		return pysem.BaseName(d.Config)
	}
	return d.File.Place(d.File.Tree.Start(d.Site.Call))
}

// ProgramOption configures NewProgram.
type ProgramOption func(*Program)

// WithClassDims adds the dynamic dimensions the configuration declares for classes exported
// outside the project.
func WithClassDims(cds []ClassDims) ProgramOption {
	return func(p *Program) { p.classDims = append(p.classDims, cds...) }
}

// declState is the program's declarations, computed on first use.
type declState struct {
	once  sync.Once
	byFwd map[funcRef][]*ExportDecl
	all   []*ExportDecl

	fpOnce sync.Once
	fp     uint64 // DeclFingerprint

	fpIn keyMemo[*File, uint64] // DeclFingerprintIn, by file

	// perFile holds, by index in the program's Files, the copies made of each file's
	// export calls' declarations (those without a forward included), for a program that
	// replaces a file of this one (carriedDecls); nil when Redeclare read other texts.
	perFile [][]*ExportDecl

	sitesIndex // by export call, for the programs that carry values from this one (carry.go)
}

// Declarations returns every export declaration of the program: its export calls, then its
// configuration entries.
func (p *Program) Declarations() []*ExportDecl { return p.declSet().all }

// declSet returns the program's declarations, read on first use.
func (p *Program) declSet() *declState {
	ds := p.decls.Load()
	if ds == nil {
		p.decls.CompareAndSwap(nil, &declState{})
		ds = p.decls.Load()
	}
	ds.once.Do(func() { p.collectDecls(ds, nil) })
	return ds
}

// DeclFingerprint hashes everything the program's declarations say and where they say it:
// each declaration's model, strict=, dims, file and call. Two programs with the
// same fingerprint answer every question about declarations alike (Dims, ExportsOf), so
// what was computed from one's declarations holds for the other.
func (p *Program) DeclFingerprint() uint64 {
	ds := p.declSet()
	ds.fpOnce.Do(func() {
		h := fnv.New64a()
		var b [8]byte
		for _, d := range ds.all {
			binary.LittleEndian.PutUint64(b[:], d.fingerprint())
			h.Write(b[:])
		}
		ds.fp = h.Sum64()
	})
	return ds.fp
}

// DeclFingerprintIn is DeclFingerprint as findings in file f depend on it: f's own export
// calls count with the line messages cite them by, not their byte offsets. An edit of f
// above its export call moves the call without changing what f's kept findings say; those
// that point at the call itself lie in its unit, which the edit keeps whole or not at all.
func (p *Program) DeclFingerprintIn(f *File) uint64 {
	ds := p.declSet()
	// every Declarations rule asks, at every analysis
	return ds.fpIn.get(f, func() uint64 { return p.declFingerprintIn(ds, f) })
}

func (p *Program) declFingerprintIn(ds *declState, f *File) uint64 {
	own := false
	for _, d := range ds.all {
		own = own || d.Site != nil && d.File == f
	}
	if !own {
		return p.DeclFingerprint()
	}
	h := fnv.New64a()
	var b [8]byte
	for _, d := range ds.all {
		var v uint64
		if d.Site != nil && d.File == f {
			v = d.hashLine()
		} else {
			v = d.fingerprint()
		}
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	return h.Sum64()
}

// fingerprint hashes what d declares and where (see DeclFingerprint), once per declaration
// read from an export call.
func (d *ExportDecl) fingerprint() uint64 {
	if d.fp == nil {
		return d.hash()
	}
	d.fp.once.Do(func() { d.fp.v = d.hash() })
	return d.fp.v
}

func (d *ExportDecl) hash() uint64 { return d.hashWith(true) }

// hashLine is hash without the call's byte offsets (DeclFingerprintIn).
func (d *ExportDecl) hashLine() uint64 { return d.hashWith(false) }

func (d *ExportDecl) hashWith(offsets bool) uint64 {
	h := fnv.New64a()
	w := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	w(d.signature())
	w(d.Where())
	w(d.Config)
	if d.Site != nil && d.File != nil {
		w(d.File.Path + ":" + d.File.Module.Name)
		if offsets {
			w(strconv.Itoa(d.File.Tree.Start(d.Site.Call)) + "-" + strconv.Itoa(d.File.Tree.End(d.Site.Call)))
		}
	}
	return h.Sum64() // the forward follows from the class, which the signature names
}

// Redeclare reads the program's declarations again, taking the export calls of each of
// files (a newer text of a module the program links, analysed in another program, whose
// structure surface is the one linked here: only what its export calls declare changed)
// instead of those of the program's own file of that module. Everything else the program
// knows stays: the facts of its files do not depend on declarations, so an editor that
// keeps a model's analysis while an export script's dynamic_shapes is edited only reads the
// declarations again. Values computed with Memo are dropped, as they may read them.
func (p *Program) Redeclare(files ...*File) {
	override := make(map[string]*File, len(files))
	for _, f := range files {
		if f != nil && f.Module.Name != "" {
			override[f.Module.Name] = f
		}
	}
	ds := &declState{}
	ds.once.Do(func() { p.collectDecls(ds, override) })
	p.decls.Store(ds)
	p.memo.mu.Lock()
	p.memo.entries = nil
	p.memo.mu.Unlock()
}

// declsOf returns the declarations of the model whose forward is r.
func (p *Program) declsOf(r funcRef) []*ExportDecl {
	ds := p.declSet()
	if d, ok := ds.byFwd[r]; ok {
		return d
	}
	// a root linked in the program this one replaced a file of: its function's version in
	// this program's file of the same module (declarations name the current ones)
	if cur := p.current(r.f); cur != r.f && r.fn != nil {
		qual := r.fn.QualName()
		for _, fn := range cur.Funcs {
			if fn.QualName() == qual {
				return ds.byFwd[funcRef{cur, fn}]
			}
		}
	}
	return nil
}

// collectDecls reads the declarations of the program's files into ds, taking a module's
// export calls from override's file of that module when it has one.
func (p *Program) collectDecls(ds *declState, override map[string]*File) {
	var carry *carriedDecls
	if override == nil {
		carry = p.carriedDecls()
		ds.perFile = make([][]*ExportDecl, len(p.Files))
	}
	if carry != nil {
		// as many as the base's, give or take the edited file's: made once (a keystroke in
		// a model whose neighbours make a thousand export calls reads them all again)
		ds.byFwd = make(map[funcRef][]*ExportDecl, len(carry.from.byFwd))
		ds.all = make([]*ExportDecl, 0, len(carry.from.all)+8)
	} else {
		ds.byFwd = map[funcRef][]*ExportDecl{}
	}
	keep := func(d *ExportDecl) {
		if d.Forward == nil {
			return
		}
		r := funcRef{d.FwdFile, d.Forward}
		ds.byFwd[r] = append(ds.byFwd[r], d)
		ds.all = append(ds.all, d)
	}
	add := func(d *ExportDecl) {
		p.currentDecl(d)
		keep(d)
	}
	for i, f := range p.Files {
		copies, ok := carry.of(p, i, f)
		if ok {
			for _, d := range copies {
				keep(d)
			}
		} else {
			src := f
			if o := override[f.Module.Name]; o != nil && f.Module.Name != "" {
				src = o
			}
			for _, d := range src.siteDecls() {
				c := *d // a copy: currentDecl points it at this program's files (the call stays in src's text)
				copies = append(copies, &c)
				add(&c)
			}
		}
		if ds.perFile != nil {
			ds.perFile[i] = copies
		}
	}
	for _, cd := range p.classDims {
		for _, f := range p.Files {
			for _, c := range f.Classes {
				if !f.module[c] || (cd.Class != c.Name && cd.Class != f.Module.Name+"."+c.Name) {
					continue
				}
				add(f.configDecl(c, cd))
			}
		}
	}
}

// carriedDecls are the declarations a program that replaced a file of its base program
// takes from the base's, for the files they share: the editor's keystroke in a model
// whose neighbours make a thousand export calls copies only those naming the model.
type carriedDecls struct {
	from     *declState
	base     []*File
	replaced map[*File]bool // the base's files the program replaced
}

// carriedDecls returns what p may take from its base program's declarations, nil when
// nothing (p replaced no file of a program, or the base's declarations were read from
// other texts by Redeclare).
func (p *Program) carriedDecls() *carriedDecls {
	if p.base == nil || len(p.base.Files) > len(p.Files) {
		return nil
	}
	bs := p.base.declSet()
	if bs.perFile == nil {
		return nil
	}
	c := &carriedDecls{from: bs, base: p.base.Files, replaced: map[*File]bool{}}
	for i, f := range c.base {
		if p.Files[i] != f {
			c.replaced[f] = true
		}
	}
	return c
}

// of returns the declarations of file i of p, f, from the base's copies, with ok false
// when f is not the base's file i. The copies naming a replaced file are copied again and
// pointed at p's files; the others are the base's, already current in p.
func (c *carriedDecls) of(p *Program, i int, f *File) (copies []*ExportDecl, ok bool) {
	if c == nil || i >= len(c.base) || c.base[i] != f {
		return nil, false
	}
	copies = make([]*ExportDecl, len(c.from.perFile[i]))
	for k, d := range c.from.perFile[i] {
		if c.replaced[d.ClassFile] || c.replaced[d.FwdFile] {
			nd := *d
			p.currentDecl(&nd)
			d = &nd
		}
		copies[k] = d
	}
	return copies, true
}

// siteDecls returns the declarations of the file's export calls, read once per File (as
// its ExportSites are) and shared, read-only, by every program that links the file.
func (f *File) siteDecls() []*ExportDecl {
	f.declsOnce.Do(func() {
		sites := f.ExportSites()
		kept := f.keptDecls
		f.keptDecls = nil
		for i := range sites {
			if s := &sites[i]; s.API.TakesExampleArgs() && s.Class != nil {
				var d *ExportDecl
				if k := kept[s.Call]; k != nil {
					// what the previous text's call declared, moved (reuse.decl): the same
					// model and dims, so its signature too (DeclFingerprintIn hashes it
					// for each export call of an edited file at every keystroke)
					c := *k
					c.Site = s
					d = &c
				} else {
					d = f.declOf(s)
					d.sig = &declSig{}
				}
				d.fp = &declHash{}
				f.decls = append(f.decls, d)
			}
		}
		f.declsDone.Store(true)
	})
	return f.decls
}

// DeclAt returns the declaration read from the export call at call in f, nil when the call
// exports no model the program resolves.
func (f *File) DeclAt(call NodeID) *ExportDecl {
	for _, d := range f.prog.Declarations() {
		if d.File == f && d.Site != nil && d.Site.Call == call {
			return d
		}
	}
	return nil
}

// ExampleRank is the rank of an example input built by a torch constructor with literal
// sizes (torch.randn(2, 3, 224, 224)), following a name bound once; -1 otherwise.
func (f *File) ExampleRank(fn *Function, e NodeID) int { return f.literalRank(fn, e) }

// currentDecl points d at this program's versions of the files it names. A file kept from
// the program this one replaced a file of (Program.Replace) resolves names in that older
// program: an export script kept as it was finds the model's class in the model file's
// previous text, whose functions are not the ones this program links.
func (p *Program) currentDecl(d *ExportDecl) {
	if cur := p.current(d.ClassFile); cur != d.ClassFile && d.Class != nil {
		d.ClassFile, d.Class = cur, cur.ClassNamed(d.Class.Name)
		if d.Class == nil {
			d.ClassFile = nil
			d.fp, d.sig = nil, nil // the model is gone: what the copies keep says otherwise
		}
	}
	if cur := p.current(d.FwdFile); cur != d.FwdFile && d.Forward != nil {
		qual := d.Forward.QualName()
		d.FwdFile, d.Forward = cur, nil
		for _, fn := range cur.Funcs {
			if fn.QualName() == qual {
				d.Forward = fn
				break
			}
		}
		if d.Forward == nil {
			d.FwdFile = nil
		}
	}
}

// current is this program's file of f's module (f itself when the program has no other).
func (p *Program) current(f *File) *File {
	if f == nil || f.Module.Name == "" {
		return f
	}
	if cur := p.byModule[f.Module.Name]; cur != nil {
		return cur
	}
	return f
}

// CurrentCallee maps what c names in an earlier text of a module (a file this program kept
// was linked with it: the editor replaces the file it analyses in a program that keeps the
// others) to this program's file of that module: the class of the same name, the function
// of the same qualified name. What the current text no longer defines is left out.
func (p *Program) CurrentCallee(c Callee) Callee {
	if cur := p.current(c.ClassFile); cur != c.ClassFile && c.Class != nil {
		c.ClassFile, c.Class = cur, cur.ClassNamed(c.Class.Name)
		if c.Class == nil {
			c.ClassFile = nil
		}
	}
	if cur := p.current(c.File); cur != c.File && c.Func != nil {
		qual := c.Func.QualName()
		c.File, c.Func = cur, nil
		for _, fn := range cur.Funcs {
			if fn.QualName() == qual {
				c.Func = fn
				break
			}
		}
		if c.Func == nil {
			c.File = nil
		}
	}
	return c
}

// configDecl is a configuration entry's declaration for class c of f.
func (f *File) configDecl(c *Class, cd ClassDims) *ExportDecl {
	d := &ExportDecl{Config: cd.Config, Class: c, ClassFile: f, Spec: true, Readable: true, Inputs: map[int]*InputDecl{}}
	d.FwdFile, d.Forward = f.prog.method(f, c, "forward")
	if d.Forward == nil {
		return d
	}
	for name, axes := range cd.Params {
		for i, p := range d.Forward.Params {
			if p.Name == name {
				d.Inputs[i] = &InputDecl{Param: i, Rank: -1, Axes: axes}
			}
		}
	}
	return d
}

// declOf reads the declarations of an export call.
func (f *File) declOf(s *ExportSite) *ExportDecl {
	t := f.Tree
	d := &ExportDecl{Site: s, File: f, Class: s.Class, ClassFile: s.ClassFile, Inputs: map[int]*InputDecl{}, Readable: true}
	d.FwdFile, d.Forward = s.Forward()
	if s.Strict != NoNode {
		switch t.Kind(t.Unparen(s.Strict)) {
		case syntax.KindTrue:
			b := true
			d.Strict = &b
		case syntax.KindFalse:
			b := false
			d.Strict = &b
		}
	}
	if d.Forward == nil {
		return d
	}
	in, ok := InputsOf(d.Forward)
	if !ok {
		d.Readable = false
		return d
	}
	ranks := f.exampleRanks(s, in)
	if s.DynamicShapes != NoNode {
		d.Spec = true
		spec := f.BoundValue(s.Func, s.DynamicShapes)
		switch t.Kind(spec) {
		case syntax.KindNone:
			d.Spec = false
		case syntax.KindDictionary:
			t.Children(spec, func(pair NodeID) bool {
				if t.Kind(pair) != syntax.KindPair {
					if t.IsNamed(pair) && !t.IsComment(pair) {
						d.Readable = false // **other: not readable
					}
					return true
				}
				key, ok := f.stringLit(t.Field(pair, syntax.FieldKey))
				if !ok {
					d.Readable = false
					return true
				}
				for i, name := range in.Names {
					if name == key {
						f.inputDecl(s.Func, d, i+1, t.Field(pair, syntax.FieldValue), ranks[i])
					}
				}
				return true
			})
		case syntax.KindTuple, syntax.KindList:
			i := 0
			t.Children(spec, func(el NodeID) bool {
				if !t.IsNamed(el) || t.IsComment(el) {
					return true
				}
				if i < len(in.Names) {
					f.inputDecl(s.Func, d, i+1, el, ranks[i])
				}
				i++
				return true
			})
		default:
			d.Readable = false
		}
	}
	if s.Constraints != NoNode {
		f.legacyConstraints(s, d, in, ranks)
	}
	return d
}

// stringLit reads a string literal without interpolation.
func (f *File) stringLit(n NodeID) (string, bool) {
	t := f.Tree
	n = t.Unparen(n)
	if t.Kind(n) != syntax.KindString {
		return "", false
	}
	s := t.String(n)
	for len(s) > 0 && strings.ContainsRune("rRbBuU", rune(s[0])) {
		s = s[1:]
	}
	if len(s) < 2 || (s[0] != '"' && s[0] != '\'') || strings.ContainsAny(s, "{}") && strings.HasPrefix(t.String(n), "f") {
		return "", false
	}
	return strings.Trim(s, `"'`), true
}

// inputDecl reads the spec of one input (forward parameter index param).
func (f *File) inputDecl(fn *Function, d *ExportDecl, param int, spec NodeID, rank int) {
	t := f.Tree
	in := &InputDecl{Param: param, Rank: rank, Axes: map[int]DimDecl{}}
	d.Inputs[param] = in
	spec = f.BoundValue(fn, spec)
	if f.nestedSpec(fn, spec) {
		// the input is a list, tuple or dict of tensors with a spec per element: which
		// element a size comes from is not tracked, so its dims are unknown
		in.Rank = -1
		in.Axes = map[int]DimDecl{0: {Kind: DimUnknown, Min: -1, Max: -1, Mult: 1, Node: NoNode}}
		in.Nested = true
		return
	}
	switch t.Kind(spec) {
	case syntax.KindNone:
		// every axis static
	case syntax.KindDictionary:
		t.Children(spec, func(pair NodeID) bool {
			if t.Kind(pair) != syntax.KindPair {
				return true
			}
			k, ok := intLiteral(t, t.Field(pair, syntax.FieldKey))
			if !ok {
				d.Readable = false
				return true
			}
			if k < 0 && rank > 0 {
				k += rank
			}
			in.Axes[k] = f.dimExpr(fn, t.Field(pair, syntax.FieldValue), 0) // k < 0: counted from the end of a rank not known
			return true
		})
	case syntax.KindTuple, syntax.KindList:
		i := 0
		t.Children(spec, func(el NodeID) bool {
			if t.IsNamed(el) && !t.IsComment(el) {
				in.Axes[i] = f.dimExpr(fn, el, 0)
				i++
			}
			return true
		})
		in.Rank = i
	default:
		if dd := f.dimExpr(fn, spec, 0); (dd.Kind == DimStatic || dd.Kind == DimUnknown) && t.Kind(spec) != syntax.KindNone {
			d.Readable = false // a nested pytree spec, or something not literal
		}
	}
}

// nestedSpec reports whether spec holds specs rather than axes: a dict or sequence whose
// entries are dicts or sequences themselves (the spec of a list or dict input).
func (f *File) nestedSpec(fn *Function, spec NodeID) bool {
	t := f.Tree
	var els []NodeID
	switch t.Kind(spec) {
	case syntax.KindDictionary:
		for _, p := range t.NamedChildren(spec, nil) {
			if t.Kind(p) == syntax.KindPair {
				els = append(els, t.Field(p, syntax.FieldValue))
			}
		}
	case syntax.KindTuple, syntax.KindList:
		els = t.NamedChildren(spec, nil)
	}
	for _, e := range els {
		switch t.Kind(f.BoundValue(fn, e)) {
		case syntax.KindDictionary, syntax.KindTuple, syntax.KindList:
			return true
		}
	}
	return false
}

// dimExpr reads one axis's declaration: None, an int, Dim(...), Dim.AUTO/DYNAMIC/STATIC, a
// name bound to one (also by `a, b = dims("a", "b")` and `a, b = Dim("a"), Dim("b")`),
// k * dim, dim * k, dim + c, dim - c. Anything else (a parameter of the exporting function,
// a call it cannot follow) is DimUnknown: never read as static.
func (f *File) dimExpr(fn *Function, e NodeID, depth int) DimDecl {
	t := f.Tree
	decl := DimDecl{Kind: DimStatic, Min: -1, Max: -1, Mult: 1, File: f, Node: e}
	unknown := decl
	unknown.Kind = DimUnknown
	if depth > 8 {
		return unknown
	}
	e = t.Unparen(e)
	switch t.Kind(e) {
	case syntax.KindNone, syntax.KindInteger:
		return decl
	case syntax.KindIdentifier:
		v := f.BoundValue(fn, e)
		if v != e {
			return f.dimExpr(fn, v, depth+1)
		}
		// a, b = dims("a", "b", min=.., max=..); a, b = Dim("a"), Dim("b")
		if id, scope := f.ReachingBinding(fn, t.String(e), e); id != NoNode {
			if d, ok := f.dimsUnpacked(scope, id, depth); ok {
				return d
			}
		}
		return unknown
	case syntax.KindAttribute:
		if ok, _ := IsDimAPI(f.Resolve(t.Field(e, syntax.FieldObject))); ok {
			switch t.String(t.Field(e, syntax.FieldAttribute)) {
			case "AUTO":
				decl.Kind = DimAuto
			case "DYNAMIC":
				decl.Kind = DimDynamic
			}
			return decl
		}
		return unknown
	case syntax.KindCall:
		if ok, many := IsDimAPI(f.Resolve(t.Field(e, syntax.FieldFunction))); ok && !many {
			decl.Kind = DimNamed
			pos, _ := f.Args(e)
			if len(pos) > 0 {
				decl.Name, _ = f.stringLit(pos[0])
			}
			f.dimBounds(e, &decl)
			return decl
		}
		return unknown
	case syntax.KindBinaryOperator:
		l, r := t.Field(e, syntax.FieldLeft), t.Field(e, syntax.FieldRight)
		op := t.Operator(e)
		if k, ok := smallInt(t, l); ok && op == "*" {
			if d := f.dimExpr(fn, r, depth+1); d.Kind == DimNamed || d.Kind == DimDerived {
				d.Kind, d.Mult, d.Add, d.Node = DimDerived, d.Mult*k, d.Add*k, e
				return d
			}
		}
		if k, ok := smallInt(t, r); ok {
			if d := f.dimExpr(fn, l, depth+1); d.Kind == DimNamed || d.Kind == DimDerived {
				switch op {
				case "*":
					d.Mult, d.Add = d.Mult*k, d.Add*k
				case "+":
					d.Add += k
				case "-":
					d.Add -= k
				default:
					return unknown
				}
				d.Kind, d.Node = DimDerived, e
				return d
			}
		}
		return unknown
	}
	return unknown
}

// dimsUnpacked reads a name bound by unpacking: `a, b = dims("a", "b", min=, max=)`, or a
// tuple or list of declarations on the right (`a, b = Dim("a"), Dim("b")`).
func (f *File) dimsUnpacked(fn *Function, id NodeID, depth int) (DimDecl, bool) {
	t := f.Tree
	pat := t.Parent(id)
	a := t.Parent(pat)
	if t.Kind(a) != syntax.KindAssignment {
		return DimDecl{}, false
	}
	idx := -1
	i := 0
	t.Children(pat, func(c NodeID) bool {
		if t.IsNamed(c) {
			if c == id {
				idx = i
			}
			i++
		}
		return true
	})
	right := t.Unparen(t.Field(a, syntax.FieldRight))
	switch t.Kind(right) {
	case syntax.KindTuple, syntax.KindList, syntax.KindExpressionList:
		els := t.NamedChildren(right, nil)
		if idx < 0 || idx >= len(els) || len(els) != i {
			return DimDecl{}, false
		}
		return f.dimExpr(fn, els[idx], depth+1), true
	case syntax.KindCall:
	default:
		return DimDecl{}, false
	}
	call := right
	if ok, many := IsDimAPI(f.Resolve(t.Field(call, syntax.FieldFunction))); !ok || !many {
		return DimDecl{}, false
	}
	pos, _ := f.Args(call)
	decl := DimDecl{Kind: DimNamed, Min: -1, Max: -1, Mult: 1, File: f, Node: call, Name: t.String(id)}
	if idx >= 0 && idx < len(pos) {
		if s, ok := f.stringLit(pos[idx]); ok {
			decl.Name = s
		}
	}
	f.dimBounds(call, &decl)
	return decl, true
}

// dimBounds reads min= and max= of a Dim or dims call.
func (f *File) dimBounds(call NodeID, d *DimDecl) {
	for _, kw := range []string{"min", "max"} {
		if v := f.KwArg(call, kw); v != NoNode {
			if n, ok := pysem.IntLiteral(f.Tree, v); ok && n >= 0 && n < 1<<31 {
				if kw == "min" {
					d.Min = int(n)
				} else {
					d.Max = int(n)
				}
			}
		}
	}
}

// smallInt reads an integer literal of a derived dim's factor or offset.
func smallInt(t *syntax.Tree, n NodeID) (int, bool) {
	k, ok := pysem.IntLiteral(t, n)
	if !ok || k < -1<<20 || k > 1<<20 {
		return 0, false
	}
	return int(k), true
}

// legacyConstraints reads the pre-2.3 constraints=[dynamic_dim(x, 0), ...]: each input
// named there has that axis dynamic (unnamed).
func (f *File) legacyConstraints(s *ExportSite, d *ExportDecl, in Inputs, ranks []int) {
	t := f.Tree
	args := f.BoundValue(s.Func, s.Args)
	var argNames []string
	t.Children(args, func(c NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			argNames = append(argNames, t.String(c))
		}
		return true
	})
	for id, end := s.Constraints, t.SubtreeEnd(s.Constraints); id < end; id++ {
		if t.Kind(id) != syntax.KindCall || !IsDynamicDimAPI(f.Resolve(t.Field(id, syntax.FieldFunction))) {
			continue
		}
		pos, _ := f.Args(id)
		if len(pos) < 2 {
			continue
		}
		axis, ok := intLiteral(t, pos[1])
		if !ok {
			continue
		}
		for i, name := range argNames {
			if i < len(in.Names) && t.TextIs(pos[0], name) {
				d.Spec = true
				inp := d.Inputs[i+1]
				if inp == nil {
					inp = &InputDecl{Param: i + 1, Rank: ranks[i], Axes: map[int]DimDecl{}}
					d.Inputs[i+1] = inp
				}
				inp.Axes[axis] = DimDecl{Kind: DimDynamic, Min: -1, Max: -1, Mult: 1, File: f, Node: id}
			}
		}
	}
}

// exampleRanks returns, per forward input, the rank of the example input when the call
// builds it with literal sizes (torch.randn(2, 3, 224, 224), torch.zeros((1, 8))); -1
// otherwise.
func (f *File) exampleRanks(s *ExportSite, in Inputs) []int {
	t := f.Tree
	ranks := make([]int, len(in.Names))
	for i := range ranks {
		ranks[i] = -1
	}
	args := f.BoundValue(s.Func, s.Args)
	if t.Kind(args) != syntax.KindTuple {
		return ranks
	}
	i := 0
	t.Children(args, func(c NodeID) bool {
		if !t.IsNamed(c) || t.IsComment(c) {
			return true
		}
		if i < len(ranks) {
			ranks[i] = f.literalRank(s.Func, c)
		}
		i++
		return true
	})
	return ranks
}

// literalRank is the rank of a tensor built by a torch constructor with literal sizes.
func (f *File) literalRank(fn *Function, e NodeID) int {
	t := f.Tree
	e = f.BoundValue(fn, e)
	if t.Kind(e) != syntax.KindCall {
		return -1
	}
	switch f.Resolve(t.Field(e, syntax.FieldFunction)) {
	case "torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty", "torch.randint":
	default:
		return -1
	}
	pos, _ := f.Args(e)
	if f.Resolve(t.Field(e, syntax.FieldFunction)) == "torch.randint" {
		if len(pos) == 0 {
			return -1
		}
		pos = pos[len(pos)-1:] // randint(low, high, size)
	}
	if len(pos) == 1 {
		if k := t.Kind(t.Unparen(pos[0])); k == syntax.KindTuple || k == syntax.KindList {
			n := 0
			t.Children(t.Unparen(pos[0]), func(c NodeID) bool {
				if t.IsNamed(c) {
					n++
				}
				return true
			})
			return n
		}
	}
	for _, p := range pos {
		if _, ok := pysem.IntLiteral(t, p); !ok {
			return -1
		}
	}
	return len(pos)
}

// DimVerdict says what the declarations make of the dimensions a size reads.
type DimVerdict uint8

// Verdicts.
const (
	// DimsUnknown: nothing declares the model that reads it (no export call in the project,
	// no configuration entry), or the declaration cannot be read.
	DimsUnknown DimVerdict = iota
	// DimsStatic: every export of the model declares the dimension static.
	DimsStatic
	// DimsDynamic: an export declares the dimension dynamic.
	DimsDynamic
)

// DimHit is a declared dimension a value reads.
type DimHit struct {
	Ref    Ref
	Axis   int // Ref's axis made non-negative when the rank is known
	Decl   DimDecl
	Export *ExportDecl
}

// Param is the name of the forward parameter the dimension belongs to.
func (h DimHit) Param() string {
	if h.Export == nil || h.Export.Forward == nil || int(h.Ref.Param) >= len(h.Export.Forward.Params) {
		return ""
	}
	return h.Export.Forward.Params[h.Ref.Param].Name
}

// Dims judges the input dimensions value v reads against the program's declarations: the
// dynamic ones it reads (an export declares them dynamic), or that they are all static, or
// unknown. Dimensions of models no declaration covers (a submodule's own forward, say) are
// left out when a declared model's dimension is read too.
func (f *File) Dims(v Value) (DimVerdict, []DimHit) {
	p := f.prog
	var hits []DimHit
	declared, unknown := false, false
	for _, r := range v.Refs() {
		if r.Of != RefDim && r.Of != RefDimAny {
			continue
		}
		root := p.roots.at(r.Root)
		decls := p.declsOf(root)
		if len(decls) == 0 {
			continue
		}
		declared = true
		for _, d := range decls {
			switch verdict, hit := d.dim(r); verdict {
			case DimsDynamic:
				hits = append(hits, hit)
			case DimsUnknown:
				unknown = true
			}
		}
	}
	switch {
	case len(hits) > 0:
		return DimsDynamic, hits
	case !declared || unknown || v.lost:
		return DimsUnknown, nil
	}
	return DimsStatic, nil
}

// dim judges one dimension reference against this declaration.
func (d *ExportDecl) dim(r Ref) (DimVerdict, DimHit) {
	if !d.Spec {
		return DimsStatic, DimHit{}
	}
	if !d.Readable {
		return DimsUnknown, DimHit{}
	}
	in := d.Inputs[int(r.Param)]
	if in == nil {
		return DimsStatic, DimHit{} // an input the spec leaves out is static
	}
	axis := int(r.Axis)
	if in.Nested {
		return DimsUnknown, DimHit{}
	}
	if axis < 0 && in.Rank < 0 {
		if dd, ok := in.Axes[axis]; ok { // the spec counts from the end too
			if !dd.Dynamic() {
				return DimsStatic, DimHit{}
			}
			if dd.Kind == DimUnknown {
				return DimsUnknown, DimHit{}
			}
			return DimsDynamic, DimHit{Ref: r, Axis: axis, Decl: dd, Export: d}
		}
	}
	if r.Of == RefDimAny || (axis < 0 && in.Rank < 0) {
		for _, dd := range in.Axes {
			if dd.Dynamic() {
				return DimsUnknown, DimHit{} // which axis is not known, and some is dynamic
			}
		}
		return DimsStatic, DimHit{}
	}
	if axis < 0 {
		axis += in.Rank
	}
	dd, ok := in.Axes[axis]
	if !ok && in.Rank < 0 {
		for k, x := range in.Axes {
			if k < 0 && x.Dynamic() {
				return DimsUnknown, DimHit{} // an axis counted from the end may be this one
			}
		}
	}
	if !ok || !dd.Dynamic() {
		return DimsStatic, DimHit{}
	}
	if dd.Kind == DimUnknown {
		return DimsUnknown, DimHit{}
	}
	return DimsDynamic, DimHit{Ref: r, Axis: axis, Decl: dd, Export: d}
}

// ExportsOf returns the export calls of the project that trace fn: those of the model whose
// forward starts the chain that reaches fn (the first chain linking found). Configuration
// entries, which have no call, are left out; nil when fn is not traced or no call exports
// its model.
func (f *File) ExportsOf(fn *Function) []*ExportDecl {
	chain := f.Chain(fn)
	if len(chain) == 0 {
		return nil
	}
	var out []*ExportDecl
	for _, d := range f.prog.declsOf(funcRef{chain[0].File, chain[0].Func}) {
		if d.Site != nil {
			out = append(out, d)
		}
	}
	return out
}

// signature is the declaration in words, for a file's Surface: the model, the mode and
// every declared axis.
func (d *ExportDecl) signature() string {
	if d.sig == nil {
		return d.spell()
	}
	d.sig.once.Do(func() { d.sig.s = d.spell() })
	return d.sig.s
}

// spell is signature, computed.
func (d *ExportDecl) spell() string {
	var b strings.Builder
	if d.Class != nil {
		b.WriteString(d.ClassFile.Module.Name + "." + d.Class.Name)
	}
	if d.Strict != nil {
		b.WriteString(" strict=" + strconv.FormatBool(*d.Strict))
	}
	b.WriteString(" spec=" + strconv.FormatBool(d.Spec) + " readable=" + strconv.FormatBool(d.Readable))
	params := make([]int, 0, len(d.Inputs))
	for p := range d.Inputs {
		params = append(params, p)
	}
	slices.Sort(params)
	for _, p := range params {
		in := d.Inputs[p]
		axes := make([]int, 0, len(in.Axes))
		for a := range in.Axes {
			axes = append(axes, a)
		}
		slices.Sort(axes)
		b.WriteString(" " + strconv.Itoa(p) + "/" + strconv.Itoa(in.Rank) + ":")
		for _, a := range axes {
			b.WriteString(strconv.Itoa(a) + "=" + in.Axes[a].String() + ";")
		}
	}
	return b.String()
}
