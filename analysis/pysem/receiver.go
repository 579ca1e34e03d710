package pysem

import "github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"

// ClassOfReceiver returns the class an expression denotes or is an instance of, when that
// is known statically: self and cls in methods, type(self), self.__class__, and the name of
// a class of this file.
func (f *File) ClassOfReceiver(fn *Function, obj NodeID) *Class {
	t := f.Tree
	obj = t.Unparen(obj)
	if obj == NoNode {
		return nil
	}
	var method *Function
	if fn != nil {
		method = fn.Method()
	}
	switch t.Kind(obj) {
	case syntax.KindIdentifier:
		if method != nil && fn.SelfName() != "" && t.TextIs(obj, fn.SelfName()) {
			return method.Class
		}
		return f.classByName[t.String(obj)]
	case syntax.KindCall:
		// type(self)
		if f.Resolve(t.Field(obj, syntax.FieldFunction)) == "type" {
			pos, _ := f.Args(obj)
			if len(pos) == 1 && method != nil && t.TextIs(pos[0], fn.SelfName()) {
				return method.Class
			}
		}
	case syntax.KindAttribute:
		// self.__class__
		if t.TextIs(t.Field(obj, syntax.FieldAttribute), "__class__") && method != nil {
			if inner := t.Field(obj, syntax.FieldObject); inner != NoNode && t.TextIs(inner, fn.SelfName()) {
				return method.Class
			}
		}
	}
	return nil
}

// AttrClass returns the class of this file whose instance __init__ assigns to self.attr
// (self.attr = Class(...)), or nil.
func (f *File) AttrClass(c *Class, attr string) *Class {
	var out *Class
	f.Lineage(c, func(k *Class) bool {
		v, ok := k.InitAttrs[attr]
		if !ok || f.Tree.Kind(v) != syntax.KindCall {
			return true // not assigned a construction here: look in the base class
		}
		if name := f.Tree.Field(v, syntax.FieldFunction); f.Tree.Kind(name) == syntax.KindIdentifier {
			out = f.classByName[f.Tree.String(name)]
		}
		return false
	})
	return out
}

// RootName returns the identifier at the root of an attribute/subscript chain
// (x[0].data -> x), or NoNode.
func (f *File) RootName(n NodeID) NodeID { return RootOf(f.Tree, n) }

// RootOf is RootName for a tree.
func RootOf(t *syntax.Tree, n NodeID) NodeID {
	for depth := 0; depth < 64; depth++ {
		n = t.Unparen(n)
		if n == NoNode {
			return NoNode
		}
		switch t.Kind(n) {
		case syntax.KindIdentifier:
			return n
		case syntax.KindAttribute:
			n = t.Field(n, syntax.FieldObject)
		case syntax.KindSubscript:
			n = t.Field(n, syntax.FieldValue)
		default:
			return NoNode
		}
	}
	return NoNode
}
