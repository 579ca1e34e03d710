package torchsem

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Calls through containers: which held modules a callable expression names (containers.go
// reads what the containers hold), and what calling them passes and returns.

// moduleSet resolves a callable expression inside fn to the modules of containers it may
// name: self.blocks[i], self.heads["cls"], self.body.s2d, a loop variable over self.blocks
// (or .values(), .items(), enumerate, zip), a name assigned one of these. nil when it names
// none the analysis knows.
func (e *evaluator) moduleSet(f *File, fn *Function, x NodeID) *modSet {
	if fn == nil {
		return nil
	}
	mods, ok := e.usedMods(f, fn, x, 0)
	if !ok {
		return nil
	}
	for _, m := range mods {
		if m != (modRef{}) {
			return &modSet{mods: mods}
		}
	}
	return nil
}

// usedMods is what modules x may be inside fn; ok is false when x is not known to be a
// module at all.
func (e *evaluator) usedMods(f *File, fn *Function, x NodeID, depth int) ([]modRef, bool) {
	t := f.Tree
	x = t.Unparen(x)
	if depth > maxContainerDepth {
		return nil, false
	}
	switch t.Kind(x) {
	case syntax.KindAttribute:
		obj, name := t.Field(x, syntax.FieldObject), t.String(t.Field(x, syntax.FieldAttribute))
		if sc := f.selfClass(fn, obj); sc != nil {
			if a := e.attr(f, sc, name); a.Kind == AttrSubmodule {
				return []modRef{attrMod(a)}, true
			}
			return nil, false
		}
		base, ok := e.usedMods(f, fn, obj, depth+1)
		if !ok {
			return nil, false
		}
		var out []modRef
		for _, m := range base {
			out = append(out, e.member(m, name)...)
		}
		return out, true
	case syntax.KindSubscript:
		base, ok := e.usedMods(f, fn, t.Field(x, syntax.FieldValue), depth+1)
		if !ok {
			return nil, false
		}
		var out []modRef
		for _, m := range base {
			out = append(out, e.item(f, m, t.Field(x, syntax.FieldSubscript))...)
		}
		return out, true
	case syntax.KindIdentifier:
		binder := f.Binder(fn, t.String(x))
		if binder == nil || binder.Param(t.String(x)) != nil {
			return nil, false
		}
		var out []modRef
		known := false
		for _, b := range f.Scope(binder).Bindings(t.String(x)) {
			var mods []modRef
			ok := false
			if v := pysem.AssignedValue(t, b); v != NoNode {
				mods, ok = e.usedMods(f, binder, v, depth+1)
			} else if loop := t.Ancestor(b, syntax.KindForStatement); loop != NoNode && t.Contains(t.Field(loop, syntax.FieldLeft), b) {
				mods, ok = e.loopMods(f, binder, loop, b, depth+1)
			}
			if !ok {
				mods = []modRef{{}}
			}
			known = known || ok
			out = append(out, mods...)
		}
		return out, known
	}
	return nil, false
}

// loopMods is what loop variable b of for-statement loop holds, when the loop iterates over
// modules: the children of a container (for blk in self.blocks), of .values(), .children(),
// the second of .items() / .named_children() / enumerate(), the i-th of zip().
func (e *evaluator) loopMods(f *File, fn *Function, loop, b NodeID, depth int) ([]modRef, bool) {
	t := f.Tree
	left, iter := t.Unparen(t.Field(loop, syntax.FieldLeft)), t.Unparen(t.Field(loop, syntax.FieldRight))
	if left == b {
		return e.elements(f, fn, iter, depth)
	}
	// for a, b in ...: the position of b in the target
	idx := -1
	i := 0
	t.Children(left, func(c NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			if t.Unparen(c) == b {
				idx = i
			}
			i++
		}
		return true
	})
	if idx < 0 || t.Kind(iter) != syntax.KindCall {
		return nil, false
	}
	callee := t.Unparen(t.Field(iter, syntax.FieldFunction))
	pos, _ := f.Args(iter)
	switch {
	case t.Kind(callee) == syntax.KindIdentifier && !f.IsImported(callee):
		switch t.String(callee) {
		case "enumerate":
			if idx == 1 && i == 2 && len(pos) >= 1 {
				return e.elements(f, fn, pos[0], depth)
			}
		case "zip":
			if i == len(pos) && idx < len(pos) {
				return e.elements(f, fn, pos[idx], depth)
			}
		}
	case t.Kind(callee) == syntax.KindAttribute && len(pos) == 0 && idx == 1 && i == 2:
		switch t.String(t.Field(callee, syntax.FieldAttribute)) {
		case "items", "named_children":
			if base, ok := e.usedMods(f, fn, t.Field(callee, syntax.FieldObject), depth+1); ok {
				return allChildren(e, base), true
			}
		}
	}
	return nil, false
}

// elements is what iterating over x gives when x holds modules: a container's children
// (not a ModuleDict's, whose iteration gives its keys), directly or through .values(),
// .children(), reversed() or a slice.
func (e *evaluator) elements(f *File, fn *Function, x NodeID, depth int) ([]modRef, bool) {
	t := f.Tree
	x = t.Unparen(x)
	if t.Kind(x) == syntax.KindCall {
		callee := t.Unparen(t.Field(x, syntax.FieldFunction))
		pos, _ := f.Args(x)
		switch {
		case t.Kind(callee) == syntax.KindIdentifier && t.TextIs(callee, "reversed") && !f.IsImported(callee) && len(pos) == 1:
			return e.elements(f, fn, pos[0], depth+1)
		case t.Kind(callee) == syntax.KindAttribute && len(pos) == 0:
			switch t.String(t.Field(callee, syntax.FieldAttribute)) {
			case "values", "children":
				if base, ok := e.usedMods(f, fn, t.Field(callee, syntax.FieldObject), depth+1); ok {
					return allChildren(e, base), true
				}
			}
		}
		return nil, false
	}
	base, ok := e.usedMods(f, fn, x, depth+1)
	if !ok {
		return nil, false
	}
	var out []modRef
	for _, m := range base {
		if m.cont != nil && m.cont.kind == "ModuleDict" {
			return nil, false
		}
		out = append(out, allChildren(e, []modRef{m})...)
	}
	return out, true
}

// allChildren is every child of the containers among mods (unknown for other modules).
func allChildren(e *evaluator, mods []modRef) []modRef {
	var out []modRef
	for _, m := range mods {
		if m.cont == nil {
			out = append(out, modRef{})
			continue
		}
		for _, g := range m.cont.get(e) {
			for _, c := range g.children {
				out = append(out, c.mod)
			}
		}
	}
	return out
}

// member is m.name: a container's child of that name, a module class's submodule.
func (e *evaluator) member(m modRef, name string) []modRef {
	switch {
	case m.cont != nil:
		var out []modRef
		unnamed := false
		for _, g := range m.cont.get(e) {
			for _, c := range g.children {
				if c.name == name {
					out = append(out, c.mod)
				} else if c.name == "" && (g.many || c.mod == modRef{}) {
					unnamed = true
				}
			}
		}
		if len(out) == 0 || unnamed {
			out = append(out, modRef{})
		}
		return out
	case m.class != nil:
		if a := e.attr(m.file, m.class, name); a.Kind == AttrSubmodule {
			return []modRef{attrMod(a)}
		}
	}
	return []modRef{{}}
}

// item is m[idx]: a container's child at a literal index or key (when the children before
// it are known one by one), a Sequential's slice, any child otherwise.
func (e *evaluator) item(f *File, m modRef, idx NodeID) []modRef {
	t := f.Tree
	if m.cont == nil {
		return []modRef{{}}
	}
	groups := m.cont.get(e)
	idx = t.Unparen(idx)
	if t.Kind(idx) == syntax.KindSlice {
		sub := &container{kind: m.cont.kind, built: true, groups: []group{merged(groups)}}
		return []modRef{{cont: sub}}
	}
	if name, ok := f.stringLit(idx); ok {
		return e.member(m, name)
	}
	if k, ok := intLiteral(t, idx); ok && m.cont.kind != "ModuleDict" {
		if k < 0 {
			k = -k - 1
			groups = reversedGroups(groups)
		}
		for i, g := range groups {
			if g.many || g.maybe {
				break
			}
			if i == k {
				var out []modRef
				for _, c := range g.children {
					out = append(out, c.mod)
				}
				return out
			}
		}
	}
	return allChildren(e, []modRef{m})
}

func reversedGroups(groups []group) []group {
	out := make([]group, len(groups))
	for i, g := range groups {
		out[len(groups)-1-i] = g
	}
	return out
}

// input is what a held module is called with: the arguments of call (inside f's fn), or
// the value v the child before it returned; extra joins into its first positional argument
// (what the other children of a repeated group return).
type input struct {
	f     *File
	fn    *Function
	call  NodeID // NoNode: the value v
	v     Value
	extra Value
}

// first is the value of the input's first positional argument.
func (e *evaluator) first(in input) Value {
	if in.call == NoNode {
		return in.v.Join(in.extra)
	}
	pos, _ := in.f.Args(in.call)
	if len(pos) == 0 || in.f.Tree.Kind(pos[0]) == syntax.KindListSplat {
		return Unknown.Join(in.extra)
	}
	return e.expr(in.f, in.fn, pos[0]).Join(in.extra)
}

// bind is what each parameter of forward g (of gf) receives from in.
func (e *evaluator) bind(in input, gf *File, g *Function) []Value {
	var out []Value
	if in.call != NoNode {
		out = e.argValues(in.f, in.fn, in.call, Callee{File: gf, Func: g, Bound: 1})
	} else {
		out = make([]Value, len(g.Params))
		if len(out) > 0 {
			out[0] = Of(Module)
		}
		if len(out) > 1 {
			switch g.Params[1].Kind {
			case pysem.Positional:
				out[1] = in.v
			case pysem.VarPositional:
				out[1] = e.asElement(in.v)
			}
		}
	}
	if len(out) > 1 && !in.extra.IsZero() {
		switch g.Params[1].Kind {
		case pysem.Positional:
			out[1] = out[1].Join(in.extra)
		case pysem.VarPositional:
			out[1] = out[1].Join(e.asElement(in.extra))
		}
	}
	return out
}

// visitFunc receives each project forward a call through containers runs, with what it
// passes to its parameters.
type visitFunc func(gf *File, g *Function, args []Value)

// callModules is what calling one of ms with the arguments of call returns, visiting the
// forwards it runs.
func (e *evaluator) callModules(f *File, fn *Function, call NodeID, ms *modSet, visit visitFunc) Value {
	var out Value
	for _, m := range ms.mods {
		out = out.Join(e.runMod(m, input{f: f, fn: fn, call: call}, visit, 0))
	}
	return out
}

// calledUnknown is what calling a module nothing is known of returns.
var calledUnknown = Of(Tensor | TensorSeq | Other)

// runMod is what module m returns on in, visiting the forwards it runs.
func (e *evaluator) runMod(m modRef, in input, visit visitFunc, depth int) Value {
	switch {
	case m.class != nil:
		gf, g := e.p.method(m.file, m.class, "forward")
		if g == nil {
			return calledUnknown
		}
		if visit != nil {
			visit(gf, g, e.bind(in, gf, g))
		}
		return e.p.retOf(e, gf, g).keepRoots(e.argRoots(in))
	case m.layer != "":
		return e.layerValue(m.layer, e.first(in), true)
	case m.cont != nil && m.cont.kind == "Sequential" && depth < maxContainerDepth:
		return e.runSequential(m.cont.get(e), in, visit, depth+1)
	}
	return calledUnknown
}

// runSequential runs a Sequential's groups in order, each on what the one before returns.
func (e *evaluator) runSequential(groups []group, in input, visit visitFunc, depth int) Value {
	cur := in
	for _, g := range groups {
		gin := cur
		if g.many {
			// any child of the group may follow any other: each receives what they return
			var back Value
			for _, c := range g.children {
				back = back.Join(e.runMod(c.mod, cur, nil, depth))
			}
			gin.extra = gin.extra.Join(back)
		}
		var out Value
		for _, c := range g.children {
			out = out.Join(e.runMod(c.mod, gin, visit, depth))
		}
		if g.many || g.maybe {
			cur.extra = cur.extra.Join(out)
		} else {
			cur = input{call: NoNode, v: out}
		}
	}
	return e.first(cur)
}
