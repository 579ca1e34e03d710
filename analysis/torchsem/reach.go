package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// notModules are capitalised torch.nn names that are not nn.Module subclasses.
var notModules = map[string]bool{"torch.nn.Parameter": true, "torch.nn.parameter.Parameter": true, "torch.nn.Buffer": true}

// isModuleBase reports whether a resolved base class name is nn.Module or one of its
// subclasses from torch.nn or Lightning.
func isModuleBase(q string) bool {
	if notModules[q] {
		return false
	}
	if strings.HasPrefix(q, "torch.nn.") {
		last := q[strings.LastIndexByte(q, '.')+1:]
		return last != "" && last[0] >= 'A' && last[0] <= 'Z'
	}
	return strings.HasSuffix(q, "LightningModule")
}

// resolveModules marks nn.Module and autograd.Function subclasses, following bases
// defined in this file.
func (f *File) resolveModules() {
	for changed := true; changed; {
		changed = false
		for _, c := range f.Classes {
			for _, b := range c.Bases {
				isMod := isModuleBase(b)
				isAuto := b == "torch.autograd.Function"
				if bc := f.ClassNamed(b); bc != nil && bc != c {
					isMod = isMod || f.module[bc]
					isAuto = isAuto || f.autograd[bc]
				}
				if isMod && !f.module[c] {
					f.module[c], changed = true, true
				}
				if isAuto && !f.autograd[c] {
					f.autograd[c], changed = true, true
				}
			}
		}
	}
}

// notTracedDecorators mark functions whose body export does not trace: their result is
// burned in as a constant.
func (f *File) notTraced(fn *Function) bool {
	for _, d := range fn.Decorators {
		if strings.HasSuffix(f.Resolve(d), "assume_constant_result") {
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

// trace marks the functions torch.export traces: forward of every nn.Module class, then
// everything it reaches in this file (methods through self/cls/type(self)/self.__class__,
// module-level helpers, nested functions and lambdas, functions passed to cond/map,
// submodules' forward, decorators wrapping traced functions).
func (f *File) trace() {
	var work []*Function
	rebound := f.reboundConstant()
	mark := func(fn *Function, why string) {
		if fn == nil || f.Traced(fn) || f.notTraced(fn) || (fn.Parent == nil && fn.Class == nil && rebound[fn.Name]) {
			return
		}
		f.traced[fn.Index()] = why
		work = append(work, fn)
	}
	for _, c := range f.Classes {
		if f.module[c] {
			if fwd := c.Methods["forward"]; fwd != nil {
				mark(fwd, "forward of "+c.Name)
			}
		}
	}
	t := f.Tree
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		why := "called from " + fn.QualName()
		// nested functions and lambdas run only when called or passed on, but export traces
		// every call a traced body makes, so treat them as traced with their parent.
		for _, g := range f.Funcs[fn.Index()+1:] {
			if !t.Contains(fn.Node, g.Node) {
				break
			}
			if g.Parent == fn {
				mark(g, "nested in "+fn.QualName())
			}
		}
		for _, d := range fn.Decorators {
			name := t.Unparen(d)
			if t.Kind(name) == syntax.KindCall {
				name = t.Field(name, syntax.FieldFunction)
			}
			if t.Kind(name) == syntax.KindIdentifier {
				mark(f.LookupFunc(fn.Parent, t.String(name)), "decorates "+fn.QualName())
			}
		}
		for _, call := range f.OwnNodes(fn, syntax.KindCall) {
			mark(f.CalleeFunc(fn, t.Field(call, syntax.FieldFunction)), why)
			// functions passed as arguments (cond/map branches, callbacks)
			pos, kws := f.Args(call)
			for _, a := range pos {
				mark(f.CalleeFunc(fn, a), "passed from "+fn.QualName())
			}
			for _, k := range kws {
				mark(f.CalleeFunc(fn, t.Field(k, syntax.FieldValue)), "passed from "+fn.QualName())
			}
		}
	}
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
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		name := t.String(e)
		if g := f.LookupFunc(fn, name); g != nil {
			return g
		}
		if c := f.ClassNamed(name); c != nil && !f.module[c] && !f.autograd[c] {
			return c.Methods["__init__"]
		}
	case syntax.KindLambda:
		return f.FuncAt(e)
	case syntax.KindAttribute:
		obj := t.Unparen(t.Field(e, syntax.FieldObject))
		attr := t.String(t.Field(e, syntax.FieldAttribute))
		if c := f.ClassOfReceiver(fn, obj); c != nil {
			if m := f.Method(c, attr); m != nil {
				return m
			}
			// self.submodule: a call runs the submodule's forward
			if sub := f.AttrClass(c, attr); sub != nil && f.module[sub] {
				return f.Method(sub, "forward")
			}
		}
		// self.submodule.forward
		if t.Kind(obj) == syntax.KindAttribute {
			inner := t.Unparen(t.Field(obj, syntax.FieldObject))
			if c := f.ClassOfReceiver(fn, inner); c != nil {
				if sub := f.AttrClass(c, t.String(t.Field(obj, syntax.FieldAttribute))); sub != nil {
					return f.Method(sub, attr)
				}
			}
		}
	}
	return nil
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
