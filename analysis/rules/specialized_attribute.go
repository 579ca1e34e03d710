package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// SpecializedAttribute finds constant module attributes that forward branches or computes on.
var SpecializedAttribute = &analysis.Rule{
	Name: "specialized_attribute",
	Doc: `## What it does
Finds reads of ` + "`self.attr`" + ` in code that torch.export traces, where ` + "`__init__`" + ` sets the attribute
once to a constant (a string, number, bool or enum member) and nothing else assigns it, and
the read takes part in a condition, a comparison or arithmetic.

Submodules, parameters, buffers, attributes holding tensors and attributes computed from
` + "`__init__`" + `'s arguments are not reported, nor are plain uses such as passing the value to a
call.

## Why is this bad
Export treats non-tensor attributes of the module as constants: it reads their value while
tracing and burns it into the graph. In the ExportDB example ` + "`if self.a == Animal.COW.value`" + `
disappears and ` + "`self.b`" + ` becomes the literal ` + "`4`" + ` in ` + "`add(mul, 4)`" + `. Changing the attribute on the
module after export has no effect on the exported program; only the branch taken while
tracing is kept.

## Example
` + "```python" + `
def __init__(self):
    super().__init__()
    self.a = "moo"
    self.b = 4

def forward(self, x):
    if self.a == Animal.COW.value:
        return x * x + self.b
    raise ValueError("bad")
` + "```" + `

## Use instead
Nothing, when the value is configuration that is fixed for the exported model. When it must
vary at run time, pass it as a tensor input or keep it in a buffer, and branch with
` + "`torch.cond`" + ` rather than ` + "`if`" + `.

## Fix safety
No automatic fix: whether the value is configuration or state is a design choice.

## References
- [ExportDB: specialized_attribute](https://pytorch.org/docs/main/generated/exportdb/index.html#specialized-attribute)
- [torch.export: constants and specialization](https://pytorch.org/docs/main/export.html)
`,
	Local: true,
	Run:   runSpecializedAttribute,
}

// saAssigns records, per class, how often __init__ assigns each self attribute and which
// attributes other methods assign.
type saAssigns struct {
	init    map[string]int
	mutated map[string]bool
}

func runSpecializedAttribute(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var info map[*analysis.Class]*saAssigns
	pass.Traced(syntax.KindAttribute, func(n analysis.NodeID, fn *analysis.Function) {
		obj := t.Field(n, syntax.FieldObject)
		if obj == analysis.NoNode || t.Kind(obj) != syntax.KindIdentifier {
			return
		}
		if self := fn.SelfName(); self == "" || !t.TextIs(obj, self) {
			return
		}
		how := saUse(t, n)
		if how == "" {
			return
		}
		cls, _ := f.ModuleSelf(fn)
		if cls == nil {
			return
		}
		an := t.Field(n, syntax.FieldAttribute)
		if an == analysis.NoNode {
			return
		}
		attr := t.String(an)
		v, owner := f.InitAssignment(cls, attr)
		if v == analysis.NoNode {
			return
		}
		konst, ok := saConstant(f, v)
		if !ok {
			return
		}
		if info == nil {
			info = map[*analysis.Class]*saAssigns{}
		}
		for _, c := range []*analysis.Class{cls, owner} {
			a := info[c]
			if a == nil {
				a = saCollect(f, c)
				info[c] = a
			}
			if a.mutated[attr] || (c == owner && a.init[attr] != 1) {
				return
			}
		}
		pass.Reportf(n, analysis.Note, "self.%s in this %s is burned into the graph as its __init__ value %s", attr, how, fix.Clip(konst, 40))
	})
}

// saUse says how the attribute read n is used: "condition", "comparison", "arithmetic", or
// "" for anything else (an argument, an attribute access, a return value...).
func saUse(t *syntax.Tree, n analysis.NodeID) string {
	cur := n
	p := t.Parent(cur)
	for p != analysis.NoNode && t.Kind(p) == syntax.KindParenthesizedExpression {
		cur, p = p, t.Parent(p)
	}
	if p == analysis.NoNode {
		return ""
	}
	switch t.Kind(p) {
	case syntax.KindBinaryOperator, syntax.KindUnaryOperator:
		return "arithmetic"
	case syntax.KindComparisonOperator:
		return "comparison"
	case syntax.KindBooleanOperator, syntax.KindNotOperator:
		return "condition"
	case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement:
		if t.FieldOf(cur) == syntax.FieldCondition {
			return "condition"
		}
	case syntax.KindConditionalExpression:
		if t.NamedChild(p, 1) == cur {
			return "condition"
		}
	case syntax.KindAugmentedAssignment:
		if t.FieldOf(cur) == syntax.FieldRight {
			return "arithmetic"
		}
	}
	return ""
}

// saConstant returns the source of v when it is a constant export specialises on: a
// number, string, bool or enum member of this file.
func saConstant(f *analysis.File, v analysis.NodeID) (string, bool) {
	t := f.Tree
	v = t.Unparen(v)
	switch t.Kind(v) {
	case syntax.KindInteger, syntax.KindFloat, syntax.KindTrue, syntax.KindFalse, syntax.KindConcatenatedString:
		return t.String(v), true
	case syntax.KindString:
		if !pysem.HasInterpolation(t, v) {
			return t.String(v), true
		}
	case syntax.KindUnaryOperator:
		if k := t.Kind(t.Unparen(t.Field(v, syntax.FieldArgument))); k == syntax.KindInteger || k == syntax.KindFloat {
			return t.String(v), true
		}
	case syntax.KindAttribute:
		// Animal.COW, Animal.COW.value, Animal.COW.name
		e := v
		if a := t.Field(e, syntax.FieldAttribute); a != analysis.NoNode && (t.TextIs(a, "value") || t.TextIs(a, "name")) {
			if inner := t.Field(e, syntax.FieldObject); inner != analysis.NoNode && t.Kind(inner) == syntax.KindAttribute {
				e = inner
			}
		}
		cls := t.Field(e, syntax.FieldObject)
		if cls == analysis.NoNode || t.Kind(cls) != syntax.KindIdentifier {
			return "", false
		}
		if c := f.ClassNamed(t.String(cls)); c != nil && f.IsEnum(c) {
			return t.String(v), true
		}
	}
	return "", false
}

// saCollect counts the assignments to self attributes in c's methods.
func saCollect(f *analysis.File, c *analysis.Class) *saAssigns {
	t := f.Tree
	a := &saAssigns{init: map[string]int{}, mutated: map[string]bool{}}
	note := func(m *analysis.Function, target analysis.NodeID) {
		attr := f.SelfAttr(m, target)
		if attr == "" {
			return
		}
		if m.Name == "__init__" {
			a.init[attr]++
		} else {
			a.mutated[attr] = true
		}
	}
	for _, m := range c.Methods {
		if m.SelfName() == "" {
			continue
		}
		for _, k := range []syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment} {
			for _, as := range f.NodesIn(m, k) {
				left := t.Field(as, syntax.FieldLeft)
				if left == analysis.NoNode {
					continue
				}
				if t.Kind(left) == syntax.KindAttribute {
					note(m, left)
					continue
				}
				t.Children(left, func(c analysis.NodeID) bool {
					note(m, c)
					return true
				})
			}
		}
	}
	return a
}
