package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Decorator recognises decorators wrapping forward or a function forward reaches.
var Decorator = &analysis.Rule{
	Name:      "decorator",
	HoverOnly: true,
	Doc: `## What it does
Recognises a decorator applied to ` + "`forward`" + ` or to a function that ` + "`forward`" + ` reaches, in code that
torch.export traces. It is shown on hover only: the pattern exports as written.

## Why is this bad
It is not. The decorated name is bound to whatever the decorator returned, usually a wrapper,
and export traces that wrapper like any other Python code: the wrapper's own tensor operations
are inlined into the graph next to those of the function it wraps. Python-level work in the
wrapper (logging, timing, caching, argument checks) runs once, at export time, and leaves no
trace in the exported program.

## Example
` + "```python" + `
def add_one(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs) + 1
    return wrapper

class M(torch.nn.Module):
    @add_one
    def forward(self, x, y):
        return x + y  # the exported graph computes x + y + 1
` + "```" + `

## Use instead
Nothing to change. Keep behaviour that must happen on every call out of Python-only side
effects in the wrapper: only tensor operations are recorded.

## Fix safety
No fix is offered.

## References
- [ExportDB: decorator](https://pytorch.org/docs/main/generated/exportdb/index.html#decorator)
`,
	Local: true,
	Run:   runDecorator,
}

// decoratorMarkers are decorators that mark or describe a function without wrapping a
// traced call (or that other cases cover: classmethod, assume_constant_result).
var decoratorMarkers = map[string]bool{
	"classmethod": true, "staticmethod": true, "property": true,
	"functools.wraps": true, "functools.cached_property": true,
	"abc.abstractmethod": true, "typing.overload": true, "typing.final": true, "typing_extensions.override": true,
	"typing.override": true, "overload": true, "abstractmethod": true, "override": true, "final": true,
}

// decoratorName returns the name of the callable a decorator expression applies:
// "test_decorator" for @test_decorator, "torch.no_grad" for @torch.no_grad().
func decoratorName(f *analysis.File, d analysis.NodeID) (analysis.NodeID, string) {
	t := f.Tree
	e := t.Unparen(d)
	if e != analysis.NoNode && t.Kind(e) == syntax.KindCall {
		e = t.Unparen(t.Field(e, syntax.FieldFunction))
	}
	if e == analysis.NoNode {
		return analysis.NoNode, ""
	}
	return e, f.Resolve(e)
}

func decoratorIsMarker(q string) bool {
	if q == "" || decoratorMarkers[q] {
		return true
	}
	if strings.HasSuffix(q, ".setter") || strings.HasSuffix(q, ".getter") || strings.HasSuffix(q, ".deleter") {
		return true
	}
	return strings.HasPrefix(q, "torch.jit.") || strings.HasSuffix(q, ".assume_constant_result")
}

func runDecorator(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Funcs(func(fn *analysis.Function) {
		if !f.Traced(fn) || len(fn.Decorators) == 0 {
			return
		}
		for _, d := range fn.Decorators {
			e, q := decoratorName(f, d)
			if decoratorIsMarker(q) {
				continue
			}
			at := d
			if p := t.Parent(d); p != analysis.NoNode && t.Kind(p) == syntax.KindDecorator {
				at = p
			}
			fd := pass.Reportf(at, analysis.Recognized,
				"decorator %s wraps %s: export traces through the wrapper and inlines it into the graph",
				t.String(e), fn.QualName())
			if t.Kind(e) == syntax.KindIdentifier {
				if g := f.LookupFunc(fn.Parent, t.String(e)); g != nil && g != fn {
					n := t.Field(g.Node, syntax.FieldName)
					if n == analysis.NoNode {
						n = g.Node
					}
					fd.Related = append(fd.Related, analysis.Related{Start: t.Start(n), End: t.End(n),
						Message: "the decorator " + g.Name + " is defined here"})
				}
			}
		}
	})
}
