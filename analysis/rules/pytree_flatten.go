package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// PytreeFlatten recognises PyTorch pytree flattening calls in traced code.
var PytreeFlatten = &analysis.Rule{
	Name:      "pytree_flatten",
	HoverOnly: true,
	Doc: `## What it does
Recognises calls of PyTorch's pytree utilities that flatten or rebuild nested containers
(` + "`tree_flatten`" + `, ` + "`tree_flatten_with_path`" + `, ` + "`tree_leaves`" + `, ` + "`tree_structure`" + `, ` + "`tree_unflatten`" + `
from ` + "`torch.utils._pytree`" + `, ` + "`torch.utils._cxx_pytree`" + ` or ` + "`torch.utils.pytree`" + `) in code that
torch.export traces, under any import alias (` + "`from torch.utils import _pytree as pytree`" + `). It is
shown on hover only: the pattern exports as written.

## Why is this bad
It is not. Export captures pytree calls: flattening a list, tuple or dict of tensors is resolved
while tracing, each leaf tensor is used directly, and the ` + "`TreeSpec`" + ` describing the structure
is a Python value fixed at export time. The exported graph holds only the tensor operations
on the leaves.

## Example
` + "```python" + `
from torch.utils import _pytree as pytree

def forward(self, x):
    y, spec = pytree.tree_flatten(x)
    return y[0] + 1
` + "```" + `

## Use instead
Nothing to change. The nesting structure of the input (number of leaves, dict keys) is fixed
to the example input's.

## Fix safety
No fix is offered.

## References
- [ExportDB: pytree_flatten](https://pytorch.org/docs/main/generated/exportdb/index.html#pytree-flatten)
- [torch.export: pytree inputs and outputs](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runPytreeFlatten,
}

// pytreeFlattenModules are the PyTorch pytree modules.
var pytreeFlattenModules = []string{"torch.utils._pytree.", "torch.utils._cxx_pytree.", "torch.utils.pytree."}

// pytreeFlattenFuncs are the functions that flatten a tree or rebuild one from its leaves.
var pytreeFlattenFuncs = map[string]bool{
	"tree_flatten": true, "tree_flatten_with_path": true, "tree_leaves": true,
	"tree_leaves_with_path": true, "tree_structure": true, "tree_unflatten": true,
}

func runPytreeFlatten(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	imported := false
	for _, q := range f.Imports {
		if strings.HasPrefix(q, "torch") {
			imported = true
			break
		}
	}
	if !imported {
		return
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode {
			return
		}
		// cheap test on the last name before resolving through imports
		last := callee
		if t.Kind(callee) == syntax.KindAttribute {
			last = t.Field(callee, syntax.FieldAttribute)
		} else if t.Kind(callee) != syntax.KindIdentifier {
			return
		}
		if last == analysis.NoNode || !pytreeFlattenFuncs[t.String(last)] || !f.IsImported(callee) {
			return
		}
		q := f.Resolve(callee)
		for _, m := range pytreeFlattenModules {
			if strings.HasPrefix(q, m) {
				pass.Reportf(call, analysis.Recognized,
					"%s is captured while tracing: only the tensor operations on the leaves reach the graph, and the tree structure is fixed at export time",
					t.String(callee))
				return
			}
		}
	})
}
