package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// TorchSymMin finds calls of torch.sym_min (and its sibling torch.sym_max) in traced code.
var TorchSymMin = &analysis.Rule{
	Name: "torch_sym_min",
	Doc: `## What it does
Finds calls of ` + "`torch.sym_min(a, b)`" + ` (under any import alias, or imported by name) in code that
torch.export traces, and of its sibling ` + "`torch.sym_max`" + `, which the tracer handles the same way (a
` + "`torch.*`" + ` function returning a Python int; its result at each version is inferred from sym_min's,
not measured). ExportDB lists this case as unsupported_operator in later releases.

## Why is this bad
Before torch 2.12, export's tracer does not support ` + "`torch.sym_min`" + `: it is a ` + "`torch.*`" + ` function that
returns a Python integer rather than a tensor, and strict export fails with "Unsupported: torch.* op
returned non-Tensor int". From 2.12 the call is captured as a symbolic minimum and exports; the
finding is then shown on hover only.

## Example
` + "```python" + `
def forward(self, x):
    return x.sum() + torch.sym_min(x.size(0), 100)
` + "```" + `

## Use instead
The builtin ` + "`min()`" + `: export's tracer turns ` + "`min`" + ` over symbolic sizes into the same symbolic minimum.
` + "```python" + `
def forward(self, x):
    return x.sum() + min(x.size(0), 100)
` + "```" + `

## Fix safety
Replacing ` + "`torch.sym_min`" + ` with ` + "`min`" + ` is offered only for target versions that reject the call. It is
safe: on plain integers ` + "`torch.sym_min(a, b)`" + ` computes ` + "`min(a, b)`" + `, so eager behaviour is unchanged, and
under strict export the tracer rewrites ` + "`min`" + ` on symbolic sizes to ` + "`torch.sym_min`" + ` itself, so the
exported graph keeps the size symbolic instead of specialising it. When an argument is visibly a float
(` + "`2.5`, `float(n)`" + `) the fix is unsafe: ` + "`torch.sym_min`" + ` then returns a float even when the int is smaller,
while ` + "`min`" + ` returns the smaller argument unchanged.

## References
- [ExportDB: torch_sym_min](https://pytorch.org/docs/main/generated/exportdb/index.html#torch-sym-min)
- [torch.sym_min](https://pytorch.org/docs/main/generated/torch.sym_min.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runTorchSymMin,
}

func runTorchSymMin(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	for _, op := range []string{"min", "max"} {
		name := "torch.sym_" + op
		pass.Calls(name, func(call analysis.NodeID, fn *analysis.Function) {
			rejected := pass.TargetBefore(2, 12)
			if pass.Case != nil {
				rejected = pass.NotSupportedAt(call)
			}
			if !rejected {
				if pass.StrictAt(call) {
					pass.Reportf(call, analysis.Recognized, "call %s is captured as a symbolic %s from torch 2.12", fix.Snippet(t, call), op)
				} else {
					pass.Reportf(call, analysis.Recognized, "call %s exports with strict=False, which traces it with the Python interpreter (measured at torch 2.11)", fix.Snippet(t, call))
				}
				return
			}
			msg := "%s is not supported by torch.export before 2.12: %s fails to export"
			if op == "max" {
				msg = "%s, like torch.sym_min, is not supported by torch.export before 2.12: %s fails to export"
			}
			fd := pass.Reportf(call, analysis.Fails, msg, name, fix.Snippet(t, call))
			pos, kws := f.Args(call)
			if len(pos) == 2 && len(kws) == 0 && t.Kind(pos[0]) != syntax.KindListSplat && t.Kind(pos[1]) != syntax.KindListSplat {
				callee := t.Field(call, syntax.FieldFunction)
				fx := analysis.Fix{
					Title:  "replace " + name + " with the builtin " + op,
					Safety: analysis.Safe,
					Edits:  []analysis.Edit{{Start: t.Start(callee), End: t.End(callee), NewText: op}},
				}
				// torch.sym_min/max convert the result to a float when an argument is one; min/max do not
				if f.Value(fn, pos[0]).May(torchsem.Float) || f.Value(fn, pos[1]).May(torchsem.Float) {
					fx.Title += " (may return an int where sym_" + op + " returned a float)"
					fx.Safety = analysis.Unsafe
				}
				fd.Fixes = append(fd.Fixes, fx)
			}
		})
	}
}
