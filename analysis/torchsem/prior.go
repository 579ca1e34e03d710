package torchsem

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// tensorMetadata are the attributes (and, called, the methods) only a tensor has among the
// values a traced function receives: reading one off a parameter says the parameter is a
// tensor.
var tensorMetadata = setOf(`shape ndim dtype device`)

var tensorMetadataMethods = setOf(`size dim`)

// readsAsTensor reports whether fn reads tensor metadata off its parameter name (name.shape,
// name.ndim, name.dtype, name.device, name.size(...), name.dim()) and never rebinds it: an
// unannotated parameter read that way is a tensor, not "a tensor or something else".
func (f *File) readsAsTensor(fn *Function, name string) bool {
	f.mu.Lock()
	reads, ok := f.tensorReads[fn]
	f.mu.Unlock()
	if !ok {
		reads = f.tensorReadsOf(fn)
		f.mu.Lock()
		if f.tensorReads == nil {
			f.tensorReads = map[*Function]map[string]bool{}
		}
		f.tensorReads[fn] = reads
		f.mu.Unlock()
	}
	return reads[name]
}

// tensorReadsOf returns the parameters of fn that fn reads tensor metadata off and never
// rebinds.
func (f *File) tensorReadsOf(fn *Function) map[string]bool {
	t := f.Tree
	var out map[string]bool
	for _, a := range f.OwnNodes(fn, syntax.KindAttribute) {
		obj := t.Field(a, syntax.FieldObject)
		if t.Kind(obj) != syntax.KindIdentifier || fn.Param(t.String(obj)) == nil {
			continue
		}
		attr := t.String(t.Field(a, syntax.FieldAttribute))
		called := t.Kind(t.Parent(a)) == syntax.KindCall && t.FieldOf(a) == syntax.FieldFunction
		if !tensorMetadata[attr] && !(called && tensorMetadataMethods[attr]) {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[t.String(obj)] = true
	}
	for name := range out {
		if len(f.Scope(fn).Bindings(name)) > 1 { // the parameter and another binding
			delete(out, name)
		}
	}
	return out
}
