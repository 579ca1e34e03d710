package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// notTraced reports whether export does not trace fn's body although code it traces calls
// fn: an assume_constant_result function (by a decorator, or by module-level code that
// rebinds its name to a wrapper: its result is burned in as a constant) or a custom
// operator (see customOp).
func (f *File) notTraced(fn *Function) bool {
	if fn.Parent == nil && fn.Class == nil && f.rebound[fn.Name] {
		return true
	}
	for _, d := range fn.Decorators {
		if strings.HasSuffix(f.Resolve(d), "assume_constant_result") {
			return true
		}
	}
	return f.customOp(fn)
}

// opaqueOpDecorators turn a function into a custom operator: export calls the operator's
// fake implementation while it traces and records one call of the operator in the graph; it
// never traces the function's body.
var opaqueOpDecorators = map[string]bool{
	"torch.library.custom_op": true, "torch._library.custom_ops.custom_op": true, "torch._custom_ops.custom_op": true,
	"torch.library.triton_op": true, "torch._library.triton.triton_op": true,
}

// customOp reports whether fn is decorated to be a custom operator
// (@torch.library.custom_op("ns::op", ...), triton_op).
func (f *File) customOp(fn *Function) bool {
	for _, d := range fn.Decorators {
		if f.Tree.Kind(d) == syntax.KindCall && opaqueOpDecorators[f.Resolve(f.Tree.Field(d, syntax.FieldFunction))] {
			return true
		}
	}
	return false
}

// reboundConstant returns the names that module-level code rebinds to an
// assume_constant_result wrapper (get_len = torch._dynamo.assume_constant_result(get_len)):
// calls of such a name run the wrapper, whose body export does not trace.
func (f *File) reboundConstant() map[string]bool {
	t := f.Tree
	var out map[string]bool
	for _, call := range f.Nodes(syntax.KindCall) {
		if f.Owner(call) != nil || t.FieldOf(call) != syntax.FieldRight {
			continue
		}
		a := t.Parent(call)
		l := t.Field(a, syntax.FieldLeft)
		if t.Kind(a) != syntax.KindAssignment || t.Parent(t.Parent(a)) != t.Root() || l == NoNode || t.Kind(l) != syntax.KindIdentifier ||
			!strings.HasSuffix(f.Resolve(t.Field(call, syntax.FieldFunction)), "assume_constant_result") {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[t.String(l)] = true
	}
	return out
}

// CalleeFunc resolves an expression used as a callable inside fn to a function of this file:
// a local or module-level function, self.method / cls.method / type(self).method /
// self.__class__.method, Class.method, self.submodule.forward or self.submodule (its
// forward), and a class of this file (its __init__, for plain classes). It returns nil when
// the callee is not defined in this file.
func (f *File) CalleeFunc(fn *Function, e NodeID) *Function {
	t := f.Tree
	e = t.Unparen(e)
	if e == NoNode {
		return nil
	}
	if t.Kind(e) == syntax.KindLambda {
		return f.FuncAt(e)
	}
	ev := evaluator{p: f.prog}
	c := ev.calleeOf(f, fn, e, false)
	if c.File != f {
		return nil
	}
	if c.Class != nil && (f.module[c.Class] || f.autograd[c.Class]) {
		return nil
	}
	return c.Func
}

// TracedFuncs returns the functions export traces, in source order.
func (f *File) TracedFuncs() []*Function {
	var out []*Function
	for _, fn := range f.Funcs {
		if f.Traced(fn) {
			out = append(out, fn)
		}
	}
	return out
}

// IsTraced reports whether node n lies in code export traces.
func (f *File) IsTraced(n NodeID) bool {
	return f.Traced(f.Owner(n))
}

// ModuleClasses returns the nn.Module classes of the file.
func (f *File) ModuleClasses() []*Class {
	var out []*Class
	for _, c := range f.Classes {
		if f.module[c] {
			out = append(out, c)
		}
	}
	return out
}
