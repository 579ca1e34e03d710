package notebook

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

func parts(srcs ...string) []Part {
	var ps []Part
	for i, s := range srcs {
		ps = append(ps, NewPart(i*2+1, []byte(s))) // IDs as a notebook with markdown between
	}
	return ps
}

func TestAssembleLocate(t *testing.T) {
	m := Assemble(parts("import torch\n", "x = 1", "", "%time f()\ny = x"))
	want := "import torch\nx = 1\n\n0        \ny = x\n"
	if string(m.Text) != want {
		t.Fatalf("Text = %q, want %q", m.Text, want)
	}
	for _, tc := range []struct {
		off, part, local int
	}{
		{0, 0, 0},
		{len("import torch\n"), 1, 0},               // a boundary: the later cell
		{len("import torch\nx = 1"), 1, 5},          // the end of a cell without a line break
		{len("import torch\nx = 1\n"), 2, 0},        // the empty cell
		{len("import torch\nx = 1\n\n"), 3, 0},      // after the empty cell's separator
		{len(want) - 1, 3, len("%time f()\ny = x")}, // the final separator: the end of the last cell
		{len(want) + 5, 3, len("%time f()\ny = x")},
	} {
		p, l := m.Locate(tc.off)
		if p != tc.part || l != tc.local {
			t.Errorf("Locate(%d) = %d, %d; want %d, %d", tc.off, p, l, tc.part, tc.local)
		}
	}
	if p, _ := Assemble(nil).Locate(0); p != -1 {
		t.Errorf("Locate in an empty module = %d, want -1", p)
	}
}

func TestApply(t *testing.T) {
	m := Assemble(parts("import torch\n", "%time f()\nn = round(a / b)", "y = 2\n"))
	at := func(s string) int { return bytes.Index(m.Text, []byte(s)) }
	t.Run("within cells", func(t *testing.T) {
		r := at("round(a / b)")
		n, err := m.Apply([]analysis.Edit{
			{Start: r, End: r + len("round(a / b)"), NewText: "a // b"},
			{Start: at("y = 2"), End: at("y = 2"), NewText: "# top of cell 3\n"}, // an insertion at a boundary
			{Start: at("import"), End: at("import"), NewText: "import math\n"},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{string(n.Parts[0].Source), string(n.Parts[1].Source), string(n.Parts[2].Source)}
		want := []string{"import math\nimport torch\n", "%time f()\nn = a // b", "# top of cell 3\ny = 2\n"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("sources %q, want %q", got, want)
		}
		if n.Parts[1].ID != 3 || !bytes.HasPrefix(n.Parts[1].Code, []byte("0        \n")) {
			t.Errorf("edited part lost its ID or its neutralised magic: %+v", n.Parts[1])
		}
		if string(m.Parts[1].Source) != "%time f()\nn = round(a / b)" {
			t.Error("Apply modified the module it was called on")
		}
	})
	for _, tc := range []struct {
		name string
		edit analysis.Edit
		want error
	}{
		{"across cells", analysis.Edit{Start: at("torch"), End: at("n = round"), NewText: ""}, ErrCrossesCells},
		{"the separator", analysis.Edit{Start: at("\ny = 2"), End: at("y = 2"), NewText: ""}, ErrCrossesCells},
		{"inside a magic", analysis.Edit{Start: m.Starts[1] + 5, End: m.Starts[1] + 6, NewText: "x"}, ErrTouchesMagic},
		{"insertion inside a magic", analysis.Edit{Start: m.Starts[1] + 5, End: m.Starts[1] + 5, NewText: "x"}, ErrTouchesMagic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.Apply([]analysis.Edit{tc.edit}); !errors.Is(err, tc.want) {
				t.Errorf("Apply = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("before a magic", func(t *testing.T) {
		if _, err := m.Apply([]analysis.Edit{{Start: at("0        "), End: at("0        "), NewText: "import os\n"}}); err != nil {
			t.Errorf("an insertion just before a magic: %v", err)
		}
	})
}

func TestNotebookModule(t *testing.T) {
	nb, err := Parse(readFixture(t, "model.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	m := nb.Module()
	var ids []int
	for _, p := range m.Parts {
		ids = append(ids, p.ID)
	}
	if want := []int{1, 2, 3, 4}; len(ids) != 4 || ids[0] != 1 || ids[3] != 4 {
		t.Errorf("parts are cells %v, want %v (the code cells)", ids, want)
	}
	if bytes.Contains(m.Text, []byte("!pip")) || bytes.Contains(m.Text, []byte("echo round")) || bytes.Contains(m.Text, []byte("%%time")) {
		t.Errorf("magics left in the module:\n%s", m.Text)
	}
	if !bytes.Contains(m.Text, []byte("n = round(x.shape[0] / self.stride)")) {
		t.Error("the model's code is missing from the module")
	}
}

// FuzzParse feeds any bytes to Parse. What it accepts must survive Rewrite: the same
// sources give the same bytes, and a changed source reads back as written while every
// other cell keeps its source.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"model.ipynb", "rewrite-nbformat.ipynb", "rewrite-minified.ipynb", "rewrite-ascii.ipynb", "rewrite-crlf.ipynb"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "x = round(a / b)\n# é\n")
	}
	f.Add([]byte(`{"cells": [{"cell_type": "code", "source": "\ud83d\ude00"}], "nbformat": 4}`), "")
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": []}], "cells": []}`), "a\r\nb")
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		nb, err := Parse(raw)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset > len(raw) {
				t.Fatalf("Parse error %v: want an *Error within the file", err)
			}
			return
		}
		if !bytes.Equal(nb.Rewrite(nil), raw) {
			t.Fatal("Rewrite(nil) changed the file")
		}
		if len(nb.Cells) == 0 || !utf8.ValidString(text) {
			return
		}
		i := len(text) % len(nb.Cells)
		out := nb.Rewrite(map[int]string{i: text})
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("rewritten notebook does not parse: %v\n%s", err, out)
		}
		if len(back.Cells) != len(nb.Cells) {
			t.Fatalf("%d cells after the rewrite, want %d", len(back.Cells), len(nb.Cells))
		}
		for j := range nb.Cells {
			want := nb.Cells[j].Source
			if j == i {
				want = text
			}
			if back.Cells[j].Source != want {
				t.Fatalf("cell %d reads back %q, want %q", j, back.Cells[j].Source, want)
			}
		}
		s, e := nb.Cells[i].SourceSpan()
		s2, _ := back.Cells[i].SourceSpan()
		if !bytes.Equal(out[:s2], raw[:s]) || s != s2 {
			t.Fatal("bytes before the rewritten source changed")
		}
		if !bytes.HasSuffix(out, raw[e:]) {
			t.Fatal("bytes after the rewritten source changed")
		}
	})
}

// BenchmarkEditCell is the notebook work of one keystroke in the editor: the edited cell
// neutralised again and the module assembled (the language server then diffs and
// reparses it incrementally, as for a file). 200 cells of 30 lines, 6,000 lines in all.
func BenchmarkEditCell(b *testing.B) {
	var ps []Part
	for i := 0; i < 200; i++ {
		src := "%time x = 1\n" + strings.Repeat("y = torch.ones(4)  # a line of code in a cell\n", 29)
		ps = append(ps, NewPart(i, []byte(src)))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(ps)
		ps[k] = NewPart(k, append(append([]byte(nil), ps[k].Source...), 'z'))
		Assemble(ps)
	}
}
