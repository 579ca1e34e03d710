package torchsem

import (
	"fmt"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TestStarImportedCallee: a name a file does not bind is looked up in the modules it
// star-imports (from pkg.layers import *): their functions and classes are called, a name
// none of them defines stays a builtin, and a name the file binds itself wins.
func TestStarImportedCallee(t *testing.T) {
	files := map[string]string{
		"pkg/__init__.py": "",
		"pkg/layers.py":   "from torch import nn\n\n\ndef helper(x):\n    return x\n\n\ndef own(x):\n    return x\n\n\nclass Block(nn.Module):\n    def forward(self, x):\n        return x\n",
		"user.py": `from pkg.layers import *


def own(x):
    return x


def run(x):
    return helper(x), Block(), len(x), own(x)
`,
	}
	p := programOf(t, files, "pkg/__init__.py", "pkg/layers.py", "user.py")
	f := p.File("user")
	run := f.TopFunc("run")
	want := map[string]string{"helper": "pkg.layers.helper", "Block": "class pkg.layers.Block", "len": "builtin len", "own": "user.own"}
	for _, call := range f.OwnNodes(run, syntax.KindCall) {
		name := f.Tree.String(f.Tree.Field(call, syntax.FieldFunction))
		c := f.Callee(run, call)
		var got string
		switch {
		case c.Class != nil:
			got = "class " + c.ClassFile.Module.Name + "." + c.Class.Name
		case c.Func != nil:
			got = c.File.Module.Name + "." + c.Func.QualName()
		case c.Builtin != "":
			got = "builtin " + c.Builtin
		}
		if got != want[name] {
			t.Errorf("%s(...) calls %q, want %q", name, got, want[name])
		}
		delete(want, name)
	}
	if len(want) > 0 {
		t.Errorf("calls not seen: %v", want)
	}
}

// TestStarImportedBase: a base class named through a star import is the project's class
// (or torch.nn's) it brings: the subclass is a module, super() finds the base's methods,
// and the marks hold when the file is replaced after an edit. A name only torch.nn can
// bring is torch.nn's. Near misses: a star-imported class that is no module, and torch.nn's
// names beside a star import of a module outside the program (which may define them).
func TestStarImportedBase(t *testing.T) {
	files := map[string]string{
		"pkg/__init__.py": "from .layers import *\n",
		"pkg/layers.py": `from torch import nn


class Block(nn.Module):
    def forward(self, x):
        return x

    def extra(self, x):
        return x


class Plain:
    pass
`,
		"user.py": `from pkg import *
from torch.nn import *


class Net(Block):
    def forward(self, x):
        return super().extra(x)


class Bare(Module):
    def forward(self, x):
        return x


class Lin(Linear):
    pass


class NotModule(Plain):
    pass


class Unknown(Mystery):
    pass


class Named(Net):
    pass
`,
		"other.py": `from torch.nn import *
from somelib import *


class Elsewhere(Module):
    pass
`,
	}
	p := programOf(t, files, "pkg/__init__.py", "pkg/layers.py", "user.py", "other.py")
	modules := func(f *File) map[string]bool {
		got := map[string]bool{}
		for _, c := range f.Classes {
			got[c.Name] = f.IsModule(c)
		}
		return got
	}
	want := map[string]bool{"Net": true, "Bare": true, "Lin": true, "NotModule": false, "Unknown": true, "Named": true}
	user := p.File("user")
	if got := modules(user); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("modules of user.py: %v, want %v", got, want)
	}
	if got := modules(p.File("other")); got["Elsewhere"] {
		t.Errorf("Elsewhere(Module) beside a star import of a module outside the program counted as a module")
	}
	net := user.ClassNamed("Net").Methods["forward"]
	calls := user.OwnNodes(net, syntax.KindCall)
	var extra Callee
	for _, c := range calls {
		if cc := user.Callee(net, c); cc.Func != nil {
			extra = cc
		}
	}
	if extra.Func == nil || extra.File.Module.Name != "pkg.layers" || extra.Func.QualName() != "Block.extra" {
		t.Errorf("super().extra(x) in Net calls %+v, want pkg.layers Block.extra", extra)
	}
	// an edit inside Net keeps it; one renaming its base drops the mark
	nf := p.Replace(edited(t, user, "return super().extra(x)", "return super().extra(x) + 1"))
	if got := modules(nf); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after an edit: %v, want %v", got, want)
	}
	nf = nf.Program().Replace(edited(t, nf, "class Net(Block):", "class Net(Plain):"))
	want["Net"], want["Named"] = false, false
	if got := modules(nf); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after Net's base became Plain: %v, want %v", got, want)
	}
}
