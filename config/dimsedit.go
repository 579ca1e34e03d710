package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// Writing dynamic-shapes entries (the editor's "declare dynamic dims" command): the file to
// write (DimsFile), and the one text edit that declares axes of a class's forward parameter
// (SetDynamicShapes). The edit changes the entry and nothing else: comments, key order,
// spacing and line endings of the rest of the file stay byte for byte, and the result is
// parsed again and compared with the original before it is offered.

// DimsTarget is the configuration file the dims of a class are written to.
type DimsTarget struct {
	Path      string // absolute
	Pyproject bool   // the keys go under [tool.exportdb]
	Exists    bool   // false: the file is created
}

// DimsFile returns the file that declares dims for code under dir: the configuration in
// force (exportdb.toml, or pyproject.toml with a [tool.exportdb] table); else the project's
// pyproject.toml (the nearest directory holding a pyproject.toml or requirements*.txt); else
// a new exportdb.toml in that directory, or in fallback (the workspace folder) when there
// is no project directory, or in dir. An invalid configuration in force is an *Error: it
// must be fixed first, not shadowed by a new file.
func DimsFile(dir, fallback string) (DimsTarget, error) {
	c, err := Discover(dir)
	if err != nil {
		return DimsTarget{}, err
	}
	if c.Path != "" {
		return DimsTarget{Path: c.Path, Pyproject: filepath.Base(c.Path) == PyprojectTOML, Exists: true}, nil
	}
	root := c.Root
	if root != "" {
		py := filepath.Join(root, PyprojectTOML)
		if fi, err := os.Stat(py); err == nil && fi.Mode().IsRegular() {
			return DimsTarget{Path: py, Pyproject: true, Exists: true}, nil
		}
	}
	if root == "" {
		root = fallback
	}
	if root == "" {
		root = dir
	}
	abs, err := filepath.Abs(filepath.Join(root, ExportdbTOML))
	if err != nil {
		return DimsTarget{}, err
	}
	return DimsTarget{Path: abs}, nil
}

// AxisDecl is one axis as the configuration writes it: a dim name (or "static", "auto",
// "dynamic"), with an optional range (-1: none).
type AxisDecl struct {
	Dim      string
	Min, Max int
}

// Check validates an axis declaration as setDynamicShapes would read it.
func (a AxisDecl) Check() error {
	switch {
	case a.Dim == "":
		return errors.New("want a dim name, \"static\", \"auto\" or \"dynamic\"")
	case !isDimName(a.Dim):
		return fmt.Errorf("%q is not a dim name: use letters, digits and _, not starting with a digit", a.Dim)
	case (a.Min >= 0 || a.Max >= 0) && isDimKeyword(a.Dim):
		return fmt.Errorf("a range needs a named dim, not %q", a.Dim)
	case a.Min >= 0 && a.Max >= 0 && a.Min > a.Max:
		return fmt.Errorf("min %d is above max %d", a.Min, a.Max)
	}
	return nil
}

func isDimKeyword(s string) bool { return s == "static" || s == "auto" || s == "dynamic" }

func isDimName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// MaxAxis is the largest axis index the configuration accepts.
const MaxAxis = 64

// TextEdit replaces Text[Start:End] with NewText (byte offsets).
type TextEdit struct {
	Start, End int
	NewText    string
}

// Apply returns text with the edit applied.
func (e TextEdit) Apply(text []byte) []byte {
	out := make([]byte, 0, len(text)-(e.End-e.Start)+len(e.NewText))
	out = append(out, text[:e.Start]...)
	out = append(out, e.NewText...)
	return append(out, text[e.End:]...)
}

// SetDynamicShapes returns the edit of a configuration file's text (file names it in errors;
// pyproject puts the keys under [tool.exportdb]) that declares axes of forward parameter
// param of a class: the axes given are set, the parameter's other axes and everything else
// are kept. classKeys are the names the class may be keyed by, preferred first (its
// qualified name, its bare name): an existing entry under any of them is edited, else one
// is added under the first. The text may be empty (a file to create).
//
// The edit is checked before it is returned: the new text must parse as a configuration,
// declare the axes asked for, and hold everything else the old text held.
func SetDynamicShapes(file string, text []byte, pyproject bool, classKeys []string, param string, axes map[int]AxisDecl) (TextEdit, error) {
	if len(classKeys) == 0 || classKeys[0] == "" {
		return TextEdit{}, errors.New("no class name")
	}
	if param == "" {
		return TextEdit{}, errors.New("no forward parameter")
	}
	if len(axes) == 0 {
		return TextEdit{}, errors.New("no axis to declare")
	}
	for a, d := range axes {
		if a < 0 || a > MaxAxis {
			return TextEdit{}, fmt.Errorf("axis %d: an axis is a dimension index from 0 to %d", a, MaxAxis)
		}
		if err := d.Check(); err != nil {
			return TextEdit{}, fmt.Errorf("axis %d: %v", a, err)
		}
	}
	var prefix []string
	if pyproject {
		prefix = []string{"tool", "exportdb"}
	}
	oldRaw := map[string]any{}
	var md toml.MetaData
	if len(text) > 0 {
		m, err := decodeTOML(file, string(text), &oldRaw)
		if err != nil {
			return TextEdit{}, tomlError(file, err)
		}
		md = m
		if _, has := lookup(oldRaw, prefix...); has || !pyproject {
			if _, err := parse(file, file, text, pyproject); err != nil {
				return TextEdit{}, err // an invalid configuration is fixed first
			}
		}
	}
	e := &dimsEditor{file: file, text: string(text), md: md, raw: oldRaw, prefix: prefix, param: param, axes: axes}
	e.class = classKeys[0]
	for _, k := range classKeys {
		if _, ok := lookup(oldRaw, append(e.dsPath(), k)...); ok {
			e.class = k
			break
		}
	}
	newText, err := e.edit()
	if err != nil {
		return TextEdit{}, err
	}
	if err := e.verify(newText); err != nil {
		return TextEdit{}, fmt.Errorf("%s: exportdb could not edit the file safely (%v); add this entry yourself:\n%s", file, err, e.section())
	}
	return minimalEdit(string(text), newText), nil
}

func tomlError(file string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Position.Line, Msg: "invalid TOML: " + pe.Message}
	}
	return &Error{File: file, Msg: "invalid TOML: " + err.Error()}
}

// minimalEdit is the one edit that turns old into new: the differing middle.
func minimalEdit(old, new string) TextEdit {
	p := 0
	for p < len(old) && p < len(new) && old[p] == new[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(new)-p && old[len(old)-1-s] == new[len(new)-1-s] {
		s++
	}
	return TextEdit{Start: p, End: len(old) - s, NewText: new[p : len(new)-s]}
}

type dimsEditor struct {
	file   string
	text   string
	md     toml.MetaData
	raw    map[string]any
	prefix []string
	class  string
	param  string
	axes   map[int]AxisDecl
	nl     string
	order  map[string][]string // table key -> its keys in file order (orderedKeys)
}

// dsPath, classPath and paramPath are the key paths of the dynamic-shapes table, the class's
// entry and the parameter's.
func (e *dimsEditor) dsPath() []string    { return append(slices.Clone(e.prefix), "dynamic-shapes") }
func (e *dimsEditor) classPath() []string { return append(e.dsPath(), e.class) }
func (e *dimsEditor) paramPath() []string { return append(e.classPath(), e.param) }

// section is the entry as a new table: what is added when the file has none for the class.
func (e *dimsEditor) section() string {
	return "[" + renderKey(e.classPath()) + "]" + e.newline() + renderKey([]string{e.param}) + " = " + e.renderParam() + e.newline()
}

func (e *dimsEditor) newline() string {
	if e.nl == "" {
		e.nl = "\n"
		if i := strings.IndexByte(e.text, '\n'); i > 0 && e.text[i-1] == '\r' {
			e.nl = "\r\n"
		}
	}
	return e.nl
}

// existingAxes returns the parameter's current axes in file order: key, raw value.
func (e *dimsEditor) existingAxes() ([]string, map[string]any) {
	v, ok := lookup(e.raw, e.paramPath()...)
	if !ok {
		return nil, nil
	}
	m, _ := v.(map[string]any)
	return e.orderedKeys(e.paramPath(), m), m
}

// orderedKeys lists m's keys (the table at path) in file order.
func (e *dimsEditor) orderedKeys(path []string, m map[string]any) []string {
	if e.order == nil {
		// children of every table in file order, from one pass over the keys
		e.order = map[string][]string{}
		seen := map[string]bool{}
		for _, k := range e.md.Keys() {
			if len(k) == 0 {
				continue
			}
			parent := toml.Key(k[:len(k)-1]).String()
			if full := k.String(); !seen[full] {
				seen[full] = true
				e.order[parent] = append(e.order[parent], k[len(k)-1])
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range e.order[toml.Key(path).String()] {
		if _, ok := m[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// newAxes lists the axes to set, in index order.
func (e *dimsEditor) newAxes() []int {
	out := make([]int, 0, len(e.axes))
	for a := range e.axes {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// renderParam renders the parameter's merged axes as an inline table.
func (e *dimsEditor) renderParam() string {
	keys, old := e.existingAxes()
	var parts []string
	done := map[int]bool{}
	for _, k := range keys {
		n, err := strconv.Atoi(k)
		if d, ok := e.axes[n]; err == nil && ok {
			parts = append(parts, k+" = "+renderAxis(d))
			done[n] = true
			continue
		}
		parts = append(parts, renderKey([]string{k})+" = "+e.renderValue(old[k], append(e.paramPath(), k)))
	}
	for _, a := range e.newAxes() {
		if !done[a] {
			parts = append(parts, strconv.Itoa(a)+" = "+renderAxis(e.axes[a]))
		}
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func renderAxis(d AxisDecl) string {
	if d.Min < 0 && d.Max < 0 {
		return strconv.Quote(d.Dim)
	}
	s := "{ dim = " + strconv.Quote(d.Dim)
	if d.Min >= 0 {
		s += ", min = " + strconv.Itoa(d.Min)
	}
	if d.Max >= 0 {
		s += ", max = " + strconv.Itoa(d.Max)
	}
	return s + " }"
}

// renderValue renders the decoded TOML value at path inline, with the parameter's merged
// axes in place of its old ones (and the entry added to the tables on its way that lack it).
func (e *dimsEditor) renderValue(v any, path []string) string {
	T := e.paramPath()
	if slices.Equal(path, T) {
		return e.renderParam()
	}
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		var parts []string
		for _, k := range e.orderedKeys(path, x) {
			parts = append(parts, renderKey([]string{k})+" = "+e.renderValue(x[k], append(slices.Clone(path), k)))
		}
		if len(path) < len(T) && slices.Equal(path, T[:len(path)]) {
			if _, ok := x[T[len(path)]]; !ok {
				parts = append(parts, renderKey([]string{T[len(path)]})+" = "+e.renderNew(append(slices.Clone(path), T[len(path)])))
			}
		}
		if len(parts) == 0 {
			return "{}"
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return fmt.Sprint(v) // not reached for a valid dynamic-shapes table: verify catches it
}

// renderNew renders the inline tables from path (a prefix of the parameter's path) down to
// the parameter's axes.
func (e *dimsEditor) renderNew(path []string) string {
	T := e.paramPath()
	if len(path) >= len(T) {
		return e.renderParam()
	}
	return "{ " + renderKey([]string{T[len(path)]}) + " = " + e.renderNew(append(slices.Clone(path), T[len(path)])) + " }"
}

// renderKey renders a dotted key, quoting the parts that are not bare keys.
func renderKey(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p
		if !isBareKey(p) {
			out[i] = strconv.Quote(p)
		}
	}
	return strings.Join(out, ".")
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// edit returns the new text.
func (e *dimsEditor) edit() (string, error) {
	stmts, err := scanTOML(e.text)
	if err != nil {
		return "", err
	}
	T, C, DS := e.paramPath(), e.classPath(), e.dsPath()
	// the parameter, the class or the whole table written as an inline value: re-render it
	for _, want := range [][]string{T, C, DS} {
		for _, s := range stmts {
			if s.kind == stmtKeyValue && slices.Equal(s.full, want) {
				v, _ := lookup(e.raw, want...)
				return e.text[:s.valStart] + e.renderValue(v, want) + e.text[s.valEnd:], nil
			}
		}
	}
	// a table above them written inline (tool = { exportdb = ... }) cannot be extended
	for _, s := range stmts {
		if s.kind == stmtKeyValue && len(s.full) < len(DS) && slices.Equal(s.full, DS[:len(s.full)]) {
			return "", fmt.Errorf("%s: line %d writes %s as an inline table, which cannot take another key", e.file, s.line, renderKey(s.full))
		}
	}
	// the parameter's axes as keys of their own (x.0 = "batch", or a [..."Model".x] table)
	var axisStmts []tomlStmt
	for _, s := range stmts {
		if s.kind == stmtKeyValue && len(s.full) > len(T) && slices.Equal(s.full[:len(T)], T) {
			if len(s.full) != len(T)+1 {
				return "", fmt.Errorf("%s: line %d declares %s deeper than this command edits", e.file, s.line, renderKey(s.full))
			}
			axisStmts = append(axisStmts, s)
		}
	}
	if len(axisStmts) > 0 {
		return e.editAxisKeys(stmts, axisStmts)
	}
	for _, s := range stmts {
		if (s.kind == stmtHeader || s.kind == stmtArrayHeader) && len(s.full) > len(T) && slices.Equal(s.full[:len(T)], T) {
			return "", fmt.Errorf("%s: line %d declares %s deeper than this command edits", e.file, s.line, renderKey(s.full))
		}
	}
	// a table for the class or the dynamic-shapes table (a header, or dotted keys under it):
	// add the parameter's line there
	for _, want := range [][]string{T, C, DS} {
		for i, s := range stmts {
			if s.kind == stmtHeader && slices.Equal(s.full, want) {
				return e.insertAfter(e.lastKey(stmts, i), T[len(want):]), nil
			}
		}
		last := -1
		for i, s := range stmts {
			if s.kind == stmtKeyValue && len(s.full) > len(want) && slices.Equal(s.full[:len(want)], want) &&
				len(s.full)-len(s.key) <= len(want) {
				last = i
			}
		}
		if last >= 0 {
			s := stmts[last]
			return e.insertAfter(s, T[len(s.full)-len(s.key):]), nil
		}
	}
	return e.appendSection(stmts), nil
}

// editAxisKeys sets the axes in a parameter written as one key per axis: values replaced in
// place, new axes added after the last.
func (e *dimsEditor) editAxisKeys(stmts, axisStmts []tomlStmt) (string, error) {
	type splice struct {
		start, end int
		text       string
	}
	var splices []splice
	done := map[int]bool{}
	for _, s := range axisStmts {
		n, err := strconv.Atoi(s.full[len(s.full)-1])
		if d, ok := e.axes[n]; err == nil && ok {
			splices = append(splices, splice{s.valStart, s.valEnd, renderAxis(d)})
			done[n] = true
		}
	}
	last := axisStmts[len(axisStmts)-1]
	rel := last.key[:len(last.key)-1] // the key as written, without the axis
	var lines []string
	for _, a := range e.newAxes() {
		if !done[a] {
			lines = append(lines, last.indent+renderKey(append(slices.Clone(rel), strconv.Itoa(a)))+" = "+renderAxis(e.axes[a])+e.newline())
		}
	}
	if len(lines) > 0 {
		at := last.lineEnd
		pre := ""
		if at == len(e.text) && !strings.HasSuffix(e.text, "\n") {
			pre = e.newline()
		}
		splices = append(splices, splice{at, at, pre + strings.Join(lines, "")})
	}
	sort.Slice(splices, func(i, j int) bool { return splices[i].start < splices[j].start })
	var b strings.Builder
	prev := 0
	for _, sp := range splices {
		b.WriteString(e.text[prev:sp.start])
		b.WriteString(sp.text)
		prev = sp.end
	}
	b.WriteString(e.text[prev:])
	return b.String(), nil
}

// lastKey returns the last key/value of the table whose header is stmts[h], or the header.
func (e *dimsEditor) lastKey(stmts []tomlStmt, h int) tomlStmt {
	after := stmts[h]
	for _, s := range stmts[h+1:] {
		if s.kind != stmtKeyValue {
			break
		}
		after = s
	}
	return after
}

// insertAfter adds the parameter's entry on new lines after statement s (a header or a
// key/value), indented as s is when it is a key: rel is the parameter's key relative to that
// table; an empty rel (the parameter's own table) adds one line per axis.
func (e *dimsEditor) insertAfter(s tomlStmt, rel []string) string {
	indent := ""
	if s.kind == stmtKeyValue {
		indent = s.indent
	}
	var lines []string
	if len(rel) == 0 {
		for _, a := range e.newAxes() {
			lines = append(lines, strconv.Itoa(a)+" = "+renderAxis(e.axes[a]))
		}
	} else {
		lines = []string{renderKey(rel) + " = " + e.renderParam()}
	}
	at := s.lineEnd
	var b strings.Builder
	if at == len(e.text) && !strings.HasSuffix(e.text, "\n") {
		b.WriteString(e.newline())
	}
	for _, l := range lines {
		b.WriteString(indent + l + e.newline())
	}
	return e.text[:at] + b.String() + e.text[at:]
}

// appendSection adds the entry as a new table: in pyproject.toml after the last table under
// [tool.exportdb] (so exportdb's keys stay together; before the comments that introduce the
// next table), else at the end of the file.
func (e *dimsEditor) appendSection(stmts []tomlStmt) string {
	at := len(e.text)
	if len(e.prefix) > 0 {
		inOurs := false
		for _, s := range stmts {
			if s.kind != stmtHeader && s.kind != stmtArrayHeader {
				continue
			}
			ours := len(s.full) >= len(e.prefix) && slices.Equal(s.full[:len(e.prefix)], e.prefix)
			if inOurs && !ours {
				at = s.lineStart
				for at > 0 {
					prev := strings.LastIndexByte(e.text[:at-1], '\n') + 1
					if !strings.HasPrefix(strings.TrimSpace(e.text[prev:at]), "#") {
						break
					}
					at = prev
				}
				break
			}
			inOurs = ours
		}
	}
	nl := e.newline()
	head := e.text[:at]
	var b strings.Builder
	switch {
	case head == "":
	case !strings.HasSuffix(head, "\n"):
		b.WriteString(nl + nl)
	case !isBlankTail(head):
		b.WriteString(nl)
	}
	b.WriteString(e.section())
	if at < len(e.text) {
		b.WriteString(nl)
	}
	return head + b.String() + e.text[at:]
}

// isBlankTail reports whether text (ending with a newline) ends with an empty line.
func isBlankTail(text string) bool {
	t := strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
	i := strings.LastIndexByte(t, '\n')
	return strings.TrimSpace(t[i+1:]) == ""
}

// verify parses the new text and checks that it declares what was asked and keeps the rest.
func (e *dimsEditor) verify(newText string) error {
	newRaw := map[string]any{}
	if _, err := decodeTOML(e.file, newText, &newRaw); err != nil {
		return fmt.Errorf("the edited text is not valid TOML: %v", tomlError(e.file, err))
	}
	c, err := parse(e.file, e.file, []byte(newText), len(e.prefix) > 0)
	if err != nil {
		return fmt.Errorf("the edited text is not a valid configuration: %v", err)
	}
	var got map[int]torchsem.DimDecl
	for _, cd := range c.DynamicShapes {
		if cd.Class == e.class {
			got = cd.Params[e.param]
		}
	}
	for a, want := range e.axes {
		d, ok := got[a]
		if !ok || dimKeyword(d) != want.Dim && d.Name != want.Dim || d.Min != want.Min || d.Max != want.Max {
			return fmt.Errorf("axis %d reads back as %+v", a, d)
		}
	}
	// everything else is as it was: put the parameter's old axes back and compare
	T := e.paramPath()
	restore(newRaw, e.raw, T)
	if !reflect.DeepEqual(newRaw, e.raw) {
		return errors.New("other keys changed")
	}
	return nil
}

func dimKeyword(d torchsem.DimDecl) string {
	switch d.Kind {
	case torchsem.DimStatic:
		return "static"
	case torchsem.DimAuto:
		return "auto"
	case torchsem.DimDynamic:
		return "dynamic"
	}
	return ""
}

// restore sets path in dst to its value in src, or deletes it (and the tables the edit
// created on the way) when src has none.
func restore(dst, src map[string]any, path []string) {
	if v, ok := lookup(src, path...); ok {
		m := dst
		for _, k := range path[:len(path)-1] {
			m, _ = m[k].(map[string]any)
			if m == nil {
				return
			}
		}
		m[path[len(path)-1]] = v
		return
	}
	for n := len(path); n > 0; n-- {
		parent, ok := lookup(dst, path[:n-1]...)
		pm, _ := parent.(map[string]any)
		if !ok || pm == nil {
			return
		}
		if _, existed := lookup(src, path[:n]...); existed {
			return
		}
		if child, _ := pm[path[n-1]].(map[string]any); n < len(path) && len(child) > 0 {
			return
		}
		delete(pm, path[n-1])
	}
}

// ---- a statement-level TOML scanner ----

type stmtKind uint8

const (
	stmtHeader      stmtKind = iota // [a.b]
	stmtArrayHeader                 // [[a.b]]
	stmtKeyValue                    // a.b = value
)

// tomlStmt is one table header or key/value of a TOML text.
type tomlStmt struct {
	kind      stmtKind
	key       []string // the key as written (relative to the table, for a key/value)
	full      []string // the full key path
	line      int      // 1-based
	lineStart int      // offset of its first line
	indent    string
	valStart  int // the value's span (key/value)
	valEnd    int
	lineEnd   int // offset just past the newline ending its last line (or the text's end)
}

// scanTOML splits text (valid TOML) into its headers and key/values.
func scanTOML(text string) ([]tomlStmt, error) {
	var out []tomlStmt
	var table []string
	i, line := 0, 1
	for i < len(text) {
		ls := i
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		indent := text[ls:i]
		if i >= len(text) {
			break
		}
		switch c := text[i]; {
		case c == '\n':
			i++
			line++
			continue
		case c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			i += 2
			line++
			continue
		case c == '#':
			i = lineEnd(text, i)
			line++
			continue
		case c == '[':
			kind := stmtHeader
			i++
			if i < len(text) && text[i] == '[' {
				kind = stmtArrayHeader
				i++
			}
			key, j, err := scanKey(text, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			i = j
			for k := 0; k < int(kind-stmtHeader)+1; k++ {
				i = skipSpace(text, i)
				if i >= len(text) || text[i] != ']' {
					return nil, fmt.Errorf("line %d: want ] after a table name", line)
				}
				i++
			}
			table = key
			end := lineEnd(text, i)
			out = append(out, tomlStmt{kind: kind, key: key, full: key, line: line, lineStart: ls, indent: indent, lineEnd: end})
			i = end
			line++
		default:
			key, j, err := scanKey(text, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			j = skipSpace(text, j)
			if j >= len(text) || text[j] != '=' {
				return nil, fmt.Errorf("line %d: want = after a key", line)
			}
			vs := skipSpace(text, j+1)
			ve, lines, err := scanValue(text, vs)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			end := lineEnd(text, ve)
			out = append(out, tomlStmt{kind: stmtKeyValue, key: key, full: append(slices.Clone(table), key...), line: line,
				lineStart: ls, indent: indent, valStart: vs, valEnd: ve, lineEnd: end})
			line += lines + 1
			i = end
		}
	}
	return out, nil
}

func skipSpace(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return i
}

// lineEnd returns the offset just past the newline that ends the line holding i (a comment
// may follow on it), or len(text).
func lineEnd(text string, i int) int {
	if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(text)
}

// scanKey reads a dotted key at i: bare, "basic" and 'literal' parts.
func scanKey(text string, i int) ([]string, int, error) {
	var parts []string
	for {
		i = skipSpace(text, i)
		if i >= len(text) {
			return nil, i, errors.New("want a key")
		}
		switch text[i] {
		case '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) {
				return nil, i, errors.New("unterminated key")
			}
			s, err := strconv.Unquote(text[i : j+1])
			if err != nil {
				// TOML escapes Go does not read (\e, \U with 8 digits are the same): let
				// the decoder's key stand in
				return nil, i, fmt.Errorf("a quoted key exportdb cannot read: %s", text[i:j+1])
			}
			parts = append(parts, s)
			i = j + 1
		case '\'':
			j := strings.IndexByte(text[i+1:], '\'')
			if j < 0 {
				return nil, i, errors.New("unterminated key")
			}
			parts = append(parts, text[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(text) && isBareKey(text[j:j+1]) {
				j++
			}
			if j == i {
				return nil, i, fmt.Errorf("unexpected %q in a key", text[i])
			}
			parts = append(parts, text[i:j])
			i = j
		}
		k := skipSpace(text, i)
		if k < len(text) && text[k] == '.' {
			i = k + 1
			continue
		}
		return parts, i, nil
	}
}

// scanValue returns the end of the value at i (before a trailing comment and spaces) and
// how many newlines it spans.
func scanValue(text string, i int) (int, int, error) {
	depth, lines := 0, 0
	end := i
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\n':
			if depth == 0 {
				return end, lines, nil
			}
			lines++
			i++
			continue
		case c == '#':
			if depth == 0 {
				return end, lines, nil
			}
			i = lineEnd(text, i)
			lines++
			continue
		case strings.HasPrefix(text[i:], `"""`), strings.HasPrefix(text[i:], `'''`):
			q := text[i : i+3]
			j := i + 3
			for {
				k := strings.Index(text[j:], q)
				if k < 0 {
					return 0, 0, errors.New("unterminated multi-line string")
				}
				j += k
				if q == `"""` && escaped(text, j) {
					j++
					continue
				}
				break
			}
			j += 3
			for j < len(text) && text[j] == q[0] { // up to two quotes may end the string
				j++
			}
			lines += strings.Count(text[i:j], "\n")
			i = j
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' && text[j] != '\n' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(text) || text[j] != '"' {
				return 0, 0, errors.New("unterminated string")
			}
			i = j + 1
		case c == '\'':
			j := strings.IndexAny(text[i+1:], "'\n")
			if j < 0 || text[i+1+j] != '\'' {
				return 0, 0, errors.New("unterminated string")
			}
			i += j + 2
		case c == '[' || c == '{':
			depth++
			i++
		case c == ']' || c == '}':
			depth--
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		default:
			i++
		}
		end = i
	}
	return end, lines, nil
}

// escaped reports whether the character at j follows an odd number of backslashes.
func escaped(text string, j int) bool {
	n := 0
	for k := j - 1; k >= 0 && text[k] == '\\'; k-- {
		n++
	}
	return n%2 == 1
}
