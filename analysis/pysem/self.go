package pysem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// SelfAttr returns attr when n is `self.attr` inside fn, self being the first parameter of
// the method fn is (or is nested in); "" for anything else.
func (f *File) SelfAttr(fn *Function, n NodeID) string {
	if fn == nil {
		return ""
	}
	return SelfAttrOf(f.Tree, n, fn.SelfName())
}

// SelfAttrOf returns attr when n is `<self>.attr` for the given name of self, else "".
func SelfAttrOf(t *syntax.Tree, n NodeID, self string) string {
	n = t.Unparen(n)
	if self == "" || t.Kind(n) != syntax.KindAttribute {
		return ""
	}
	obj := t.Field(n, syntax.FieldObject)
	if t.Kind(obj) != syntax.KindIdentifier || !t.TextIs(obj, self) {
		return ""
	}
	return t.String(t.Field(n, syntax.FieldAttribute))
}

// InitAssignment returns the value of the first `self.attr = value` of the __init__ of c
// or, when c's __init__ does not assign it, of its nearest base class of this file that
// does; and that class. NoNode and nil when none does.
func (f *File) InitAssignment(c *Class, attr string) (NodeID, *Class) {
	var holder *Class
	v := NoNode
	f.Lineage(c, func(k *Class) bool {
		if a, ok := k.InitAttrs[attr]; ok && a != NoNode {
			holder, v = k, a
			return false
		}
		return true
	})
	return v, holder
}

// enumBases are the last names of the standard enum base classes.
var enumBases = map[string]bool{"Enum": true, "IntEnum": true, "StrEnum": true, "Flag": true, "IntFlag": true}

// IsEnum reports whether c derives from enum.Enum (or IntEnum, StrEnum, Flag, IntFlag),
// directly or through classes of this file.
func (f *File) IsEnum(c *Class) bool {
	found := false
	f.Lineage(c, func(k *Class) bool {
		for _, b := range k.Bases {
			found = found || enumBases[b[strings.LastIndexByte(b, '.')+1:]]
		}
		return !found
	})
	return found
}
