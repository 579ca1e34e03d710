package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// HostRoundTrip finds tensor data copied out to NumPy or to Python numbers in traced code.
var HostRoundTrip = &analysis.Rule{
	Name: "host_round_trip",
	Doc: `## What it does
Finds, in code that torch.export traces, tensor data leaving torch:
- ` + "`.numpy()`" + ` on a tensor (` + "`x.numpy()`" + `, ` + "`x.detach().cpu().numpy()`" + `);
- a NumPy function called on a tensor (` + "`np.asarray(t)`" + `, ` + "`np.sum(x.cpu())`" + `);
- ` + "`bool(t)`" + `, ` + "`float(t)`" + ` or ` + "`int(t)`" + ` on a tensor used in an expression (` + "`x / float(x.abs().max())`" + `,
  ` + "`return bool(t)`" + `).

Only expressions known to be tensors count: ` + "`np.sum(x)`" + ` on a bare parameter may be a NumPy array
and is left alone. Division of work: a conversion inside an ` + "`if`" + `/` + "`while`" + ` condition belongs to
data_dependent_branch (` + "`bool(t)`" + `) or unchecked_data_dependent_value (` + "`float(t) > 0.5`" + `); a
conversion bound straight to a name (` + "`n = int(t.sum())`" + `) reads a value like ` + "`.item()`" + ` and its uses
are judged by unchecked_data_dependent_value and constrain_as_size/value_example; one passed as a
size or slice bound is unchecked_data_dependent_value's. Code under
` + "`if not torch.compiler.is_exporting():`" + ` is skipped.

## Why is this bad
Export records tensor operations. In non-strict mode it runs forward on fake tensors, which have
shapes but no data: ` + "`.numpy()`" + ` has nothing to copy and fails, and ` + "`bool()`" + `, ` + "`float()`" + ` or ` + "`int()`" + `
must produce a concrete Python value that does not exist yet. Strict mode translates the NumPy
calls that torch.compile understands into torch operations and fails on the rest. Either way the
work done in NumPy or in Python numbers is not a tensor operation of the exported graph, and on
a GPU each round trip also waits for the device.

## Example
` + "```python" + `
def forward(self, x):
    peak = np.abs(x.detach().cpu().numpy()).max()
    return x / float(peak)
` + "```" + `

## Use instead
` + "```python" + `
def forward(self, x):
    peak = x.detach().abs().max()
    return x / peak
` + "```" + `

## Fix safety
One fix, unsafe: ` + "`float(t)`" + ` as an operand of arithmetic with a tensor becomes ` + "`t.detach().float()`" + `, a
0-d tensor that stays in the graph (` + "`.detach()`" + ` keeps gradients from flowing through it, as
` + "`float()`" + ` did). Type promotion with a 0-d float32 tensor can differ from a Python float (an
integer tensor times it stays float32 either way, but a float64 value becomes float32), and a
tensor with more than one element now broadcasts where ` + "`float()`" + ` raised. NumPy code has no
mechanical rewrite: express it with the torch function of the same name.

## References
- [torch.export programming model: static and dynamic values, non-strict tracing](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.compile and NumPy](https://pytorch.org/docs/main/torch.compiler_faq.html)
`,
	Local: true,
	Run:   runHostRoundTrip,
}

func runHostRoundTrip(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		q := pass.CallName(call)
		switch {
		case q == "":
			return
		case strings.HasPrefix(q, "numpy.") && !strings.HasPrefix(q, "numpy.random."):
			if !f.RunsWhileExporting(call) {
				return
			}
			pos, _ := f.Args(call)
			for _, a := range pos {
				if f.Value(fn, a).IsTensor() {
					pass.Reportf(call, analysis.Fails,
						"%s calls NumPy on tensor %s: export cannot trace it (non-strict export fails; strict export only translates the NumPy calls torch.compile supports)",
						fix.Snippet(t, t.Field(call, syntax.FieldFunction)), fix.Snippet(t, a))
					return
				}
			}
		case q == "torch.Tensor.numpy":
			if f.RunsWhileExporting(call) {
				pass.Reportf(call, analysis.Fails,
					"%s copies tensor data to NumPy: export cannot trace it (non-strict export fails; strict export only translates the NumPy calls torch.compile supports)",
					fix.Snippet(t, call))
			}
		case q == "bool" || q == "float" || q == "int":
			pos, kws := f.Args(call)
			if len(pos) != 1 || len(kws) != 0 || !f.Value(fn, pos[0]).IsTensor() || !f.RunsWhileExporting(call) {
				return
			}
			if _, inTest := pysem.ConditionOf(t, call); inTest || hrtBoundOrSize(pass, fn, call, q) {
				return
			}
			fd := pass.Reportf(call, analysis.Fails,
				"%s() copies the value of tensor %s to Python: export cannot trace it as a tensor operation",
				q, fix.Snippet(t, pos[0]))
			if fx, ok := hrtKeepTensorFix(f, fn, call, q, pos[0]); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		}
	})
}

// hrtBoundOrSize reports whether a float()/int() conversion is judged by the data-value
// rules: bound straight to a name (it reads a value like .item()), or passed as a size
// (view/reshape/..., a constructor, range) or slice bound.
func hrtBoundOrSize(pass *analysis.Pass, fn *analysis.Function, call analysis.NodeID, name string) bool {
	f := pass.File
	t := f.Tree
	if name == "bool" {
		return false
	}
	p := t.Parent(call)
	for p != analysis.NoNode && t.Kind(p) == syntax.KindParenthesizedExpression {
		p = t.Parent(p)
	}
	if p == analysis.NoNode {
		return false
	}
	switch t.Kind(p) {
	case syntax.KindAssignment:
		return t.FieldOf(call) == syntax.FieldRight || t.Field(p, syntax.FieldRight) == t.Parent(call)
	case syntax.KindSlice:
		return true
	case syntax.KindArgumentList:
		outer := t.Parent(p)
		if _, ok := f.SizeCall(fn, outer); ok {
			return true
		}
		return pass.CallName(outer) == "range"
	}
	return false
}

// hrtKeepTensorFix replaces float(t), an operand of arithmetic with a tensor, by
// t.detach().float().
func hrtKeepTensorFix(f *analysis.File, fn *analysis.Function, call analysis.NodeID, name string, arg analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	if name != "float" {
		return analysis.Fix{}, false
	}
	p := t.Parent(call)
	if p == analysis.NoNode || t.Kind(p) != syntax.KindBinaryOperator {
		return analysis.Fix{}, false
	}
	switch t.Operator(p) {
	case "+", "-", "*", "/":
	default:
		return analysis.Fix{}, false
	}
	other := t.Field(p, syntax.FieldLeft)
	if other == call {
		other = t.Field(p, syntax.FieldRight)
	}
	if !f.Value(fn, other).May(torchsem.Tensor) {
		return analysis.Fix{}, false
	}
	text := fix.Operand(t, t.Unparen(arg)) + ".detach().float()"
	return analysis.Fix{
		Title:  "keep the value as a 0-d tensor: replace float(t) with t.detach().float() (type promotion may differ)",
		Safety: analysis.Unsafe,
		Edits:  []analysis.Edit{{Start: t.Start(call), End: t.End(call), NewText: text}},
	}, true
}
