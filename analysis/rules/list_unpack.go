package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ListUnpack recognises star-unpacking of a list or tuple argument in traced code.
var ListUnpack = &analysis.Rule{
	Name:      "list_unpack",
	HoverOnly: true,
	Doc: `## What it does
Recognises star-unpacking (` + "`x, *y = args`" + `) of a list or tuple argument in code that
torch.export traces. It is shown on hover only: the pattern exports as written.

## Why is this bad
It is not. Lists and tuples of tensors are static structures for export: each element is its
own graph input, and the unpacking is resolved while tracing, so no trace of it is left in
the exported graph. The length of the list is fixed to the length of the example input: the
exported program expects a list of exactly that many tensors.

## Example
` + "```python" + `
def forward(self, args: List[torch.Tensor]):
    x, *y = args
    return x + y[0]
` + "```" + `

## Use instead
Nothing to change. Export with an example list of the length the program will be called
with.

## Fix safety
No fix is offered.

## References
- [ExportDB: list_unpack](https://pytorch.org/docs/main/generated/exportdb/index.html#list-unpack)
`,
	Local: true,
	Run:   runListUnpack,
}

func runListUnpack(pass *analysis.Pass) {
	t := pass.File.Tree
	pass.Traced(syntax.KindListSplatPattern, func(s analysis.NodeID, fn *analysis.Function) {
		pat := t.Parent(s)
		if pat == analysis.NoNode {
			return
		}
		switch t.Kind(pat) {
		case syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern:
		default:
			return // *args in a signature, or a nested pattern
		}
		a := t.Parent(pat)
		if a == analysis.NoNode || t.Kind(a) != syntax.KindAssignment || t.FieldOf(pat) != syntax.FieldLeft {
			return
		}
		right := t.Unparen(t.Field(a, syntax.FieldRight))
		if right == analysis.NoNode || t.Kind(right) != syntax.KindIdentifier {
			return
		}
		name := t.String(right)
		p := listUnpackParam(fn, name)
		if p == nil || !listUnpackSequence(t, p) {
			return
		}
		pass.Reportf(a, analysis.Recognized,
			"star-unpacking of %s is resolved while tracing: export treats %s as a fixed-length list of graph inputs", name, name)
	})
}

// listUnpackParam returns the parameter of fn or an enclosing function that name denotes
// (never self or cls), or nil.
func listUnpackParam(fn *analysis.Function, name string) *analysis.Param {
	for s := fn; s != nil; s = s.Parent {
		if p := s.Param(name); p != nil {
			if s.Class != nil && !s.StaticMethod && len(s.Params) > 0 && &s.Params[0] == p {
				return nil // self / cls
			}
			return p
		}
	}
	return nil
}

// listUnpackSequence reports whether a parameter may hold a list or tuple: *args, an
// annotation naming a sequence type, or no annotation and no scalar default.
func listUnpackSequence(t *syntax.Tree, p *analysis.Param) bool {
	switch p.Kind {
	case analysis.VarPositional:
		return true
	case analysis.VarKeyword:
		return false
	}
	if p.Type != analysis.NoNode {
		ty := t.String(p.Type)
		for _, s := range []string{"List", "list", "Tuple", "tuple", "Sequence", "Iterable"} {
			if strings.HasPrefix(ty, s) || strings.Contains(ty, "["+s) || strings.Contains(ty, "."+s) {
				return true
			}
		}
		return false
	}
	if p.Default != analysis.NoNode {
		switch t.Kind(t.Unparen(p.Default)) {
		case syntax.KindList, syntax.KindTuple, syntax.KindNone:
			return true
		}
		return false
	}
	return true
}
