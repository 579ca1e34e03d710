package torchsem

import (
	"strings"
	"testing"
)

// TestSurface: a file's surface is the same in programs of different files (check links
// only the part of a project that changed, numbering forwards differently), changes with
// what other files see of it (a return value, the line of an export call their messages
// name), and not with an edit inside a function body.
func TestSurface(t *testing.T) {
	files := map[string]string{
		"other/m.py":      "import torch\n\n\nclass O(torch.nn.Module):\n    def forward(self, y):\n        return y\n",
		"pkg/__init__.py": "",
		"pkg/helpers.py":  "def half(n):\n    return n // 2\n",
		"pkg/model.py":    "import torch\nfrom pkg.helpers import half\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x[: half(x.shape[0])]\n",
		"export.py":       "import torch\nfrom torch.export import Dim\nfrom pkg.model import M\n\nh = Dim(\"h\", min=2, max=64)\nep = torch.export.export(M(), (torch.randn(8, 3),), dynamic_shapes={\"x\": {0: h}})\n",
	}
	pkg := []string{"pkg/__init__.py", "pkg/helpers.py", "pkg/model.py", "export.py"}
	surfaces := func(files map[string]string, order []string) map[string]uint64 {
		t.Helper()
		p := programOf(t, files, order...)
		out := map[string]uint64{}
		for _, f := range p.Files {
			out[f.Path] = f.Surface()
		}
		return out
	}
	base := surfaces(files, pkg)
	// another forward linked first: root numbers differ, surfaces do not
	with := surfaces(files, append([]string{"other/m.py"}, pkg...))
	for _, name := range pkg {
		if with[name] != base[name] {
			t.Errorf("%s: surface differs in a program with another file", name)
		}
	}
	edit := func(name, from, to string) map[string]string {
		t.Helper()
		if !strings.Contains(files[name], from) {
			t.Fatalf("%s has no %q", name, from)
		}
		out := map[string]string{}
		for k, v := range files {
			out[k] = v
		}
		out[name] = strings.Replace(files[name], from, to, 1)
		return out
	}
	for _, c := range []struct {
		what, name, from, to string
		changes              bool
	}{
		{"a body edit", "pkg/helpers.py", "    return n // 2\n", "    q = n // 2  # halved\n    return q\n", false},
		{"a return value", "pkg/helpers.py", "return n // 2", "return 4", true},
		{"a line after the export call", "export.py", "dynamic_shapes={\"x\": {0: h}})\n", "dynamic_shapes={\"x\": {0: h}})\nprint(ep)\n", false},
		{"a line above the export call", "export.py", "import torch\n", "import torch\n\n", true},
		{"the declared range", "export.py", "max=64", "max=128", true},
	} {
		got := surfaces(edit(c.name, c.from, c.to), pkg)
		if changed := got[c.name] != base[c.name]; changed != c.changes {
			t.Errorf("%s of %s: surface changed %v, want %v", c.what, c.name, changed, c.changes)
		}
	}
}
