package torchsem

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// carrySrc is the edited module of TestCarry: definitions, a module-level statement, a
// decorator it defines and one it imports, and an export call.
const carrySrc = `import torch
import torch.nn as nn
from torch.export import Dim, export
from functools import lru_cache

SCALE = 2


def local_deco(fn):
    return fn


class First(nn.Module):
    def forward(self, x):
        return x + 1


@local_deco
def decorated(x):
    return x * SCALE


@lru_cache
def cached(x):
    return x - 1


class Last(nn.Module):
    def forward(self, x):
        return x * 3


def export_last():
    return export(Last(), (torch.randn(2, 3),), dynamic_shapes={"x": {0: Dim("b")}})
`

// TestCarry: what a program made by ReplaceFrom may take from the previous text's program.
// Nodes of kept units map to the same text; nodes of the edited unit do not. Another file
// that imports the module may keep what it read only when the edit changed definitions
// into definitions of the same names (not a module-level statement; a decorator the module
// defines, unless the file names what that decorates); a file that cannot name the module
// always may. An export call the edit kept is the same declaration. Programs do not hold
// on to their predecessors.
func TestCarry(t *testing.T) {
	mod := pysem.Module{Name: "pkg.m"}
	user := parsed(t, "from pkg.m import First\n\n\ndef use(x):\n    return First()(x)\n", pysem.Module{Name: "pkg.user"})
	other := parsed(t, "def alone(x):\n    return x\n", pysem.Module{Name: "pkg.other"})
	namer := parsed(t, "from pkg.m import decorated\n", pysem.Module{Name: "pkg.namer"})
	base := NewProgram([]*pysem.File{user, other, namer})
	uf, of, nf0 := base.File("pkg.user"), base.File("pkg.other"), base.File("pkg.namer")
	for _, tc := range []struct {
		name, from, to string
		othersKeep     bool     // what files that import the module read holds
		namerKeeps     bool     // what a file importing decorated read holds
		kept, dropped  []string // texts in the previous file (after "class Last" when "Last:" prefixes them)
	}{
		{"a method body", "return x + 1", "return x + 10", true, true, []string{"Last:x * 3", "x * SCALE"}, []string{"x + 1"}},
		{"a module-level statement", "SCALE = 2", "SCALE = 3", false, false, []string{"Last:x * 3", "x + 1"}, []string{"x * SCALE"}},
		{"a function with an imported decorator", "return x - 1", "return x - 2", true, true, []string{"x * SCALE"}, []string{"x - 1"}},
		// decorated, which local_deco decorates, may be something else now
		{"a decorator the module defines", "    return fn\n", "    return None\n", true, false, []string{"x + 1", "x - 1"}, []string{"x * SCALE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := base.ReplaceFrom(nil, parsed(t, carrySrc, mod))
			decl := prev.prog.Declarations()
			nf := base.ReplaceFrom(prev, edited(t, prev, tc.from, tc.to))
			c := nf.Program().Carried()
			if c == nil {
				t.Fatal("ReplaceFrom kept no unit")
			}
			wantKept(t, c, uf, tc.othersKeep, "an importer")
			wantKept(t, c, nf0, tc.namerKeeps, "an importer of decorated")
			wantKept(t, c, of, true, "a file that cannot name the module")
			at := func(text string) NodeID {
				marker := ""
				if m, rest, ok := strings.Cut(text, ":"); ok {
					marker, text = "class "+m, rest
				}
				return nodeAt(t, prev, marker, text)
			}
			for _, text := range tc.kept {
				n := at(text)
				f, m, ok := c.Node(prev, n)
				if !ok || !c.Kept(prev, n) || f != nf || nf.Tree.String(m) != prev.Tree.String(n) {
					t.Errorf("%s: not kept as the same text (ok %v, %q)", text, ok, nf.Tree.String(m))
				}
			}
			for _, text := range tc.dropped {
				if n := at(text); c.Kept(prev, n) {
					t.Errorf("%s: kept, but the edit changed its unit", text)
				}
			}
			if f, n, ok := c.Node(uf, 7); f != uf || n != 7 || !ok {
				t.Error("a node of another file is not itself")
			}
			nd := nf.Program().Declarations()
			if len(decl) != 1 || len(nd) != 1 {
				t.Fatalf("declarations: %d before, %d after", len(decl), len(nd))
			}
			if od := c.Decl(nd[0]); od != decl[0] {
				t.Errorf("Decl = %v, want the previous program's", od)
			}
		})
	}
	t.Run("an edit of the export call", func(t *testing.T) {
		prev := base.ReplaceFrom(nil, parsed(t, carrySrc, mod))
		prev.prog.Declarations()
		nf := base.ReplaceFrom(prev, edited(t, prev, `Dim("b")`, `Dim("b", max=8)`))
		if c := nf.Program().Carried(); c == nil || c.Decl(nf.Program().Declarations()[0]) != nil {
			t.Error("a changed export call has the previous declaration")
		}
	})
	t.Run("what a declaration declares", func(t *testing.T) {
		d := base.ReplaceFrom(nil, parsed(t, carrySrc, mod)).prog.Declarations()[0]
		if !d.declaresAs(d) {
			t.Fatal("a declaration does not declare what it declares")
		}
		strict := true
		for name, change := range map[string]func(*ExportDecl){
			"max":    func(c *ExportDecl) { c.Inputs[1].Axes[0] = DimDecl{Kind: DimNamed, Name: "b", Min: -1, Max: 8} },
			"strict": func(c *ExportDecl) { c.Strict = &strict },
			"rank":   func(c *ExportDecl) { c.Inputs[1].Rank = 3 },
			"class":  func(c *ExportDecl) { c.Class = &Class{Name: "Other"} },
		} {
			c := *d
			c.Inputs = map[int]*InputDecl{}
			for p, in := range d.Inputs {
				cin := *in
				cin.Axes = maps.Clone(in.Axes)
				c.Inputs[p] = &cin
			}
			change(&c)
			if d.declaresAs(&c) || c.declaresAs(d) {
				t.Errorf("a declaration with another %s declares the same", name)
			}
		}
	})
	t.Run("programs do not chain", func(t *testing.T) {
		prev := base.ReplaceFrom(nil, parsed(t, carrySrc, mod))
		var old []weak.Pointer[Program]
		for i := range 30 {
			from, to := "x + 1", "x + 2"
			if i%2 == 1 {
				from, to = to, from
			}
			nf := base.ReplaceFrom(prev, edited(t, prev, from, to))
			if nf.Program().Carried() == nil {
				t.Fatalf("edit %d: ReplaceFrom kept no unit", i)
			}
			old = append(old, weak.Make(prev.prog))
			prev = nf
		}
		runtime.GC()
		alive := 0
		for _, w := range old {
			if w.Value() != nil {
				alive++
			}
		}
		if alive > 1 {
			t.Errorf("%d of the %d earlier programs are still reachable", alive, len(old))
		}
		runtime.KeepAlive(prev)
	})
}

// sitesSrc has export calls in functions and at module level, of models defined before and
// after them; the last one, of a class no edit reaches, declares a dim.
const sitesSrc = `import torch
import torch.nn as nn
from torch.export import Dim, export


class First(nn.Module):
    def forward(self, x):
        return x + 1


def export_first():
    model = First()
    return export(model, (torch.randn(2, 3),), dynamic_shapes={"x": {0: Dim("b")}})


export(First().eval(), (torch.randn(2, 3),), strict=False)


def build():
    return Last()


def export_last():
    return torch.export.export(build(), (torch.randn(2, 3),))


class Last(nn.Module):
    def forward(self, x):
        return x * 3


class Third(nn.Module):
    def forward(self, x):
        return x - 1


def export_third():
    return export(Third(), (torch.randn(2, 3),), dynamic_shapes={"x": {0: Dim("t", min=2)}})
`

// describeSites writes what ExportSites found, with nodes as text.
func describeSites(f *File) string {
	var b strings.Builder
	t := f.Tree
	text := func(n NodeID) string {
		if n == NoNode {
			return "-"
		}
		return t.String(n)
	}
	for _, s := range f.ExportSites() {
		fn, cls := "<module>", "?"
		if s.Func != nil {
			fn = s.Func.QualName()
		}
		if s.Class != nil {
			cls = s.ClassFile.Module.Name + "." + s.Class.Name
		}
		fmt.Fprintf(&b, "%d %s in %s: %s model=%s class=%s args=%s kwargs=%s shapes=%s strict=%s\n", t.Start(s.Call), s.API, fn,
			text(s.Call), text(s.Model), cls, text(s.Args), text(s.Kwargs), text(s.DynamicShapes), text(s.Strict))
	}
	return b.String()
}

// describeDecls writes what the file's export calls declare (siteDecls), with the nodes
// they name as offsets and text.
func describeDecls(f *File) string {
	var b strings.Builder
	t := f.Tree
	for _, d := range f.siteDecls() {
		fwd := "-"
		if d.Forward != nil {
			fwd = d.FwdFile.Module.Name + ":" + d.Forward.QualName()
		}
		fmt.Fprintf(&b, "%d %s forward=%s\n", t.Start(d.Site.Call), d.signature(), fwd)
		for _, p := range slices.Sorted(maps.Keys(d.Inputs)) {
			for _, a := range slices.Sorted(maps.Keys(d.Inputs[p].Axes)) {
				dd := d.Inputs[p].Axes[a]
				if dd.File != nil && dd.Node != NoNode {
					fmt.Fprintf(&b, "  %d/%d at %d %q\n", p, a, dd.File.Tree.Start(dd.Node), dd.File.Tree.String(dd.Node))
				}
			}
		}
	}
	return b.String()
}

// TestExportSitesCarried: the export sites of a text re-linked by ReplaceFrom are those of
// linking it from scratch, whether the edit changes a unit without export calls, a call,
// or adds and removes one; the calls of kept units are not read again.
func TestExportSitesCarried(t *testing.T) {
	mod := pysem.Module{Name: "pkg.m"}
	base := NewProgram(nil)
	prev := base.ReplaceFrom(nil, parsed(t, sitesSrc, mod))
	if n := len(prev.ExportSites()); n != 4 || len(prev.siteDecls()) != 4 {
		t.Fatalf("%d export sites, want 4:\n%s", n, describeSites(prev))
	}
	for _, e := range []struct {
		name, from, to string
		carried        int // the sites of units the edit cannot reach (by name)
	}{
		{"a class without export calls", "return x + 1", "return x + 2", 2},
		{"an export call", `Dim("b")`, `Dim("b", min=4)`, 2},
		{"a new export call", "    return Last()\n", "    export(Last(), (torch.randn(1),))\n    return Last()\n", 3},
		{"the model of a call", "model = First()", "model = Last()", 1},
		{"an export call removed", "    export(Last(), (torch.randn(1),))\n", "", 2},
		{"a module-level call", "strict=False", "strict=True", 3},
	} {
		nf := base.ReplaceFrom(prev, edited(t, prev, e.from, e.to))
		if nf.Program().Carried() == nil {
			t.Fatalf("%s: ReplaceFrom kept no unit", e.name)
		}
		kept, keptDecls := 0, len(nf.keptDecls)
		if nf.keptSites != nil {
			kept = len(nf.keptSites.sites)
		}
		full := base.Replace(parsed(t, string(nf.Src), mod))
		if got, want := describeSites(nf), describeSites(full); got != want {
			t.Errorf("%s: export sites differ from linking from scratch\ngot:\n%swant:\n%s", e.name, got, want)
		}
		if got, want := describeDecls(nf), describeDecls(full); got != want {
			t.Errorf("%s: declarations differ from linking from scratch\ngot:\n%swant:\n%s", e.name, got, want)
		}
		for _, d := range nf.siteDecls() {
			if i := slices.IndexFunc(nf.ExportSites(), func(s ExportSite) bool { return s.Call == d.Site.Call }); i < 0 || &nf.ExportSites()[i] != d.Site {
				t.Errorf("%s: a declaration's Site is not the file's export site", e.name)
			}
		}
		if keptDecls != e.carried {
			t.Errorf("%s: %d declarations carried, want %d", e.name, keptDecls, e.carried)
		}
		// a carried declaration spells its signature once for the texts it is carried into
		shared := 0
		for _, d := range nf.siteDecls() {
			for _, o := range prev.siteDecls() {
				if d.sig != nil && d.sig == o.sig {
					shared++
				}
			}
		}
		if shared != e.carried {
			t.Errorf("%s: %d declarations share the previous text's signature, want %d", e.name, shared, e.carried)
		}
		if kept != e.carried {
			t.Errorf("%s: %d export sites carried, want %d", e.name, kept, e.carried)
		}
		prev = nf
	}
}

// TestSameUnitsOfSplice: for a tree reparsed from another by one edit, sameUnitsOf answers
// as sameUnit does for the units ReplaceFrom compares (the same index from the start, and
// from the end), after edits anywhere: inside a method, at a unit's first or last byte,
// between units, adding and removing lines.
func TestSameUnitsOfSplice(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	src := []byte(blockModel(400))
	doc, err := p.Parse(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	spliced := 0
	for i := 0; i < 200; i++ {
		at := rng.IntN(len(src) + 1)
		end := min(len(src), at+rng.IntN(3))
		ins := []string{"", "x", "\n", "\n\n", "# c\n", "    ", "y = 1\n"}[rng.IntN(7)]
		next := append(append(append([]byte(nil), src[:at]...), ins...), src[end:]...)
		nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []syntax.Edit{{Start: at, OldEnd: end, NewEnd: at + len(ins)}}, next)
		if err != nil {
			t.Fatal(err)
		}
		ta, tb := doc.Tree(), nd.Tree()
		if sp := tb.Spliced(); sp != nil && sp.From(ta) {
			spliced++
		}
		same := sameUnitsOf(ta, tb)
		ua, ub := units(ta), units(tb)
		for k := 0; k < min(len(ua), len(ub)); k++ {
			for _, pair := range [][2]NodeID{{ua[k], ub[k]}, {ua[len(ua)-1-k], ub[len(ub)-1-k]}} {
				if got, want := same(pair[0], pair[1]), sameUnit(ta, pair[0], tb, pair[1]); got != want {
					sp := tb.Spliced()
					t.Fatalf("edit %d (%q at %d..%d): units %d and %d: sameUnitsOf %v, sameUnit %v; splice %+v; unit a %d-%d bytes %d-%d; b %d-%d bytes %d-%d", i, ins, at, end, pair[0], pair[1], got, want, sp, pair[0], ta.SubtreeEnd(pair[0]), ta.Start(pair[0]), ta.End(pair[0]), pair[1], tb.SubtreeEnd(pair[1]), tb.Start(pair[1]), tb.End(pair[1]))
				}
			}
		}
		src, doc = next, nd
	}
	if spliced < 100 {
		t.Errorf("only %d of 200 reparses were spliced: the fast path was hardly tested", spliced)
	}
}

// importSrc imports names used by one class, by both, and by none, and has a class whose
// methods name a parameter self.
const importSrc = `import math
from torch import nn

from layers.block import Block, DecoderBlock


class Encoder(nn.Module):
    def __init__(self, dim=64, block_fn=Block):
        super().__init__()
        self.blocks = nn.Sequential(*[block_fn(dim) for _ in range(2)])

    def forward(self, x):
        return self.blocks(x)


class Decoder(nn.Module):
    def __init__(self, depth=2):
        super().__init__()
        self.blocks = nn.ModuleList([DecoderBlock() for _ in range(depth)])

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return x


def scale(x):
    return x * 2
`

// TestReplaceFromImportEdits: an edit of an import statement re-links the units that
// mention any identifier of the clauses it added or removed, before or after the edit
// (even as a parameter, like self), and keeps the others: a clause left as it was counts
// only when the edited statements bind one of its names twice; a star import changed re-links everything. Each result is what
// Replace finds from scratch.
func TestReplaceFromImportEdits(t *testing.T) {
	mod := pysem.Module{Name: "models.encoder"}
	blk := parsed(t, "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def forward(self, x):\n        return x\n\n\nclass DecoderBlock(nn.Module):\n    def forward(self, x):\n        return x\n", pysem.Module{Name: "layers.block"})
	base := NewProgram([]*pysem.File{blk})
	for _, e := range []struct {
		name, from, to string
		kept           []string // functions whose state is kept
	}{
		{"an import nothing uses", "import math\n", "import math, os\n", []string{"Encoder.__init__", "Encoder.forward", "Decoder.__init__", "Decoder.forward", "scale"}},
		// only the names of the clauses the edit changed count: Block's is the same, so
		// Encoder, which uses Block alone, is kept
		{"an import statement both classes use", "Block, DecoderBlock", "Block, Other", []string{"Encoder.__init__", "Encoder.forward", "scale"}},
		{"a clause both classes use, renamed", "Block, DecoderBlock", "Block as B, DecoderBlock", []string{"Decoder.__init__", "Decoder.forward", "scale"}},
		{"a name bound twice in the edited statements", "import math\n", "import math\nfrom layers.block import Block as math\n", []string{"Decoder.__init__", "Decoder.forward", "scale"}},
		// every self is a parameter, the method's own name (pysem.File.Shadowed): nothing
		// what the import binds is read through it
		{"an import named like a parameter", "Block, DecoderBlock", "Block, DecoderBlock, self", []string{"Encoder.__init__", "Encoder.forward", "Decoder.__init__", "Decoder.forward", "scale"}},
		{"a star import", "import math\n", "from math import *\n", nil},
		{"an import made a syntax error", "import math\n", "import math,\n", []string{"Encoder.__init__", "Encoder.forward", "Decoder.__init__", "Decoder.forward", "scale"}},
	} {
		t.Run(e.name, func(t *testing.T) {
			prev := base.ReplaceFrom(nil, parsed(t, importSrc, mod))
			query(prev)
			nf := base.ReplaceFrom(prev, edited(t, prev, e.from, e.to))
			full := base.Replace(edited(t, prev, e.from, e.to))
			if a, b := dumpFile(nf), dumpFile(full); a != b {
				t.Errorf("ReplaceFrom differs from Replace:\n%s", lineDiff(a, b))
			}
			if nf.Surface() != full.Surface() {
				t.Error("the surfaces differ")
			}
			var kept []string
			nx := newFile(base, edited(t, prev, e.from, e.to))
			if r, ok := reuseFrom(prev, nx, nil, nil); ok {
				for _, fn := range nx.Funcs {
					if r.fixed[fn.Index()] {
						kept = append(kept, fn.QualName())
					}
				}
			}
			if !slices.Equal(kept, e.kept) {
				t.Errorf("kept %v, want %v", kept, e.kept)
			}
		})
	}
}

// TestCarryReadsConstants: an edit of a class that reads module-level statements links
// those statements again (they lie in its component). When they read nothing the module's
// code binds (literals, builtins, imports from outside the project) they bind the same
// values, and a file importing the module keeps what it read. Other statements that
// assign no attribute or item, and `if __name__ == "__main__":` blocks, may bind other
// values now: only a file naming what they bind does not keep what it read. A statement
// assigning to the class's attribute may change anything about it: no importer keeps.
func TestCarryReadsConstants(t *testing.T) {
	mod := pysem.Module{Name: "pkg.m"}
	user := parsed(t, "from pkg.m import First\n\n\ndef use(x):\n    return First()(x)\n", pysem.Module{Name: "pkg.user"})
	reader := parsed(t, "from pkg.m import SCALE, DEPTH, SIZES, RATE, CFG, DEFAULT, ANGLE, ep\n", pysem.Module{Name: "pkg.reader"})
	base := NewProgram([]*pysem.File{user, reader})
	uf, rf := base.File("pkg.user"), base.File("pkg.reader")
	const header = "import torch\nimport torch.nn as nn\n\n\ndef make_cfg():\n    return 2\n\n\n"
	for _, tc := range []struct {
		name, statements, reads string
		userKeeps, readerKeeps  bool
	}{
		{"literals, builtins and imports", "SCALE = 2\nDEPTH = len([1, 2])\nACT = nn.GELU\nif torch.cuda.is_available():\n    DEVICE = 'cuda'\n",
			"SCALE * DEPTH * ACT * DEVICE", true, true},
		{"a keyword argument and a comprehension", "SIZES = dict(depth=2)\nALL = [d for d in range(3)]\n", "SIZES * ALL", true, true},
		{"a name imported from outside it", "from math import pi\n\nANGLE = pi\n", "ANGLE", true, true},
		{"another statement's name", "SCALE = 2\nRATE = SCALE * 2\n", "RATE", true, false},
		{"an augmented assignment", "SCALE = 2\nSCALE += 1\n", "SCALE", true, false},
		{"a definition's result", "CFG = make_cfg()\n", "CFG", true, false},
		{"a name imported from the project", "from pkg.user import use\n\nDEFAULT = use\n", "DEFAULT", true, false},
		{"a script block", "if __name__ == '__main__':\n    ep = make_cfg()\n    print(ep)\n", "ep", true, false},
		{"a script block binding the importer's name", "if __name__ == \"__main__\":\n    ep = First = make_cfg()\n", "ep", false, false},
		{"an item assigned", "CFG = {}\nCFG['depth'] = make_cfg()\n", "CFG", false, false},
		{"a method of the module's own object called", "CFG = dict()\nCFG.update(depth=make_cfg())\n", "CFG", false, false},
		{"setattr called", "SCALE = 2\nsetattr(First, 'depth', SCALE + 1)\n", "SCALE", false, false},
		{"a method of an import called", "SCALE = 2\ntorch.manual_seed(SCALE + 1)\n", "SCALE", true, true},
		{"the edited class", "", "1", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := header + tc.statements + "\n\nclass First(nn.Module):\n    def forward(self, x):\n        return x * " + tc.reads + "\n"
			if tc.name == "the edited class" {
				src += "\n\nFirst.extra = make_cfg()\n"
			}
			c := editCarry(t, base, parsed(t, src, mod), "return x * ", "return 1 + x * ")
			wantKept(t, c, uf, tc.userKeeps, "an importer of First")
			wantKept(t, c, rf, tc.readerKeeps, "an importer of the statements' names")
		})
	}
}

// TestCarryImportEdit: an edit of an import statement re-links the units naming what the
// clauses it added or removed bind; a file importing the module keeps what it read unless
// it may look one of those names up there (in an import, as an attribute, or anywhere when
// it star-imports): a lookup of it in the module may find something else now. A local
// variable or an attribute of self of the same name looks up nothing there.
func TestCarryImportEdit(t *testing.T) {
	mod := pysem.Module{Name: "pkg.m"}
	user := parsed(t, "from pkg.m import First\n\n\ndef use(x):\n    return First()(x)\n", pysem.Module{Name: "pkg.user"})
	other := parsed(t, "import pkg.m\n\n\ndef where():\n    return pkg.m.os.getcwd()\n", pysem.Module{Name: "pkg.other"})
	alone := parsed(t, "def alone(x):\n    return x\n", pysem.Module{Name: "pkg.alone"})
	local := parsed(t, "from pkg.m import First\n\n\nclass Run(First):\n    def forward(self, x):\n        os = self.os(x)\n        return os\n", pysem.Module{Name: "pkg.local"})
	star := parsed(t, "from pkg.m import *\n\n\ndef where():\n    return os.getcwd()\n", pysem.Module{Name: "pkg.star"})
	base := NewProgram([]*pysem.File{user, other, alone, local, star})
	uf, of, af := base.File("pkg.user"), base.File("pkg.other"), base.File("pkg.alone")
	lf, sf := base.File("pkg.local"), base.File("pkg.star")
	const src = "import torch\nimport torch.nn as nn\n\n\nclass First(nn.Module):\n    def forward(self, x):\n        return x + 1\n\n\n" +
		"def second(x):\n    return x * 2\n"
	for _, tc := range []struct {
		name, from, to string
		userKeeps      bool // pkg.user mentions First, use, x
		otherKeeps     bool // pkg.other mentions os
	}{
		{"a clause added", "import torch\n", "import torch, os\n", true, false},
		{"a clause renamed", "import torch\n", "import torch as th\n", true, true},
		{"a clause binding a name the importer reads", "import torch\n", "import torch, First\n", false, true},
		{"the same clauses", "import torch\n", "import  torch\n", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := editCarry(t, base, parsed(t, src, mod), tc.from, tc.to)
			wantKept(t, c, uf, tc.userKeeps, "pkg.user")
			wantKept(t, c, of, tc.otherKeeps, "pkg.other")
			wantKept(t, c, af, true, "a file that cannot name the module")
			if tc.name == "a clause added" {
				if !c.Kept(lf, 0) {
					t.Error("a file whose local variable and attribute of self are named os does not keep what it read")
				}
				if c.Kept(sf, 0) {
					t.Error("a file star-importing the module and reading os keeps what it read")
				}
			}
		})
	}
}

// editCarry replaces pf's module in base, then its text with from replaced by to from that
// file, and returns what the second program carries from the first (failing without it).
func editCarry(t *testing.T, base *Program, pf *pysem.File, from, to string) *Carry {
	t.Helper()
	prev := base.ReplaceFrom(nil, pf)
	c := base.ReplaceFrom(prev, edited(t, prev, from, to)).Program().Carried()
	if c == nil {
		t.Fatal("ReplaceFrom kept no unit")
	}
	return c
}

// wantKept checks what c says of what file f, described as who, read.
func wantKept(t *testing.T, c *Carry, f *File, want bool, who string) {
	t.Helper()
	if got := c.Kept(f, 0); got != want {
		t.Errorf("Kept(%s) = %v, want %v", who, got, want)
	}
}
