package torchsem

import (
	"fmt"
	"slices"
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

// TestSignatureSpellsEveryInput: a declaration's signature (what its fingerprint hashes)
// names its class, mode and every declared axis of every input, in order.
func TestSignatureSpellsEveryInput(t *testing.T) {
	files := map[string]string{"m.py": `import torch
from torch.export import Dim, export


class M(torch.nn.Module):
    def forward(self, x, y):
        return x + y


h = Dim("h", min=32, max=1024)
ep = export(M(), (torch.randn(2, 3, 224, 224), torch.randn(4, 5)),
            dynamic_shapes=({0: Dim("batch"), 2: h, 3: 2 * Dim("w")}, {1: Dim.AUTO}), strict=False)
`}
	p := programOf(t, files, "m.py")
	decls := p.Declarations()
	if len(decls) != 1 {
		t.Fatalf("%d declarations, want 1", len(decls))
	}
	d := decls[0]
	want := "m.M strict=false spec=true readable=true"
	for _, param := range []int{1, 2} { // forward's parameters x and y (self is 0)
		in := d.Inputs[param]
		if in == nil {
			t.Fatalf("no input %d declared", param)
		}
		want += fmt.Sprintf(" %d/%d:", param, in.Rank)
		axes := make([]int, 0, len(in.Axes))
		for a := range in.Axes {
			axes = append(axes, a)
		}
		slices.Sort(axes)
		for _, a := range axes {
			want += fmt.Sprintf("%d=%s;", a, in.Axes[a])
		}
	}
	if got := d.signature(); got != want {
		t.Errorf("signature\n %s\nwant\n %s", got, want)
	}
	if len(d.Inputs[1].Axes) != 3 || len(d.Inputs[2].Axes) != 1 {
		t.Errorf("axes declared: %d and %d, want 3 and 1", len(d.Inputs[1].Axes), len(d.Inputs[2].Axes))
	}
}
