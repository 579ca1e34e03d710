package torchsem

import (
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
