package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TypeReflectionMethod finds methods called through type(obj) in code export traces.
var TypeReflectionMethod = &analysis.Rule{
	Name: "type_reflection_method",
	Doc: `## What it does
Finds calls of the form ` + "`type(a).f(...)`" + ` in code that torch.export traces, where ` + "`a`" + ` is not
` + "`self`" + ` (` + "`type(self).m(...)`" + ` is an ordinary method call).

## Why is this bad
ExportDB lists this pattern as supported: export looks at the object the tracer holds,
resolves ` + "`type(a)`" + ` to its class and inlines the method. The resolution happens once, while
tracing: the exported program calls whatever method the traced object's class had, even if
other inputs would have produced objects of another class. ExportDB's own example calls
` + "`type()`" + ` followed by an attribute access "overly dynamic"; naming the class states plainly
what the exported program will do.

## Example
` + "```python" + `
def forward(self, x):
    a = A()
    return type(a).func(x)
` + "```" + `

## Use instead
Call the method on the class directly:
` + "```python" + `
def forward(self, x):
    return A.func(x)
` + "```" + `

## Fix safety
` + "`type(a)`" + ` is replaced by ` + "`A`" + ` only when ` + "`a`" + ` is bound exactly once in the same function, from
` + "`A(...)`" + ` where ` + "`A`" + ` is a class defined in the file, before the call; the fix is then safe.

## References
- [ExportDB: type_reflection_method](https://pytorch.org/docs/main/generated/exportdb/index.html#type-reflection-method)
- [Python: type()](https://docs.python.org/3/library/functions.html#type)
`,
	Local: true,
	Run:   runTypeReflectionMethod,
}

func runTypeReflectionMethod(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || t.Kind(callee) != syntax.KindAttribute {
			return
		}
		typeExpr := t.Field(callee, syntax.FieldObject) // (type(a)) with its parentheses
		typeCall := t.Unparen(typeExpr)
		if typeCall == analysis.NoNode || t.Kind(typeCall) != syntax.KindCall {
			return
		}
		tf := t.Field(typeCall, syntax.FieldFunction)
		if tf == analysis.NoNode || t.Kind(tf) != syntax.KindIdentifier || !t.TextIs(tf, "type") {
			return
		}
		if f.Callee(fn, typeCall).Builtin != "type" {
			return // a type() of the code's own
		}
		pos, kw := f.Args(typeCall)
		if len(pos) != 1 || len(kw) > 0 {
			return
		}
		a := t.Unparen(pos[0])
		if self := fn.SelfName(); self != "" && t.Kind(a) == syntax.KindIdentifier && t.TextIs(a, self) {
			return // type(self).m(...): a method of the module
		}
		attr := t.Field(callee, syntax.FieldAttribute)
		if attr == analysis.NoNode {
			return
		}
		method := t.String(attr)
		fd := pass.Reportf(call, analysis.Note, "type(%s).%s() picks the method from the class of %s seen while tracing", t.String(a), method, t.String(a))
		if cls, ok := trmBuiltFrom(f, fn, a, call); ok {
			fd.Fixes = append(fd.Fixes, analysis.Fix{
				Title:  "call " + method + " on " + cls + " directly",
				Safety: analysis.Safe,
				Edits:  []analysis.Edit{{Start: t.Start(typeExpr), End: t.End(typeExpr), NewText: cls}},
			})
		}
	})
}

// trmBuiltFrom returns the class name A when identifier a is bound exactly once in fn's own
// scope, by `a = A(...)` before use, A being a class of this file that the scope of fn does
// not rebind.
func trmBuiltFrom(f *analysis.File, fn *analysis.Function, a, use analysis.NodeID) (string, bool) {
	t := f.Tree
	if t.Kind(a) != syntax.KindIdentifier {
		return "", false
	}
	id, scope := f.OnlyBinding(fn, t.String(a))
	value := pysem.AssignedValue(t, id)
	if scope != fn || value == analysis.NoNode || t.Start(id) > t.Start(use) {
		return "", false // a parameter, bound twice or outside fn, or not by a plain assignment
	}
	value = t.Unparen(value)
	if t.Kind(value) != syntax.KindCall {
		return "", false
	}
	cls := t.Field(value, syntax.FieldFunction)
	if cls == analysis.NoNode || t.Kind(cls) != syntax.KindIdentifier || f.ClassNamed(t.String(cls)) == nil {
		return "", false
	}
	name := t.String(cls)
	if f.Binder(fn, name) != nil {
		return "", false
	}
	return name, true
}
