package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// UserInputMutation finds in-place mutations of forward's inputs.
var UserInputMutation = &analysis.Rule{
	Name: "user_input_mutation",
	Doc: `## What it does
Finds in-place mutations of a parameter of an nn.Module's ` + "`forward`" + `: in-place tensor methods
(` + "`x.mul_(2)`" + `, ` + "`x.copy_(y)`" + `, ` + "`x[0].zero_()`" + `), augmented assignment (` + "`x += 1`" + `), item
assignment (` + "`x[mask] = 0`" + `), torch functions with a trailing underscore, ` + "`out=x`" + ` and
` + "`inplace=True`" + `, directly or through a view of the input (` + "`y = x.view(-1)`" + `, ` + "`y = x[0]`" + `).

Not reported: item writes and augmented assignments on an input that is a dict, list or set
(annotated so, indexed with a string, or used with ` + "`.items()`" + `, ` + "`.append()`" + ` and the like):
those are input_container_mutation's. Nor are tensors created in ` + "`forward`" + `, buffers and
parameters (` + "`self.buf.add_(1)`" + `), an input name after it has been rebound (` + "`x = x.clone()`" + `), and
the ` + "`forward`" + ` of modules the file instantiates inside another module (their inputs are intermediate tensors of the parent, not
inputs of the exported program).

## Why is this bad
Export supports it, but the exported program is functional: the mutation becomes an extra
output of the graph (` + "`OutputKind.USER_INPUT_MUTATION`" + `) that the runtime copies back into the
input. Code that consumes the graph directly (a compiler backend, a serialised program)
must apply that output, or the caller's tensor is not updated.

## Example
` + "```python" + `
def forward(self, x):
    x.mul_(2)
    return x.cos()
` + "```" + `

## Use instead
Compute out of place, and return the new value when the caller needs it:
` + "```python" + `
def forward(self, x):
    x = x * 2
    return x.cos()
` + "```" + `

## Fix safety
No automatic fix: whether the caller relies on the mutation is not visible in the file.

## References
- [ExportDB: user_input_mutation](https://pytorch.org/docs/main/generated/exportdb/index.html#user-input-mutation)
- [torch.export: ExportGraphSignature and input mutations](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runUserInputMutation,
}

// uimMutation is one in-place write whose target is rooted at an identifier.
type uimMutation struct {
	node analysis.NodeID // reported
	root analysis.NodeID // the identifier mutated
	how  string          // "in-place mul_()", "+=", ...
}

func runUserInputMutation(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Classes(func(c *analysis.Class) {
		if !f.IsModule(c) {
			return
		}
		fwd := c.Methods["forward"]
		if fwd == nil || !f.Traced(fwd) || len(fwd.Params) < 2 || t.Kind(fwd.Node) != syntax.KindFunctionDefinition {
			return
		}
		if pass.UsedAsSubmodule(c) {
			return // its forward runs on the parent's intermediate tensors
		}
		for _, m := range uimCandidates(f, fwd) {
			param, alias, ok := uimInput(f, fwd, t.String(m.root), t.Start(m.node), 0)
			if !ok {
				continue
			}
			if alias == "" && (strings.HasPrefix(m.how, "item") || strings.HasSuffix(m.how, "=") && m.how != "out=") {
				if esContainerParam(f, fwd, param) != "" {
					continue // a write to a dict, list or set input is input_container_mutation's
				}
				if p := fwd.Param(param); p != nil && (p.Kind == analysis.VarKeyword || p.Kind == analysis.VarPositional) {
					continue // kwargs["k"] = v writes to the dict Python built for this call
				}
			}
			through := ""
			if alias != "" {
				through = " through " + alias
			}
			pass.Reportf(m.node, analysis.Caveat, "%s mutates forward input %s%s; export records it as a user-input mutation of the exported program", m.how, param, through)
		}
	})
}

// uimCandidates collects the in-place writes of fn's own body (nested functions aside).
func uimCandidates(f *analysis.File, fn *analysis.Function) []uimMutation {
	t := f.Tree
	var out []uimMutation
	add := func(node, target analysis.NodeID, how string) {
		if r := uimViewRoot(t, target); r != analysis.NoNode {
			out = append(out, uimMutation{node: node, root: r, how: how})
		}
	}
	for _, call := range f.OwnNodes(fn, syntax.KindCall) {
		if recv, ok := f.InPlaceMethod(fn, call); ok {
			callee := t.Unparen(t.Field(call, syntax.FieldFunction))
			if m := t.String(t.Field(callee, syntax.FieldAttribute)); torchsem.IsInPlace(m) {
				add(call, recv, "in-place "+m+"()")
			}
			continue
		}
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || !f.IsImported(callee) {
			continue
		}
		q := f.Resolve(callee)
		if !strings.HasPrefix(q, "torch.") {
			continue
		}
		pos, _ := f.Args(call)
		last := q[strings.LastIndexByte(q, '.')+1:]
		switch {
		case len(last) > 1 && strings.HasSuffix(last, "_") && !strings.HasSuffix(last, "__") && last[0] != '_':
			if len(pos) > 0 {
				add(call, pos[0], last+"()")
			}
		case f.KwArg(call, "out") != analysis.NoNode:
			add(call, f.KwArg(call, "out"), "out=")
		default:
			if v := f.KwArg(call, "inplace"); v != analysis.NoNode && t.Kind(v) == syntax.KindTrue && len(pos) > 0 {
				add(call, pos[0], last+"(inplace=True)")
			}
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAugmentedAssignment) {
		left := t.Unparen(t.Field(a, syntax.FieldLeft))
		if left == analysis.NoNode {
			continue
		}
		if t.Kind(left) == syntax.KindSubscript {
			add(a, t.Field(left, syntax.FieldValue), "item "+t.Operator(a))
		} else {
			add(a, left, t.Operator(a))
		}
	}
	for _, a := range f.OwnNodes(fn, syntax.KindAssignment) {
		left := t.Field(a, syntax.FieldLeft)
		if left != analysis.NoNode && t.Kind(left) == syntax.KindSubscript {
			add(a, t.Field(left, syntax.FieldValue), "item assignment")
		}
	}
	return out
}

// uimViewRoot returns the identifier whose storage n shares: n itself, a view of it (basic
// indexing, .view(...), .T, .data, ...), or NoNode.
func uimViewRoot(t *syntax.Tree, n analysis.NodeID) analysis.NodeID {
	for depth := 0; depth < 16; depth++ {
		n = t.Unparen(n)
		if n == analysis.NoNode {
			return analysis.NoNode
		}
		switch t.Kind(n) {
		case syntax.KindIdentifier:
			return n
		case syntax.KindSubscript:
			basic := true
			t.Children(n, func(c analysis.NodeID) bool {
				if t.FieldOf(c) != syntax.FieldSubscript {
					return true
				}
				switch t.Kind(c) {
				case syntax.KindInteger, syntax.KindSlice, syntax.KindEllipsis, syntax.KindNone:
				case syntax.KindUnaryOperator:
					basic = t.Kind(t.Field(c, syntax.FieldArgument)) == syntax.KindInteger
				default:
					basic = false // x[mask], x[idx]: advanced indexing copies
				}
				return basic
			})
			if !basic {
				return analysis.NoNode
			}
			n = t.Field(n, syntax.FieldValue)
		case syntax.KindAttribute:
			if !torchsem.IsViewAttr(t.String(t.Field(n, syntax.FieldAttribute))) {
				return analysis.NoNode
			}
			n = t.Field(n, syntax.FieldObject)
		case syntax.KindCall:
			callee := t.Unparen(t.Field(n, syntax.FieldFunction))
			if t.Kind(callee) != syntax.KindAttribute || !torchsem.IsViewMethod(t.String(t.Field(callee, syntax.FieldAttribute))) {
				return analysis.NoNode
			}
			n = t.Field(callee, syntax.FieldObject)
		default:
			return analysis.NoNode
		}
	}
	return analysis.NoNode
}

// uimInput resolves name, as it stands at byte offset at in fwd, to a tensor parameter of
// fwd: the parameter itself when not rebound before, or a local bound once to a view of one.
// It returns the parameter and, for a view, the local's name.
func uimInput(f *analysis.File, fwd *analysis.Function, name string, at, depth int) (param, alias string, ok bool) {
	t := f.Tree
	if depth > 4 {
		return "", "", false
	}
	body := t.Start(fwd.Body)
	var binds []analysis.NodeID // in the body (not the parameter), x += 1 aside: it keeps the binding
	for _, id := range f.Scope(fwd).Bindings(name) {
		if t.Start(id) >= body && t.Kind(t.Parent(id)) != syntax.KindAugmentedAssignment {
			binds = append(binds, id)
		}
	}
	if i := uimParamIndex(fwd, name); i >= 0 {
		if i == 0 || f.ScalarParam(&fwd.Params[i]) || f.Params(fwd)[i].Is(torchsem.Module) {
			return "", "", false // self, a Python scalar or a module: nothing to mutate in place
		}
		for _, b := range binds {
			if t.Start(b) < at {
				return "", "", false // rebound before the mutation (x = x.clone())
			}
		}
		return name, "", true
	}
	if len(binds) != 1 {
		return "", "", false
	}
	a := t.Parent(binds[0])
	v := pysem.AssignedValue(t, binds[0])
	if v == analysis.NoNode || t.Start(a) > at {
		return "", "", false
	}
	src := uimViewRoot(t, v)
	if src == analysis.NoNode {
		return "", "", false
	}
	param, _, ok = uimInput(f, fwd, t.String(src), t.Start(a), depth+1)
	return param, name, ok
}

// uimParamIndex returns the index of fn's parameter name, or -1.
func uimParamIndex(fn *analysis.Function, name string) int {
	for i := range fn.Params {
		if fn.Params[i].Name == name {
			return i
		}
	}
	return -1
}
