package torchsem

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"
)

// loadProgram parses the members of a txtar archive (or one .py file) as the files of a
// project: a member's path names its module (pkg/mod.py is pkg.mod).
func loadProgram(t *testing.T, path string) *Program {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	members := []txtar.File{{Name: filepath.Base(path), Data: data}}
	if strings.HasSuffix(path, ".txtar") {
		a, err := txtar.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		members = a.Files
	}
	p := syntax.NewParser()
	defer p.Close()
	var files []*pysem.File
	for _, m := range members {
		tree, err := p.ParseTree(context.Background(), m.Data)
		if err != nil {
			t.Fatal(err)
		}
		mod, _ := pysem.ModuleOf(m.Name)
		pf := pysem.NewFile(tree, mod)
		pf.Path = m.Name
		files = append(files, pf)
	}
	return NewProgram(files)
}

// edited returns the text of f with from replaced by to, parsed into f's module (failing
// the test when from is not in it).
func edited(t *testing.T, f *File, from, to string) *pysem.File {
	t.Helper()
	src := strings.Replace(string(f.Src), from, to, 1)
	if src == string(f.Src) {
		t.Fatalf("%q is not in %s", from, f.Module.Name)
	}
	return parsed(t, src, f.Module)
}

// parsed parses src into a file of module mod.
func parsed(t *testing.T, src string, mod pysem.Module) *pysem.File {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	tree, err := p.ParseTree(context.Background(), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return pysem.NewFile(tree, mod)
}

// describe writes a value as the tests expect it: its kinds, then the dimensions and inputs
// it is tied to by name ("Size [M.forward:x.2]").
func describe(p *Program, v Value) string {
	s := v.Kind.String()
	var refs []string
	for _, r := range v.Refs() {
		_, fn := p.Root(r.Root)
		name := "?"
		if fn != nil && int(r.Param) < len(fn.Params) {
			name = fn.QualName() + ":" + fn.Params[r.Param].Name
		}
		switch r.Of {
		case RefShape:
			name += ".shape"
			if r.Axis != 0 {
				name += "[" + itoa(int(r.Axis)) + ":]"
			}
		case RefDim:
			name += "." + itoa(int(r.Axis))
		case RefDimAny:
			name += ".?"
		}
		refs = append(refs, name)
	}
	sort.Strings(refs)
	if len(refs) > 0 {
		s += " [" + strings.Join(refs, " ") + "]"
	}
	if v.lost {
		s += " +more"
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }

var expectRE = regexp.MustCompile(`#\s*(kind|value|traced|untraced|dims)\b:?\s*(.*)$`)

// TestValues reads testdata/values: each "# kind K" (or "# value K [refs]") comment states
// the value of the expression its line assigns, returns or evaluates; "# traced: why" on a
// def line states why export traces the function, "# untraced" that it does not.
func TestValues(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "values", "*"))
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			p := loadProgram(t, path)
			checked := 0
			for _, f := range p.Files {
				lines := strings.Split(string(f.Src), "\n")
				for i, line := range lines {
					m := expectRE.FindStringSubmatch(line)
					if m == nil {
						continue
					}
					checked++
					where := f.Module.Name + ":" + itoa(i+1)
					if m[1] == "traced" || m[1] == "untraced" {
						fn := funcOnLine(f, i)
						if fn == nil {
							t.Errorf("%s: no def on this line", where)
							continue
						}
						got := f.TracedFrom(fn)
						if want := strings.TrimSpace(m[2]); m[1] == "untraced" && got != "" || m[1] == "traced" && got != want {
							t.Errorf("%s: %s traced %q, want %s %q", where, fn.QualName(), got, m[1], want)
						}
						continue
					}
					n, fn := exprOnLine(f, i)
					if n == NoNode {
						t.Errorf("%s: no assignment, return or expression on this line", where)
						continue
					}
					v := f.Value(fn, n)
					if m[1] == "dims" {
						if got, want := describeDims(f, v), strings.TrimSpace(m[2]); got != want {
							t.Errorf("%s: %s reads dims %s, want %s", where, f.Tree.String(n), got, want)
						}
						continue
					}
					got := describe(p, v)
					want := strings.TrimSpace(m[2])
					if m[1] == "kind" {
						got = v.Kind.String()
					}
					if got != want {
						t.Errorf("%s: %s is %s, want %s", where, f.Tree.String(n), got, want)
					}
				}
			}
			if checked == 0 {
				t.Error("no expectations")
			}
		})
	}
}

// exprOnLine returns the expression a statement on line l evaluates: an assignment's right
// side, a return's value, an expression statement's expression; and its function.
func exprOnLine(f *File, l int) (NodeID, *Function) {
	t := f.Tree
	start := f.LineStart(l)
	for _, k := range []syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindReturnStatement, syntax.KindExpressionStatement} {
		for _, n := range f.Nodes(k) {
			if f.Line(t.Start(n)) != l || t.Start(n) < start {
				continue
			}
			var e NodeID
			switch k {
			case syntax.KindAssignment, syntax.KindAugmentedAssignment:
				e = t.Field(n, syntax.FieldRight)
				for t.Kind(e) == syntax.KindAssignment {
					e = t.Field(e, syntax.FieldRight)
				}
			default:
				e = t.NamedChild(n, 0)
			}
			if e != NoNode {
				return e, f.Owner(n)
			}
		}
	}
	return NoNode, nil
}

func funcOnLine(f *File, l int) *Function {
	for _, fn := range f.Funcs {
		if f.Line(f.Tree.Start(fn.Node)) == l {
			return fn
		}
	}
	return nil
}

// TestReplace: re-linking one edited file against the frozen rest of the program keeps what
// other files do to it (helpers stay traced, with the values callers pass) and sees the
// edit.
func TestReplace(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "values", "calls.txtar"))
	old := p.File("vit.layers.helpers")
	if old == nil {
		t.Fatal("no helpers module")
	}
	nf := p.Replace(edited(t, old, "nh = round(h * s)", "nh = int(h * s) + 0"))
	var scaled *Function
	for _, fn := range nf.Funcs {
		if fn.Name == "scaled_hw" {
			scaled = fn
		}
	}
	if got := nf.TracedFrom(scaled); got != "called from Resize.forward" {
		t.Errorf("scaled_hw traced %q after the edit", got)
	}
	n, fn := exprOnLine(nf, 4)
	if got := describe(nf.Program(), nf.Value(fn, n)); got != "Size [Resize.forward:img.-2 VisionModel.forward:img.-2]" {
		t.Errorf("%s is %s", nf.Tree.String(n), got)
	}
	if p.File("vit.layers.helpers") != old || nf.Program().File("vit.layers.helpers") != nf {
		t.Error("Replace changed the old program or did not install the new file")
	}
	if model := nf.Program().File("vit.model"); model != p.File("vit.model") {
		t.Error("the other files are not shared")
	}
}

// describeDims writes what the declarations make of the dims v reads: "static", "unknown",
// or "dynamic" and each declared dim as param.axis=Dim(...)@where.
func describeDims(f *File, v Value) string {
	verdict, hits := f.Dims(v)
	switch verdict {
	case DimsStatic:
		return "static"
	case DimsUnknown:
		return "unknown"
	}
	var parts []string
	for _, h := range hits {
		parts = append(parts, h.Param()+"."+strconv.Itoa(h.Axis)+"="+h.Decl.String()+"@"+h.Export.Where())
	}
	sort.Strings(parts)
	return "dynamic " + strings.Join(parts, " ")
}

// TestRedeclare: a program that takes an export script's new text for its declarations only
// (Redeclare) reads the dims that text declares, as a program linked with it does, and
// keeps every other fact.
func TestRedeclare(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "values", "dims_rebound.txtar"))
	model, script := p.File("m"), p.File("script")
	if model == nil || script == nil {
		t.Fatal("no m or script module")
	}
	line := strings.Count(string(model.Src[:strings.Index(string(model.Src), `x.shape[0]  # dims dynamic x.0=Dim("b")`)]), "\n")
	n, fn := exprOnLine(model, line) // x.shape[0] in Keeps.forward
	if got := describeDims(model, model.Value(fn, n)); !strings.HasPrefix(got, `dynamic x.0=Dim("b")`) {
		t.Fatalf("before: %s reads %s", model.Tree.String(n), got)
	}
	edit := func(from, to string) *File {
		t.Helper()
		return p.Replace(edited(t, script, from, to)) // analysed in another program
	}
	value := model.Value(fn, n)
	static := edit(`dynamic_shapes={"x": {0: Dim("b")}})`, `dynamic_shapes={"x": {0: None}})`)
	p.Redeclare(static)
	if got := describeDims(model, value); got != "static" {
		t.Errorf("after the script declares the batch static: %s", got)
	}
	if got, want := describeDims(model, value), describeDims(static.Program().File("m"), value); got != want {
		t.Errorf("redeclared %s, linked with the new script %s", got, want)
	}
	renamed := edit(`{0: Dim("b")}})`, `{0: Dim("batch", min=2)}})`)
	p.Redeclare(renamed)
	if got := describeDims(model, value); !strings.HasPrefix(got, `dynamic x.0=Dim("batch", min=2)@script`) {
		t.Errorf("after renaming the Dim: %s", got)
	}
	if p.File("script") != script || p.File("m") != model {
		t.Error("Redeclare replaced a file")
	}
	p.Redeclare() // back to the program's own texts
	if got := describeDims(model, value); !strings.HasPrefix(got, `dynamic x.0=Dim("b")@script.py`) {
		t.Errorf("after Redeclare(): %s", got)
	}
}
