package torchsem

import "strings"

// Fact is a bit set of what an expression is known to be.
type Fact uint8

// Facts an expression can have.
const (
	// FactShape: a size derived from a tensor's shape (x.shape, x.shape[i], x.size(i),
	// x.dim(), x.ndim, len(x.shape), arithmetic on them, names assigned from them).
	FactShape Fact = 1 << iota
	// FactData: a Python value read out of tensor data (x.item(), x.tolist(), derived names).
	FactData
	// FactTensor: a tensor (a torch call, a tensor method's result, arithmetic on tensors).
	FactTensor
	// FactParam: derived from a parameter of the traced function that may be a tensor.
	FactParam
	// FactConst: a literal.
	FactConst
)

// Has reports whether all bits of g are set in x.
func (x Fact) Has(g Fact) bool { return x&g == g }

// Any reports whether any bit of g is set in x.
func (x Fact) Any(g Fact) bool { return x&g != 0 }

// nonTensorMethods return Python values (or nothing) even when called on a tensor.
var nonTensorMethods = map[string]bool{
	"item": true, "tolist": true, "size": true, "dim": true, "ndimension": true, "numel": true, "nelement": true,
	"stride": true, "storage_offset": true, "element_size": true, "get_device": true, "is_contiguous": true,
	"is_floating_point": true, "is_complex": true, "data_ptr": true, "numpy": true, "__len__": true,
	"register_hook": true, "backward": true, "type": true,
}

// NonTensorMethod reports whether a tensor method returns a Python value, a size or nothing
// (item, tolist, size, dim, is_contiguous, numpy, ...) rather than a tensor.
func NonTensorMethod(name string) bool {
	_, ok := nonTensorMethods[name]
	return ok || strings.HasPrefix(name, "is_") || strings.HasPrefix(name, "__")
}

// Facts classifies expression n as seen from inside fn (fn may be nil at module level), in
// the older vocabulary some rules still use: it is Value, summarised.
func (f *File) Facts(fn *Function, n NodeID) Fact {
	return factsOf(f.Value(fn, n))
}

// factsOf summarises a Value as Facts: FactTensor when it is certainly one tensor, FactParam
// when it only may be one, FactShape when it may be a size of a traced input,
// FactData when it may be read out of tensor data, FactConst when it is certainly a literal
// or configuration value.
func factsOf(v Value) Fact {
	var x Fact
	switch {
	case v.Is(Tensor | modifiers):
		x |= FactTensor
	case v.May(Tensor):
		x |= FactParam // a tuple or list of tensors (TensorSeq) is not a tensor
	}
	if v.May(Sizes) {
		x |= FactShape
	}
	if v.May(Data) {
		x |= FactData
	}
	if v.Is(Const | Float | NoneValue) {
		x |= FactConst
	}
	return x
}

// FreezeFacts is kept for callers of the older API: values are computed by linking and
// memoised under locks, so there is nothing left to freeze.
func (f *File) FreezeFacts() {}

// IsSubmodule reports whether self.attr of class c holds a layer: a torch.nn module or an
// nn.Module class of the program.
func (f *File) IsSubmodule(c *Class, attr string) bool {
	return f.Attr(c, attr).Kind == AttrSubmodule
}

// IsShape reports whether n is a shape expression inside fn.
func (f *File) IsShape(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactShape) }

// IsDataDependent reports whether n carries a value read out of tensor data.
func (f *File) IsDataDependent(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactData) }

// IsTensor reports whether n is known to be a tensor.
func (f *File) IsTensor(fn *Function, n NodeID) bool { return f.Facts(fn, n).Has(FactTensor) }
