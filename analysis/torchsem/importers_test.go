package torchsem

import (
	"sort"
	"strings"
	"testing"
)

// TestReaching: the files whose code may name a module's functions are those that import
// it, directly or through others, by every form of import: a from-import of a name, of the
// module itself, relative, starred, inside a function, a plain import of the module, of a
// package above it (reached as an attribute) or of a module below it (import a.b binds a),
// and a package __init__ re-exporting it. Files it imports, and files that import only
// its siblings or what it imports, are not.
func TestReaching(t *testing.T) {
	files := map[string]string{
		"net/__init__.py":        "",
		"net/models/__init__.py": "from .vit import ViT\n",
		"net/models/vit.py":      "from net.layers.stem import Stem\n\n\nclass ViT:\n    pass\n",
		"net/models/resnet.py":   "from ..layers import stem\n",
		"net/layers/__init__.py": "",
		"net/layers/stem.py":     "import torch\n\n\nclass Stem:\n    pass\n",
		"export_name.py":         "from net.models import ViT\n",
		"export_module.py":       "from net.models import vit\n",
		"export_star.py":         "from net.models.vit import *\n",
		"export_late.py":         "def build():\n    from net.models.vit import ViT\n    return ViT()\n",
		"export_attr.py":         "import net\n\nm = net.models.vit.ViT()\n",
		"export_deep.py":         "import net.models.vit.missing\n",
		"export_alias.py":        "import net.models.vit as v\n",
		"net/models/relative.py": "from . import vit\n",
		"chain.py":               "from export_name import ViT\n",
		"resnet_user.py":         "from net.models.resnet import stem\n",
		"unrelated.py":           "import torch\nfrom torch import nn\n",
		"layers_user.py":         "from net.layers import stem\n",
		"ns/sub/leaf.py":         "class Leaf:\n    pass\n", // a namespace package: no __init__.py
	}
	var order []string
	for name := range files {
		order = append(order, name)
	}
	sort.Strings(order)
	p := programOf(t, files, order...)
	reaching := func(module string) string {
		var names []string
		r := p.Reaching(p.File(module))
		for _, f := range p.Files {
			if r.Has(f) {
				names = append(names, f.Path)
			}
		}
		if r.Len() != len(names) {
			t.Errorf("Reaching(%s) counts %d files, holds %d", module, r.Len(), len(names))
		}
		sort.Strings(names)
		return strings.Join(names, " ")
	}
	for _, tc := range []struct{ module, want string }{
		// not resnet_user.py, which imports from a sibling of vit.py in its package
		{"net.models.vit", "chain.py export_alias.py export_attr.py export_deep.py export_late.py export_module.py export_name.py export_star.py net/models/__init__.py net/models/relative.py net/models/vit.py"},
		// every file that may name the stem, vit.py and its importers among them
		{"net.layers.stem", "chain.py export_alias.py export_attr.py export_deep.py export_late.py export_module.py export_name.py export_star.py layers_user.py net/layers/stem.py net/models/__init__.py net/models/relative.py net/models/resnet.py net/models/vit.py resnet_user.py"},
		{"net.models.resnet", "export_attr.py export_deep.py net/models/resnet.py resnet_user.py"},
		{"unrelated", "unrelated.py"},
	} {
		if got := reaching(tc.module); got != tc.want {
			t.Errorf("Reaching(%s):\n got  %s\n want %s", tc.module, got, tc.want)
		}
	}
	if a, b := p.Reaching(p.File("net.models.vit")), p.Reaching(p.File("net.models.vit")); &a.bits[0] != &b.bits[0] {
		t.Error("a second call worked the set out again")
	}

	// a new text of a file: its own answers name the new file; a new import is seen
	chain := p.File("chain")
	same := p.ReplaceFrom(chain, edited(t, chain, "import ViT\n", "import ViT\n\nx = 1\n")).Program()
	if r := same.Reaching(same.File("net.models.vit")); !r.Has(same.File("chain")) || r.Has(chain) || r.Len() != 11 {
		t.Errorf("after an edit that keeps the imports: %d files, the new chain.py among them: %v", r.Len(), r.Has(same.File("chain")))
	}
	un := p.File("unrelated")
	moved := p.ReplaceFrom(un, edited(t, un, "import torch\n", "import torch\nfrom net.models import vit\n")).Program()
	if r := moved.Reaching(moved.File("net.models.vit")); !r.Has(moved.File("unrelated")) || r.Len() != 12 {
		t.Errorf("after an edit that imports vit.py: %d files, unrelated.py among them: %v", r.Len(), r.Has(moved.File("unrelated")))
	}
	// imports of modules outside the project change no file's importers
	outside := p.ReplaceFrom(un, edited(t, un, "import torch\n", "import torch, os\nimport numpy as np\nfrom os import path\n")).Program()
	if r := outside.Reaching(outside.File("net.models.vit")); r.Has(outside.File("unrelated")) || r.Len() != 11 {
		t.Errorf("after an edit that imports modules outside the project: %d files, unrelated.py among them: %v", r.Len(), r.Has(outside.File("unrelated")))
	}
	// a package of the project, one without a file of its own
	pkg := p.ReplaceFrom(un, edited(t, un, "import torch\n", "import torch\nimport ns.sub as sub\n")).Program()
	if r := pkg.Reaching(pkg.File("ns.sub.leaf")); !r.Has(pkg.File("unrelated")) || r.Len() != 2 {
		t.Errorf("after an edit that imports the package of leaf.py: %d files, unrelated.py among them: %v", r.Len(), r.Has(pkg.File("unrelated")))
	}
	if same.imports.index != p.imports.index || outside.imports.index != p.imports.index ||
		moved.imports.index == p.imports.index || pkg.imports.index == p.imports.index {
		t.Error("an edit keeping the imports of project files did not share the import index, or one adding one did")
	}
	if r := p.Reaching(p.File("net.models.vit")); r.Has(un) || r.Len() != 11 {
		t.Error("the edit changed the answers of the program it replaced a file of")
	}
}
