package rules

import (
	"context"
	"runtime"
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
		// the carry holds the previous text weakly, as the server does while it analyses
		// the new one: a collection in between would take the carried walks away
		runtime.KeepAlive(prev)
		prev = nf
	}
	if got := analyze(prev); dumpFindings(got) != dumpFindings(first) {
		t.Errorf("after the undos the findings differ from the first text's\ngot:\n%s\nwant:\n%s", dumpFindings(got), dumpFindings(first))
	}
}
