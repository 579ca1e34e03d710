package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// CondBranchNonlocalVariables reports torch.cond branches that rebind (nonlocal) or mutate
// variables of the enclosing function, and recognises the rewrite that passes them as
// operands instead.
var CondBranchNonlocalVariables = &analysis.Rule{
	Name: "cond_branch_nonlocal_variables",
	Doc: `## What it does
Reports a branch of ` + "`torch.cond(pred, true_fn, false_fn, operands)`" + ` that declares variables
of the enclosing function ` + "`nonlocal`" + `, or mutates such a variable in place
(` + "`buf.add_(1)`" + `, ` + "`buf[0] = 0`" + `). Recognises, on hover only, the supported rewrite: the
enclosing function's values passed to the branches as extra operands.

## Why is this bad
A branch is traced into a separate subgraph that may only compute and return tensors: it
cannot have side effects on anything outside it. ` + "`nonlocal`" + ` exists to rebind an outer
variable, and an in-place change of a captured tensor mutates state the branch does not
own; torch.cond rejects both, so export fails.

## Example
` + "```python" + `
def forward(self, x):
    my_tensor_var = x + 100
    my_primitive_var = 3.14

    def true_fn(y):
        nonlocal my_tensor_var, my_primitive_var
        return y + my_tensor_var + my_primitive_var

    def false_fn(y):
        nonlocal my_tensor_var, my_primitive_var
        return y - my_tensor_var - my_primitive_var

    return torch.cond(x.shape[0] > 5, true_fn, false_fn, (x,))
` + "```" + `

## Use instead
Pass the values as operands (a Python scalar wrapped in a tensor), or just read them
without ` + "`nonlocal`" + `:
` + "```python" + `
def forward(self, x):
    my_tensor_var = x + 100
    my_primitive_var = 3.14

    def true_fn(x, y, z):
        return x + y + z

    def false_fn(x, y, z):
        return x - y - z

    return torch.cond(x.shape[0] > 5, true_fn, false_fn,
                      (x, my_tensor_var, torch.tensor(my_primitive_var)))
` + "```" + `

## Fix safety
No fix is offered for ` + "`nonlocal`" + `: whether the branch meant to update the outer variable
(which cond cannot do) is the author's decision. Replacing
` + "`functorch.experimental.control_flow.cond`" + ` with ` + "`torch.cond`" + ` is safe: it is the same
operator under its public name.

## References
- [ExportDB: cond_branch_nonlocal_variables](https://pytorch.org/docs/main/generated/exportdb/index.html#cond-branch-nonlocal-variables)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
`,
	Local: true,
	Run:   runCondBranchNonlocalVariables,
}

func runCondBranchNonlocalVariables(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	mig := &condMigration{f: f}
	done := map[*analysis.Function]bool{}
	condEach(pass, func(cc *condCall) {
		bad := false
		for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
			b := condResolveBranch(f, cc.fn, e)
			if b.fn == nil || b.fn.Parent == nil {
				continue
			}
			if was, seen := done[b.fn]; seen {
				bad = bad || was
				continue
			}
			done[b.fn] = false
			name := condBranchName(t, b)
			declared := map[string]bool{}
			for _, st := range f.OwnNodes(b.fn, syntax.KindNonlocalStatement) {
				bad, done[b.fn] = true, true
				var names []string
				t.Children(st, func(c analysis.NodeID) bool {
					if t.Kind(c) == syntax.KindIdentifier {
						names = append(names, t.String(c))
						declared[t.String(c)] = true
					}
					return true
				})
				pass.Reportf(st, analysis.Fails, "cond branch %s declares %s nonlocal; a branch cannot rebind variables of %s, pass them as operands", name, fix.List(names), b.fn.Parent.QualName())
			}
			outer := map[string]bool{}
			for _, v := range f.FreeVars(b.fn) {
				if v.Name != v.Scope.SelfName() && !declared[v.Name] { // nonlocal ones are reported above
					outer[v.Name] = true
				}
			}
			if len(outer) == 0 {
				continue
			}
			for _, m := range condMutations(f, b.fn, func(n string) bool { return outer[n] }) {
				bad, done[b.fn] = true, true
				pass.Reportf(m.node, analysis.Fails, "cond branch %s mutates %s of %s in place (%s)", name, m.name, b.fn.Parent.QualName(), m.how)
			}
		}
		if bad {
			return
		}
		if e := condOuterOperand(f, cc); e != analysis.NoNode {
			fd := pass.Reportf(e, analysis.Recognized, "cond passes %s to its branches as an operand instead of capturing it", fix.Short(t, e))
			mig.attach(fd, cc)
		}
	})
}

// condOuterOperand returns the first operand that carries a value computed in the calling
// function (a local variable, or a Python value wrapped with torch.tensor) to branch
// functions defined there: the seed's rewrite of a nonlocal capture. NoNode otherwise.
func condOuterOperand(f *analysis.File, cc *condCall) analysis.NodeID {
	t := f.Tree
	for _, e := range [...]analysis.NodeID{cc.trueFn, cc.falseFn} {
		if b := condResolveBranch(f, cc.fn, e); b.fn == nil || b.fn.Parent != cc.fn {
			return analysis.NoNode
		}
	}
	elems, ok := condElems(f, cc.fn, cc.operands)
	if !ok || len(elems) < 2 {
		return analysis.NoNode
	}
	for _, e := range elems {
		u := t.Unparen(e)
		switch condKind(t, u) {
		case syntax.KindIdentifier:
			name := t.String(u)
			if cc.fn.Param(name) != nil {
				continue
			}
			for _, a := range f.OwnNodes(cc.fn, syntax.KindAssignment) {
				if t.Start(a) > t.Start(cc.call) {
					break
				}
				if l := t.Field(a, syntax.FieldLeft); l != analysis.NoNode && t.Kind(l) == syntax.KindIdentifier && t.TextIs(l, name) {
					return e
				}
			}
		case syntax.KindCall:
			if q := f.CallName(u); (q == "torch.tensor" || q == "torch.as_tensor" || q == "torch.scalar_tensor") && f.IsImported(t.Field(u, syntax.FieldFunction)) {
				return e
			}
		}
	}
	return analysis.NoNode
}
