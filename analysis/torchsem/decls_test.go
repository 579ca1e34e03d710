package torchsem

import (
	"testing"
)

// TestDeclarationsCarriedAcrossReplace: a program that replaces a file of another takes the
// other's declarations of the files it shares with it, except those naming the replaced
// file, and reads the replaced file's own export calls again; what it gets is what reading
// every file again gives.
func TestDeclarationsCarriedAcrossReplace(t *testing.T) {
	files := map[string]string{
		"net/__init__.py": "",
		"net/model.py": `import torch
from torch import nn
from torch.export import Dim, export


class Net(nn.Module):
    def forward(self, x):
        return x


class Head(nn.Module):
    def forward(self, x):
        return x


ep = export(Net(), (torch.randn(2, 8),), dynamic_shapes={"x": {0: Dim("own")}})
`,
		"export_a.py": `import torch
from torch.export import Dim, export

from net.model import Net

ep = export(Net(), (torch.randn(2, 8),), dynamic_shapes={"x": {0: Dim("a", max=64)}})
`,
		"export_b.py": `import torch
from torch.export import Dim, export

from net.model import Head


class Local(torch.nn.Module):
    def forward(self, x):
        return x


ep = export(Head(), (torch.randn(2, 8),), dynamic_shapes={"x": {1: Dim("b")}})
ep2 = export(Local(), (torch.randn(2, 8),), dynamic_shapes={"x": {1: Dim("c")}})
`,
	}
	p := programOf(t, files, "net/__init__.py", "net/model.py", "export_a.py", "export_b.py")
	// a keystroke in the model, then a new spec at an export call, then the model again
	model := p.File("net.model")
	p2 := p.ReplaceFrom(model, edited(t, model, "        return x\n", "        return x + 0\n")).Program()
	a := p2.File("export_a")
	p3 := p2.ReplaceFrom(a, edited(t, a, `Dim("a", max=64)`, `Dim("a", max=32)`)).Program()
	m3 := p3.File("net.model")
	p4 := p3.ReplaceFrom(m3, edited(t, m3, "class Head", "class Head2")).Program()
	for i, q := range []*Program{p, p2, p3, p4} {
		got := q.Declarations()
		full := &declState{}
		q.collectDecls(full, map[string]*File{}) // an override, even empty, reads every file again
		if len(got) != len(full.all) {
			t.Fatalf("program %d: %d declarations, reading every file gives %d", i, len(got), len(full.all))
		}
		for k, d := range got {
			w := full.all[k]
			if d.Site != w.Site || d.File != w.File || d.Class != w.Class || d.ClassFile != w.ClassFile || d.Forward != w.Forward || d.FwdFile != w.FwdFile || d.signature() != w.signature() {
				t.Errorf("program %d, declaration %d (%s): %s of %s, reading every file gives %s of %s", i, k, w.Where(), d.signature(), d.ClassFile.Module.Name, w.signature(), w.ClassFile.Module.Name)
			}
		}
	}
	// the export script's call was carried from p to p2 as it was; the model's own calls and
	// those naming its classes were not
	carried := map[*ExportDecl]bool{}
	for _, d := range p.Declarations() {
		carried[d] = true
	}
	for _, d := range p2.Declarations() {
		wantCarried := d.File.Module.Name == "export_b" && d.Class.Name == "Local"
		if carried[d] != wantCarried {
			t.Errorf("%s (%s): carried %v, want %v", d.Where(), d.Class.Name, carried[d], wantCarried)
		}
	}
	if n := len(p4.Declarations()); n != 3 {
		t.Errorf("after Head is renamed: %d declarations, want 3 (export_b's Head() names no class now)", n)
	}
}
