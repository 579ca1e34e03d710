package rules

import (
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// AutogradInForward finds gradient computations in code torch.export traces.
var AutogradInForward = &analysis.Rule{
	Name: "autograd_in_forward",
	Doc: `## What it does
Finds gradient computations in code torch.export traces (` + "`forward`" + ` and the helpers and
methods it reaches in the file): ` + "`torch.autograd.grad(...)`" + `, ` + "`torch.autograd.backward(...)`" + `,
` + "`loss.backward()`" + ` on a value computed in forward, and the ` + "`torch.autograd.functional`" + ` helpers
(` + "`jacobian`" + `, ` + "`hessian`" + `, ` + "`vjp`" + `, ` + "`jvp`" + `, ` + "`hvp`" + `, ` + "`vhp`" + `). The places in the same
function that switch gradients on for it (` + "`x.requires_grad_()`" + `, ` + "`x.requires_grad = True`" + `,
` + "`with torch.enable_grad():`" + `, ` + "`torch.set_grad_enabled(True)`" + `) are shown as related locations of
the finding, not reported on their own: without a gradient computation they only change
autograd flags.

Not reported: gradient code export does not trace (a training step, ` + "`loss.backward()`" + ` in a
script), a module method named ` + "`backward`" + ` called on ` + "`self`" + `, the ` + "`backward`" + ` of a custom
` + "`torch.autograd.Function`" + ` (autograd_function's case), and ` + "`torch.func`" + ` transforms.

## Why is this bad
An exported program is the forward computation of the model. Strict export traces with
TorchDynamo, which does not trace ` + "`torch.autograd.grad`" + ` or ` + "`Tensor.backward`" + `, and export, which
needs one graph, fails on them. Non-strict export runs forward on fake tensors, usually
without gradients enabled on the inputs, and fails with
` + "`element 0 of tensors does not require grad and does not have a grad_fn`" + `; where it gets through, the backward operations are
traced into the forward graph, and several operators are known not to export that way.
` + "`.backward()`" + ` also accumulates into the parameters' ` + "`.grad`" + `, a side effect no exported program
performs.

## Example
` + "```python" + `
class Energy(nn.Module):
    def forward(self, pos):
        pos = pos.detach().requires_grad_()
        energy = self.net(pos).sum()
        forces = -torch.autograd.grad(energy, pos, create_graph=True)[0]
        return energy, forces
` + "```" + `

## Use instead
Export the model without its gradient step and compute the gradient around the exported
program, or export the function that computes the gradient in training mode
(` + "`torch.export.export`" + ` keeps autograd-compatible operators, and ` + "`ExportedProgram.module()`" + ` can be
differentiated like any module):
` + "```python" + `
ep = torch.export.export(EnergyOnly(), (pos,))
pos = pos.requires_grad_()
energy = ep.module()(pos)
forces = -torch.autograd.grad(energy, pos)[0]
` + "```" + `

## Fix safety
No automatic fix: where the gradient is computed instead is a design decision.

## References
- [torch.export programming model: non-strict tracing with fake tensors](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.export: limitations](https://pytorch.org/docs/main/export.html#limitations-of-torch-export)
- [torch.autograd.grad](https://pytorch.org/docs/main/generated/torch.autograd.grad.html)
- [pytorch/pytorch#125984: torch.export code that includes torch.autograd.grad](https://github.com/pytorch/pytorch/issues/125984)
`,
	Local:        true,
	Declarations: true,
	Run:          runAutogradInForward,
}

// aifGradFuncs are the torch functions that compute gradients, by qualified name.
var aifGradFuncs = map[string]bool{
	"torch.autograd.grad": true, "torch.autograd.backward": true,
	"torch.autograd.functional.jacobian": true, "torch.autograd.functional.hessian": true,
	"torch.autograd.functional.vjp": true, "torch.autograd.functional.jvp": true,
	"torch.autograd.functional.hvp": true, "torch.autograd.functional.vhp": true,
}

// aifLastNames are the last names of aifGradFuncs and of Tensor.backward: the byte test
// that most calls stop at.
var aifLastNames = map[string]bool{"grad": true, "backward": true, "jacobian": true, "hessian": true, "vjp": true, "jvp": true, "hvp": true, "vhp": true}

func runAutogradInForward(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var enablers map[*analysis.Function][]analysis.Related
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if !aifLastNames[string(esLast(t, callee))] {
			return
		}
		last := esLastName(t, callee)
		var what string
		if q := esImported(f, callee); q != "" {
			if !aifGradFuncs[q] {
				return
			}
			what = q
		} else if last == "backward" && t.Kind(callee) == syntax.KindAttribute {
			recv := t.Unparen(t.Field(callee, syntax.FieldObject))
			if !aifTensorReceiver(f, fn, recv) {
				return
			}
			what = fix.Short(t, recv) + ".backward()"
		} else {
			return
		}
		msg := "%s in %s computes gradients while export traces: strict export cannot trace autograd and fails"
		if !pass.StrictAt(call) {
			msg = "%s in %s computes gradients while export traces: non-strict export fails unless what it differentiates requires grad, and the exported program is forward only"
		}
		fd := pass.Reportf(call, analysis.Fails, msg, what, fn.QualName())
		if enablers == nil {
			enablers = map[*analysis.Function][]analysis.Related{}
		}
		rel, ok := enablers[fn]
		if !ok {
			rel = aifEnablers(f, fn)
			enablers[fn] = rel
		}
		for _, r := range rel {
			if r.Start < t.Start(call) {
				fd.Related = append(fd.Related, r)
			}
		}
	})
}

// aifTensorReceiver reports whether recv, the receiver of a .backward() call in fn, may be a
// tensor: not self or cls (a module or LightningModule method named backward), not super(),
// not an imported name, not a class of the file.
func aifTensorReceiver(f *analysis.File, fn *analysis.Function, recv analysis.NodeID) bool {
	t := f.Tree
	switch t.Kind(recv) {
	case syntax.KindIdentifier:
		name := t.String(recv)
		if name == fn.SelfName() || f.IsImported(recv) || f.ClassNamed(name) != nil {
			return false
		}
	case syntax.KindCall:
		if c := t.Unparen(t.Field(recv, syntax.FieldFunction)); t.Kind(c) == syntax.KindIdentifier && t.TextIs(c, "super") {
			return false
		}
	case syntax.KindAttribute:
		if _, self := esReceiver(f, fn); self != "" {
			if attr := pysem.SelfAttrOf(t, recv, self); attr != "" {
				if c := fn.Method().Class; f.AttrClass(c, attr) != nil || f.Attr(c, attr).Kind == torchsem.AttrSubmodule {
					return false // self.head.backward(...): a module's method
				}
			}
		}
	case syntax.KindOther:
		return false
	}
	return true
}

// aifEnablers returns the places in fn that switch gradients on: requires_grad_() (not
// requires_grad_(False)), `x.requires_grad = True`, and torch.enable_grad() or
// torch.set_grad_enabled(True), called or used as a context manager.
func aifEnablers(f *analysis.File, fn *analysis.Function) []analysis.Related {
	t := f.Tree
	var out []analysis.Related
	add := func(n analysis.NodeID, msg string) {
		out = append(out, analysis.Related{Start: t.Start(n), End: t.End(n), Message: msg})
	}
	for _, call := range f.OwnNodes(fn, syntax.KindCall) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		switch last := esLastName(t, callee); last {
		case "requires_grad_":
			if pos, _ := f.Args(call); len(pos) > 0 && t.Kind(t.Unparen(pos[0])) == syntax.KindFalse {
				continue
			}
			if t.Kind(callee) == syntax.KindAttribute && !f.IsImported(callee) {
				add(call, "gradients are switched on for "+fix.Short(t, t.Field(callee, syntax.FieldObject))+" here")
			}
		case "enable_grad", "set_grad_enabled":
			switch esImported(f, callee) {
			case "torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad":
				add(call, "gradients are enabled here")
			case "torch.set_grad_enabled", "torch.autograd.set_grad_enabled", "torch.autograd.grad_mode.set_grad_enabled":
				if pos, _ := f.Args(call); len(pos) == 1 && t.Kind(t.Unparen(pos[0])) == syntax.KindTrue {
					add(call, "gradients are enabled here")
				}
			}
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
		left := t.Field(a, syntax.FieldLeft)
		if t.Kind(left) == syntax.KindAttribute && esLastName(t, left) == "requires_grad" && t.Kind(t.Unparen(t.Field(a, syntax.FieldRight))) == syntax.KindTrue {
			add(a, "gradients are switched on for "+fix.Short(t, t.Field(left, syntax.FieldObject))+" here")
		}
	}
	slices.SortFunc(out, func(a, b analysis.Related) int { return a.Start - b.Start })
	return out
}
