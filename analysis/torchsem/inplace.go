package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// flagMethods end in an underscore but change a flag, not the tensor's data.
var flagMethods = setOf(`requires_grad_ share_memory_ retain_grad_`)

// viewMethods and viewAttrs give views that share their tensor's storage.
var (
	viewMethods = setOf(`view view_as transpose permute t unsqueeze squeeze expand expand_as narrow
		select detach as_strided unflatten diagonal movedim swapaxes unfold`)
	viewAttrs = setOf(`data T mT H mH real imag`)
)

// metadata are the Tensor attributes and methods that read metadata, not values.
var metadata = setOf(`shape dtype device ndim size dim numel is_cuda requires_grad layout stride element_size`)

// IsInPlace reports whether Tensor method name changes its receiver's data in place
// (add_, copy_, zero_; not requires_grad_).
func IsInPlace(name string) bool {
	return len(name) > 1 && strings.HasSuffix(name, "_") && !strings.HasSuffix(name, "__") && name[0] != '_' && !flagMethods[name]
}

// IsViewMethod reports whether Tensor method name returns a view sharing the receiver's
// storage (view, transpose, detach, ...).
func IsViewMethod(name string) bool { return viewMethods[name] }

// IsViewAttr reports whether Tensor attribute name is a view sharing the tensor's storage
// (data, T, real, ...).
func IsViewAttr(name string) bool { return viewAttrs[name] }

// IsMetadata reports whether Tensor attribute or method name reads metadata (shape, dtype,
// device, size(), ...) rather than values.
func IsMetadata(name string) bool { return metadata[name] }

// InPlaceMethod reports whether call is an in-place tensor method call (x.add_(...)): a
// method whose name ends in one underscore, on a receiver that is not an imported module
// (torch.nn.init.normal_(...) is a function).
func (f *File) InPlaceMethod(fn *Function, call NodeID) (receiver NodeID, ok bool) {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == NoNode || t.Kind(callee) != syntax.KindAttribute {
		return NoNode, false
	}
	name := t.String(t.Field(callee, syntax.FieldAttribute))
	if len(name) < 2 || !strings.HasSuffix(name, "_") || strings.HasSuffix(name, "__") || strings.HasPrefix(name, "_") {
		return NoNode, false
	}
	recv := t.Field(callee, syntax.FieldObject)
	if f.IsImported(recv) {
		return NoNode, false
	}
	return recv, true
}
