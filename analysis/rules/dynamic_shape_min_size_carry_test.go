package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// carryProject is a model package whose model file, models/net.py, the tests edit: its own
// export call walks Net, export.py's walk Net and Small from another file, and
// models/head.py's walks Head, which calls net.py's finish, a name bound to None until an
// edit defines it. Net reads a module-level constant; a script block exports it.
var carryProject = map[string]string{
	"models/__init__.py": "",
	"models/layers.py": `import torch.nn as nn


class Stem(nn.Module):
    def __init__(self, stride=2):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 7, stride=stride)

    def forward(self, x):
        return self.conv(x)
`,
	"models/net.py": `import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim, export
from models.layers import Stem

WIDTH = 8


class Other(nn.Module):
    def forward(self, x):
        return x + 1


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, WIDTH, 7, stride=2)
        self.pool = nn.MaxPool2d(3, stride=2)
        self.stem = Stem()

    def forward(self, x):
        x = self.conv(x)
        x = self.pool(x)
        return self.stem(x)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x)


finish = None


def export_net():
    return export(Net(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={"x": {2: Dim("h"), 3: Dim("w")}})


if __name__ == "__main__":
    ep = export_net()
`,
	"models/head.py": `import torch
import torch.nn as nn
from torch.export import Dim, export
from models.net import finish


class Head(nn.Module):
    def forward(self, x):
        return finish(x * 2)


def export_head():
    return export(Head(), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("h2", min=4)}})
`,
	"export.py": `import torch
from torch.export import Dim, export
from models.net import Net, Small

export(Net(), (torch.randn(2, 3, 224, 224),), dynamic_shapes={"x": {2: Dim("height", min=4)}})
export(Small(), (torch.randn(2, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("s", min=4)}})
`,
}

// TestMinSizeWalkCarried edits models/net.py as the editor does (ReplaceFrom from the
// previous text's analysis) and checks after each edit that dynamic_shape_min_size finds
// in it exactly what linking the new text from scratch finds, and that the walks the edit
// cannot change are carried from the previous text's program while the others run again.
func TestMinSizeWalkCarried(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	parse := func(name, text string) *pysem.File {
		mod, _ := pysem.ModuleOf(name)
		pf, err := analysis.ParseModule(context.Background(), p, []byte(text), mod)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pf.Path = name
		return pf
	}
	var files []*pysem.File
	for _, name := range []string{"models/__init__.py", "models/layers.py", "models/net.py", "models/head.py", "export.py"} {
		files = append(files, parse(name, carryProject[name]))
	}
	base := torchsem.NewProgram(files)
	rules := []*analysis.Rule{DynamicShapeMinSize}
	opts := analysis.Options{MinSeverity: analysis.Off}
	analyze := func(f *torchsem.File) []analysis.Finding {
		return analysis.Analyze(context.Background(), f, rules, opts).Findings
	}
	text := carryProject["models/net.py"]
	prev := base.ReplaceFrom(nil, parse("models/net.py", text))
	first := analyze(prev)
	if len(first) != 1 || !strings.Contains(first[0].Message, `"h" < 7`) || !strings.Contains(first[0].Message, `"height" < 7`) {
		t.Fatalf("want one finding of net.py's and export.py's walks, got:\n%s", dumpFindings(first))
	}
	edits := []struct {
		name, from, to string
		carried        int64 // walks taken from the previous text's program
		message        string
	}{
		// Other is read by no walk: the edit moves Net's nodes and every walk is carried
		{"an unrelated class", "x + 1", "x + 1000", 4, ""},
		// Net is walked from net.py and export.py; the other walks never read it (nor
		// WIDTH = 8, which Net reads: linked again with Net, but a constant, nor the script
		// block calling export_net, which no other file names)
		{"the walked model", "MaxPool2d(3, stride=2)", "MaxPool2d(5, stride=2)", 2, `"h" >= 39`},
		// Small's walk found nothing before the edit, and finds its kernel too large now
		{"a model whose walk found nothing", "nn.Conv2d(3, 8, 3)", "nn.Conv2d(3, 8, 9)", 3, `"s" < 9`},
		// finish, which head.py imports, becomes a function: head.py's walk may find
		// something else in net.py now (a lookup that failed may not), so it runs again
		{"a module-level name another file imports", "finish = None\n", "def finish(x):\n    return F.max_pool2d(x, 8)\n", 3, ""},
		// an import clause no walk's file names: every walk is carried (each one ran again)
		{"an import clause", "import torch\n", "import torch, os\n", 4, ""},
		{"undo", "import torch, os\n", "import torch\n", 4, ""},
		// back to the first text, one step at a time as an undo would
		{"undo", "def finish(x):\n    return F.max_pool2d(x, 8)\n", "finish = None\n", 3, ""},
		{"undo", "nn.Conv2d(3, 8, 9)", "nn.Conv2d(3, 8, 3)", 3, ""},
		{"undo", "MaxPool2d(5, stride=2)", "MaxPool2d(3, stride=2)", 2, ""},
		{"undo", "x + 1000", "x + 1", 4, ""},
	}
	for _, e := range edits {
		if !strings.Contains(text, e.from) {
			t.Fatalf("%s: net.py has no %q", e.name, e.from)
		}
		text = strings.Replace(text, e.from, e.to, 1)
		walked, carried := walkStats.walked.Load(), walkStats.carried.Load()
		nf := base.ReplaceFrom(prev, parse("models/net.py", text))
		if nf.Program().Carried() == nil {
			t.Fatalf("%s: ReplaceFrom kept no unit", e.name)
		}
		got := analyze(nf)
		if n := walkStats.carried.Load() - carried; n != e.carried {
			t.Errorf("%s: %d walks carried (%d run), want %d", e.name, n, walkStats.walked.Load()-walked, e.carried)
		}
		want := analyze(base.Replace(parse("models/net.py", text)))
		if dumpFindings(got) != dumpFindings(want) {
			t.Errorf("%s: the edit's analysis differs from linking from scratch\ngot:\n%s\nwant:\n%s", e.name, dumpFindings(got), dumpFindings(want))
		}
		if e.message != "" && !strings.Contains(dumpFindings(got), e.message) {
			t.Errorf("%s: no finding names %q:\n%s", e.name, e.message, dumpFindings(got))
		}
		prev = nf
	}
	if got := analyze(prev); dumpFindings(got) != dumpFindings(first) {
		t.Errorf("after the undos the findings differ from the first text's\ngot:\n%s\nwant:\n%s", dumpFindings(got), dumpFindings(first))
	}
}

// moduleSnippets are module-level statements TestMinSizeWalkCarriedRandom inserts between
// models/net.py's top-level statements: what the carry must judge (constants, rebinding
// the names other files import or export, setattr, items, script blocks, imports,
// decorators the module defines) and what it accepts.
var moduleSnippets = []string{
	"WIDTH = 16\n",
	"WIDTH = Stem\n",
	"finish = None\n",
	"def finish(x):\n    return F.max_pool2d(x, 8)\n",
	"finish = F.max_pool2d\n",
	"Net = Small\n",
	"Small = Other\n",
	"class Small(nn.Module):\n    def forward(self, x):\n        return F.max_pool2d(x, 11)\n",
	"setattr(Net, 'forward', Small.forward)\n",
	"CFG = {}\nCFG['w'] = WIDTH\n",
	"CFG = dict(w=WIDTH)\nCFG.update(w=3)\n",
	"if __name__ == \"__main__\":\n    finish = None\n",
	"if __name__ == \"__main__\":\n    ep = export_net()\n",
	"import os\n",
	"from models.layers import Stem as Other\n",
	"from models.layers import *\n",
	"def wrap(c):\n    return c\n\n\n@wrap\nclass Tiny(nn.Module):\n    def forward(self, x):\n        return x\n",
	"rows = WIDTH + 1\n",
	"del finish\n",
}

// lookupProject adds to carryProject two files that read net.py's names otherwise than
// head.py: as an attribute of the imported module, and through a star import.
var lookupProject = map[string]string{
	"models/attr.py": `import torch
import torch.nn as nn
from torch.export import Dim, export
import models.net as net


class ByAttr(nn.Module):
    def forward(self, x):
        return net.finish(x + 1)


def export_attr():
    return export(ByAttr(), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("a", min=2)}})
`,
	"models/star.py": `import torch
import torch.nn as nn
from torch.export import Dim, export
from models.net import *


class ByStar(nn.Module):
    def forward(self, x):
        return finish(x - 1)


def export_star():
    return export(ByStar(), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("s2", min=3)}})
`,
}

// TestMinSizeWalkCarriedRandom edits models/net.py of carryProject (with lookupProject's
// files) at random, mostly between its module-level statements (moduleSnippets, top-level
// lines deleted or duplicated, a digit of a layer's size changed), each edit undone at the
// next step as a person trying a change does (a changed digit may stay), and checks after
// each step that its analysis from the previous text (ReplaceFrom, walks carried) finds
// what linking the text from scratch finds. It fails when no walk was carried: it would
// test nothing of the carry.
func TestMinSizeWalkCarriedRandom(t *testing.T) {
	edits := editCount(200, 40)
	p := syntax.NewParser()
	defer p.Close()
	var files []*pysem.File
	// net.py's first text is the base's (the editor's neighbourhood linked with it), as the
	// other files' export calls construct its classes
	for _, name := range []string{"models/__init__.py", "models/layers.py", "models/net.py", "models/head.py", "export.py", "models/attr.py", "models/star.py"} {
		text, ok := carryProject[name]
		if !ok {
			text = lookupProject[name]
		}
		mod, _ := pysem.ModuleOf(name)
		pf, ok := parseText(t, p, text, mod)
		if !ok {
			t.Fatalf("%s does not parse", name)
		}
		pf.Path = name
		files = append(files, pf)
	}
	base := torchsem.NewProgram(files)
	mod, _ := pysem.ModuleOf("models/net.py")
	opts := analysis.Options{MinSeverity: analysis.Off}
	carried := walkStats.carried.Load()
	for seed := range 4 {
		rng := rand.New(rand.NewPCG(uint64(seed), 32))
		rest := carryProject["models/net.py"] // the text the edits start from and are undone to
		text := rest
		var prev *torchsem.File
		for step := range edits {
			// typed, then undone (or kept, for a digit: the next edits start from it), as
			// a person trying a change does; each edit leaves the text valid Python (broken
			// texts are TestIncrementalMatchesFull's)
			next := rest
			if text == rest {
				for range 20 {
					edited, digit := moduleEdit(rng, rest)
					if pf, ok := parseText(t, p, edited, mod); ok && !pf.Tree.HasError(0) {
						next = edited
						if digit && rng.IntN(2) == 0 {
							rest = edited
						}
						break
					}
				}
			}
			text = next
			inc, _ := parseText(t, p, text, mod)
			full, _ := parseText(t, p, text, mod)
			inc.Path, full.Path = "models/net.py", "models/net.py"
			nf := base.ReplaceFrom(prev, inc)
			compareAnalyses(t, fmt.Sprintf("seed %d, edit %d", seed, step+1), text, nf, base.Replace(full), opts)
			prev = nf
		}
	}
	if n := walkStats.carried.Load() - carried; n == 0 {
		t.Error("no walk was carried: the edits never took the carry's path")
	} else {
		t.Logf("%d walks carried", n)
	}
}

// moduleEdit applies one edit to text: a module-level statement inserted before a
// top-level line, a top-level line deleted or duplicated, a digit of a layer's arguments
// changed (a kernel size, a stride; digit is true), or randomEdit's edit.
func moduleEdit(rng *rand.Rand, text string) (edited string, digit bool) {
	ls := strings.SplitAfter(text, "\n")
	var top []int    // the lines starting a top-level statement
	var digits []int // the offsets of the digits in lines building or calling a layer
	at := 0
	for i, l := range ls {
		if l != "" && l != "\n" && l[0] != ' ' && l[0] != '\t' {
			top = append(top, i)
		}
		if strings.Contains(l, "nn.") || strings.Contains(l, "F.") {
			for k := range len(l) {
				if l[k] >= '1' && l[k] <= '9' {
					digits = append(digits, at+k)
				}
			}
		}
		at += len(l)
	}
	switch rng.IntN(8) {
	case 5, 6:
		if len(digits) > 0 {
			i := digits[rng.IntN(len(digits))]
			return text[:i] + string(rune('1'+rng.IntN(9))) + text[i+1:], true
		}
	case 0, 1, 2, 3, 4:
		if len(top) == 0 {
			break
		}
		k := top[rng.IntN(len(top))]
		switch rng.IntN(5) {
		case 0, 1, 2:
			return strings.Join(ls[:k], "") + moduleSnippets[rng.IntN(len(moduleSnippets))] + strings.Join(ls[k:], ""), false
		case 3:
			return strings.Join(append(ls[:k:k], ls[k+1:]...), ""), false
		default:
			return strings.Join(append(ls[:k+1:k+1], ls[k:]...), ""), false
		}
	}
	return randomEdit(rng, text), false
}
