package torchsem

import (
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// AttrKind says what a module's attribute (self.x) holds.
type AttrKind uint8

// Attribute kinds.
const (
	AttrUnknown   AttrKind = iota // not assigned where the model looks (__init__, the class body)
	AttrParameter                 // an nn.Parameter (assigned, or register_parameter)
	AttrBuffer                    // a buffer (register_buffer, nn.Buffer)
	AttrSubmodule                 // an nn.Module (a torch.nn layer or a module class of the project)
	AttrTensor                    // a plain tensor attribute: a constant of the exported program
	AttrValue                     // another Python value (a setting, a list, ...)
)

// Attr is what self.<name> of a class holds, from where __init__ or the class body assigns it.
type Attr struct {
	Kind      AttrKind
	Class     *Class // AttrSubmodule: the project's module class, when it is one
	ClassFile *File
	Layer     string // AttrSubmodule: the torch.nn class ("torch.nn.Linear"), when it is one
	File      *File  // where it is assigned
	Node      NodeID // the assigned value (or the register_* call)
	Value     Value
	cont      *container // a torch.nn container: what it holds (containers.go)
}

// Attr returns what self.<name> holds in instances of c (a class of f), looking through
// base classes in any file of the program.
func (f *File) Attr(c *Class, name string) Attr {
	e := evaluator{p: f.prog}
	return e.attr(f, c, name)
}

// attr returns c's attribute name, computing c's attribute table once.
func (e *evaluator) attr(f *File, c *Class, name string) Attr {
	var out Attr
	e.p.lineage(f, c, func(kf *File, k *Class) bool {
		a, ok := kf.attrTable(e, k).get(name)
		if ok {
			out = a
			return false
		}
		return true
	})
	return out
}

// attrList is a class's attribute table: its attributes, sorted by name. A list, not a map:
// ReplaceFrom copies the tables of the classes it keeps, one allocation each.
type attrList []namedAttr

type namedAttr struct {
	name string
	a    Attr
}

// get returns the attribute name.
func (l attrList) get(name string) (Attr, bool) {
	i, ok := slices.BinarySearchFunc(l, name, func(x namedAttr, name string) int { return strings.Compare(x.name, name) })
	if !ok {
		return Attr{}, false
	}
	return l[i].a, true
}

// listOf returns the attributes of tab as a list.
func listOf(tab map[string]Attr) attrList {
	l := make(attrList, 0, len(tab))
	for name, a := range tab {
		l = append(l, namedAttr{name, a})
	}
	slices.SortFunc(l, func(x, y namedAttr) int { return strings.Compare(x.name, y.name) })
	return l
}

// attrTable returns the attributes class c of f assigns itself (not its bases'), built on
// first use.
func (f *File) attrTable(e *evaluator, c *Class) attrList {
	f.mu.Lock()
	tab, ok := f.attrs[c]
	f.mu.Unlock()
	if ok {
		return tab
	}
	for _, b := range e.building {
		if b == c {
			return nil // an attribute read while the table is built (self.b = self.a * 2)
		}
	}
	e.building = append(e.building, c)
	tab = listOf(f.buildAttrTable(e, c))
	e.building = e.building[:len(e.building)-1]
	f.mu.Lock()
	if old, ok := f.attrs[c]; ok {
		tab = old
	} else {
		f.attrs[c] = tab
	}
	f.mu.Unlock()
	return tab
}

func (f *File) buildAttrTable(e *evaluator, c *Class) map[string]Attr {
	t := f.Tree
	tab := map[string]Attr{}
	init := c.Methods["__init__"]
	if init != nil {
		self := init.SelfName()
		for _, a := range f.OwnNodes(init, syntax.KindAssignment) {
			left := t.Field(a, syntax.FieldLeft)
			if t.Kind(left) != syntax.KindAttribute || !t.TextIs(t.Field(left, syntax.FieldObject), self) {
				continue
			}
			name := t.String(t.Field(left, syntax.FieldAttribute))
			if _, seen := tab[name]; seen {
				continue
			}
			right := t.Field(a, syntax.FieldRight)
			for t.Kind(right) == syntax.KindAssignment {
				right = t.Field(right, syntax.FieldRight)
			}
			tab[name] = f.classify(e, init, right)
		}
		for _, call := range f.OwnNodes(init, syntax.KindCall) {
			callee := t.Unparen(t.Field(call, syntax.FieldFunction))
			if t.Kind(callee) != syntax.KindAttribute || !t.TextIs(t.Field(callee, syntax.FieldObject), self) {
				continue
			}
			pos, _ := f.Args(call)
			if len(pos) == 0 || t.Kind(pos[0]) != syntax.KindString {
				continue
			}
			name := strings.Trim(t.String(pos[0]), `"'`)
			var a Attr
			switch method := t.String(t.Field(callee, syntax.FieldAttribute)); method {
			case "register_buffer":
				a = Attr{Kind: AttrBuffer, Value: Of(Tensor | StaticShape)}
			case "register_parameter":
				a = Attr{Kind: AttrParameter, Value: Of(Tensor | StaticShape)}
			case "add_module", "register_module":
				if len(pos) > 1 {
					a = f.classify(e, init, pos[1])
				}
			default:
				continue
			}
			a.File, a.Node = f, call
			if _, seen := tab[name]; !seen {
				tab[name] = a
			}
		}
	}
	// class-body assignments: class attributes every instance reads
	if body := t.Field(c.Node, syntax.FieldBody); body != NoNode {
		t.Children(body, func(st NodeID) bool {
			if t.Kind(st) != syntax.KindExpressionStatement {
				return true
			}
			a := t.NamedChild(st, 0)
			if t.Kind(a) != syntax.KindAssignment || t.Kind(t.Field(a, syntax.FieldLeft)) != syntax.KindIdentifier {
				return true
			}
			name := t.String(t.Field(a, syntax.FieldLeft))
			if _, seen := tab[name]; !seen && t.Field(a, syntax.FieldRight) != NoNode {
				tab[name] = f.classify(e, nil, t.Field(a, syntax.FieldRight))
			}
			return true
		})
	}
	return tab
}

// classify says what an attribute assigned value (in __init__, or the class body when
// init is nil) is.
func (f *File) classify(e *evaluator, init *Function, v NodeID) Attr {
	t := f.Tree
	v = t.Unparen(v)
	a := Attr{File: f, Node: v}
	if t.Kind(v) == syntax.KindCall {
		// self.patch_embed = embed_layer(...) with embed_layer: Callable = PatchEmbed, a
		// parameter of __init__ whose default is a module class: that class (what most
		// instances build; a caller may pass another)
		if m, ok := e.classParamDefault(f, init, t.Field(v, syntax.FieldFunction)); ok {
			switch {
			case m.class != nil:
				a.Kind, a.Class, a.ClassFile, a.Value = AttrSubmodule, m.class, m.file, Of(Module)
				return a
			case m.layer != "":
				a.Kind, a.Layer, a.Value = AttrSubmodule, m.layer, Of(Module)
				return a
			}
		}
		c := e.callee(f, init, v)
		switch {
		case c.API == "torch.nn.Parameter" || c.API == "torch.nn.parameter.Parameter":
			a.Kind, a.Value = AttrParameter, Of(Tensor|StaticShape)
			return a
		case c.API == "torch.nn.Buffer" || c.API == "torch.nn.parameter.Buffer":
			a.Kind, a.Value = AttrBuffer, Of(Tensor|StaticShape)
			return a
		case c.Class != nil:
			if f.prog.isModule(c.ClassFile, c.Class) {
				a.Kind, a.Class, a.ClassFile, a.Value = AttrSubmodule, c.Class, c.ClassFile, Of(Module)
				return a
			}
			a.Kind, a.Value = AttrValue, Unknown
			return a
		case c.API != "" && isLayerClass(c.API):
			a.Kind, a.Layer, a.Value = AttrSubmodule, c.API, Of(Module)
			if IsLayerContainer(c.API) {
				a.cont = newContainer(f, init, v, layerName(c.API))
			}
			return a
		case c.Func != nil && init != nil:
			// self.layer1 = self._make_layer(...): a builder returning a container
			if ms := e.modsOf(f, init, v, 0); len(ms) == 1 && ms[0].cont != nil {
				a.Kind, a.Layer, a.Value, a.cont = AttrSubmodule, "torch.nn."+ms[0].cont.kind, Of(Module), ms[0].cont
				return a
			}
		}
	}
	// self.blocks = blocks, blocks a container the function built (and appended to)
	if t.Kind(v) == syntax.KindIdentifier && init != nil {
		if id, scope := f.OnlyBinding(init, t.String(v)); id != NoNode && scope == init {
			if cv := pysem.AssignedValue(t, id); t.Kind(cv) == syntax.KindCall {
				if c := e.calleeOf(f, init, t.Field(cv, syntax.FieldFunction), false); c.API != "" && IsLayerContainer(c.API) {
					a.Kind, a.Layer, a.Value = AttrSubmodule, c.API, Of(Module)
					a.cont = newContainer(f, init, cv, layerName(c.API))
					return a
				}
			}
		}
	}
	val := e.expr(f, init, v)
	switch {
	case val.Is(Module):
		a.Kind = AttrSubmodule
	case val.Is(Tensor | modifiers):
		a.Kind = AttrTensor
		val.Kind |= StaticShape
	default:
		a.Kind = AttrValue
	}
	a.Value = val
	return a
}

// selfAttr is the value of self.<name> inside a method of c.
func (e *evaluator) selfAttr(f *File, c *Class, name string) Value {
	a := e.attr(f, c, name)
	if a.Kind == AttrUnknown {
		return Unknown
	}
	return a.Value
}

// selfClass returns the class of fn's method when obj is its self parameter, or nil.
func (f *File) selfClass(fn *Function, obj NodeID) *Class {
	if fn == nil {
		return nil
	}
	self := fn.SelfName()
	m := fn.Method()
	if self == "" || m == nil || m.ClassMethod {
		return nil
	}
	if obj = f.Tree.Unparen(obj); f.Tree.Kind(obj) == syntax.KindIdentifier && f.Tree.TextIs(obj, self) {
		return m.Class
	}
	return nil
}

// submoduleAttr is the value of self.sub.attr inside a method: the attribute of the
// submodule's own class when it is a class of the program, a parameter for the weight and
// bias of a torch.nn layer. ok is false for anything else.
func (e *evaluator) submoduleAttr(f *File, fn *Function, obj NodeID, attr string) (Value, bool) {
	t := f.Tree
	obj = t.Unparen(obj)
	if t.Kind(obj) != syntax.KindAttribute {
		return Value{}, false
	}
	sc := f.selfClass(fn, t.Field(obj, syntax.FieldObject))
	if sc == nil {
		return Value{}, false
	}
	a := e.attr(f, sc, t.String(t.Field(obj, syntax.FieldAttribute)))
	switch {
	case a.Kind != AttrSubmodule:
	case a.Class != nil:
		if sa := e.attr(a.ClassFile, a.Class, attr); sa.Kind != AttrUnknown {
			return sa.Value, true
		}
	case attr == "weight" || attr == "bias":
		return Of(Tensor | StaticShape), true
	}
	return Value{}, false
}
