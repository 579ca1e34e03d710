package torchsem

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestHasState(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "layers", "state.txtar"))
	checked := 0
	for _, f := range p.Files {
		for _, c := range f.Classes {
			line := string(f.Src[f.LineStart(f.Line(f.Tree.Start(c.Node))):])
			line, _, _ = strings.Cut(line, "\n")
			_, want, ok := strings.Cut(line, "# ")
			if !ok {
				continue
			}
			checked++
			if got := f.HasState(c); got != (want == "state") {
				t.Errorf("%s.%s: HasState = %v, want %s", f.Module.Name, c.Name, got, want)
			}
		}
	}
	if checked != 10 {
		t.Errorf("%d classes checked", checked)
	}
}

func TestLayerNames(t *testing.T) {
	for q, want := range map[string]string{
		"torch.nn.Linear":                "layer state",
		"torch.nn.modules.linear.Linear": "layer state",
		"torch.nn.ReLU":                  "layer",
		"torch.nn.Sequential":            "layer container",
		"torch.nn.Parameter":             "",
		"torch.nn.functional.relu":       "",
		"torch.nn.init.Thing":            "",
		"torch.Linear":                   "",
	} {
		var got []string
		if IsLayer(q) {
			got = append(got, "layer")
		}
		if LayerOwnsState(q) {
			got = append(got, "state")
		}
		if IsLayerContainer(q) {
			got = append(got, "container")
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s: %q, want %q", q, g, want)
		}
	}
	for name, want := range map[string]bool{"add_": true, "copy_": true, "requires_grad_": false, "__iadd__": false, "_x_": false, "add": false} {
		if IsInPlace(name) != want {
			t.Errorf("IsInPlace(%s) != %v", name, want)
		}
	}
}

func TestModuleSelf(t *testing.T) {
	f := parseFile(t, `import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        def inner(y):
            return self
        def shadow(self):
            return self
        return x

    @staticmethod
    def helper(x):
        return x


class Plain:
    def method(self):
        return self
`)
	want := map[string]string{"__init__": "", "forward": "M self", "inner": "M self", "shadow": "", "helper": "", "method": ""}
	for _, fn := range f.Funcs {
		got := ""
		if c, self := f.ModuleSelf(fn); c != nil {
			got = c.Name + " " + self
		}
		if got != want[fn.Name] {
			t.Errorf("ModuleSelf(%s) = %q, want %q", fn.Name, got, want[fn.Name])
		}
	}
}

func TestUsedAsSubmodule(t *testing.T) {
	p := loadProgram(t, filepath.Join("testdata", "layers", "submodules.txtar"))
	checked := 0
	for _, f := range p.Files {
		for _, c := range f.Classes {
			line := string(f.Src[f.LineStart(f.Line(f.Tree.Start(c.Node))):])
			line, _, _ = strings.Cut(line, "\n")
			_, want, ok := strings.Cut(line, "# ")
			if !ok {
				continue
			}
			checked++
			if got := f.UsedAsSubmodule(c); got != (want == "submodule") {
				t.Errorf("%s.%s: UsedAsSubmodule = %v, want %s", f.Module.Name, c.Name, got, want)
			}
		}
	}
	if checked != 5 {
		t.Errorf("%d classes checked", checked)
	}
}
