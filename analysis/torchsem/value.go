package torchsem

import (
	"fmt"
	"strings"
)

// Kind is a set of the kinds of value an expression may have while torch.export traces it.
// A set, so that "maybe" is a union: a parameter without annotation may be a tensor or
// something else ({Tensor, Other}); Is asks "certainly", May asks "possibly".
type Kind uint16

// The kinds of value. Sizes are what torch.export makes symbolic: with a dynamic dimension,
// arithmetic on a Size builds a symbolic expression, and Python code that needs a concrete
// number (round, int, math.*, a branch) specialises it or fails.
const (
	// Tensor is one tensor (an input, a parameter or buffer, a torch result).
	Tensor Kind = 1 << iota
	// TensorSeq is a tuple or list of tensors (x.max(1), torch.split, unbind, an LSTM's output).
	TensorSeq
	// SizeSeq is a tensor's shape (torch.Size), or a slice of it: x.shape, x.size(), x.shape[-2:].
	SizeSeq
	// Size is a dimension of a traced input's shape, or arithmetic on such dimensions.
	Size
	// StaticInt is an int that export knows while tracing: a rank (x.ndim, len(x.shape)), the
	// size of a module's own parameter or buffer, a loop index over a literal range.
	StaticInt
	// UnbackedSize is a size that depends on tensor data: the length of a nonzero, unique or
	// masked_select result.
	UnbackedSize
	// Data is a Python value read out of tensor data: .item(), .tolist(), int(t).
	Data
	// Float is a Python float that is not read out of a tensor.
	Float
	// Const is a literal or a configuration constant: an int, bool or str fixed before export.
	Const
	// NoneValue is None.
	NoneValue
	// Module is an nn.Module instance (a submodule, a layer constructed in code).
	Module
	// DataShaped marks a tensor whose size depends on its data: the result of nonzero, unique,
	// masked_select, boolean-mask indexing. It comes with Tensor (or TensorSeq).
	DataShaped
	// BoolTensor marks a tensor that may hold booleans (a comparison, a logical op): indexing
	// with it selects a data-dependent number of elements.
	BoolTensor
	// StaticShape says that every tensor the value may be has a shape export knows while
	// tracing (a module's parameter or buffer, or an op on only such tensors). Unlike the
	// other bits it is a "must": joining a static tensor with one that is not drops it.
	StaticShape
	// Other is any other Python value (an object of an unknown class, a function, a string
	// operation result), and the "unknown" of an unresolved call.
	Other
)

// joinKinds is the union of two kind sets, with StaticShape kept only when every side that
// may be a tensor has it.
func joinKinds(a, b Kind) Kind {
	static := (a&(Tensor|TensorSeq) == 0 || a&StaticShape != 0) && (b&(Tensor|TensorSeq) == 0 || b&StaticShape != 0)
	k := (a | b) &^ StaticShape
	if static && k&(Tensor|TensorSeq) != 0 {
		k |= StaticShape
	}
	return k
}

// Sizes are the kinds that are (or hold) sizes of traced tensors.
const Sizes = SizeSeq | Size | UnbackedSize

var kindNames = []string{"Tensor", "TensorSeq", "SizeSeq", "Size", "StaticInt", "UnbackedSize", "Data", "Float", "Const", "None", "Module", "DataShaped", "BoolTensor", "StaticShape", "Other"}

// String lists the kinds: "Tensor|Other"; "-" for the empty set.
func (k Kind) String() string {
	if k == 0 {
		return "-"
	}
	var parts []string
	for i, name := range kindNames {
		if k&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, "|")
}

// ParseKind reads Kind.String's output (names joined by "|").
func ParseKind(s string) (Kind, error) {
	var k Kind
	if s == "-" {
		return 0, nil
	}
	for _, part := range strings.Split(s, "|") {
		found := false
		for i, name := range kindNames {
			if strings.TrimSpace(part) == name {
				k |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown kind %q", part)
		}
	}
	return k, nil
}

// Ref ties a value to an input of an exported function: the input itself (a tensor passed
// in), its shape from an axis on (a SizeSeq), or one of its dimensions (a Size). Root names
// the function whose parameter it is (a forward), by its index in the program's root table.
type Ref struct {
	Root  int32 // index into Program.Roots
	Param int16 // the root's parameter index (self is 0 in a method)
	Axis  int8  // the dimension (negative counts from the end), or the first axis of a SizeSeq
	Of    RefKind
}

// RefKind says what a Ref points at.
type RefKind uint8

// Ref kinds.
const (
	RefInput RefKind = iota // the input itself
	RefShape                // the input's shape from Axis on
	RefDim                  // dimension Axis of the input
	// RefDimAny is some dimension of the input whose index is not known (an element of a
	// size list built in code, a loop over the shape).
	RefDimAny
)

// maxRefs bounds the inputs one value remembers; a value tied to more is tied to none
// (its kind stays).
const maxRefs = 3

// Value is what an expression may be: its kinds, and the inputs it is tied to.
type Value struct {
	Kind Kind
	refs [maxRefs]Ref
	nref uint8
	lost bool // more refs than maxRefs were joined: the value is tied to inputs not listed
	// a call's result whose refs were all other roots' (keepRoots): tied to no input of the
	// caller's, yet not a fresh shape either (it may be its argument, returned)
	passed bool
}

// Of returns a Value of kinds k tied to nothing.
func Of(k Kind) Value { return Value{Kind: k} }

// Unknown is the value of an expression nothing is known about.
var Unknown = Value{Kind: Other}

// Is reports whether v is certainly of (one of) the kinds k: not empty, and nothing else.
func (v Value) Is(k Kind) bool { return v.Kind != 0 && v.Kind&^k == 0 }

// May reports whether v may be of one of the kinds k.
func (v Value) May(k Kind) bool { return v.Kind&k != 0 }

// IsZero reports whether nothing at all is known to flow into v (the bottom of the lattice).
func (v Value) IsZero() bool { return v.Kind == 0 && v.nref == 0 }

// Refs returns the inputs v is tied to.
func (v Value) Refs() []Ref { return v.refs[:v.nref] }

// Join is the union of two values.
func (v Value) Join(w Value) Value {
	v.Kind = joinKinds(v.Kind, w.Kind)
	v.lost = v.lost || w.lost
	v.passed = v.passed || w.passed
	for _, r := range w.Refs() {
		v = v.withRef(r)
	}
	return v
}

// rebind is the join of the values bound to one name (or passed to one parameter) at
// different places. A tensor or size tied to no input (a layer's output, a reshaped
// tensor: its dims are some function of the inputs') joined with one tied to inputs is
// not tied to those inputs' dims alone: after x = self.proj(x) on one branch, x.shape[1]
// is not the input's axis 1, so the join loses its dims.
func (v Value) rebind(w Value) Value {
	out := v.Join(w)
	if v.untied() && w.nref > 0 || w.untied() && v.nref > 0 {
		out.lost = true
	}
	return out
}

// untied reports whether v is a tensor, shape or size of unknown dims tied to no input.
func (v Value) untied() bool {
	return v.nref == 0 && !v.lost && !v.passed && v.Kind&(Tensor|Size|SizeSeq) != 0 && v.Kind&StaticShape == 0
}

// WithRef returns v tied to r as well.
func (v Value) withRef(r Ref) Value {
	for _, x := range v.Refs() {
		if x == r {
			return v
		}
	}
	if int(v.nref) == maxRefs {
		v.lost = true
		return v
	}
	v.refs[v.nref] = r
	v.nref++
	return v
}

// As returns v with kinds k, keeping the refs that still make sense for them (a tensor's
// refs for a tensor, a size's for a size).
func (v Value) As(k Kind) Value {
	out := Value{Kind: k, lost: v.lost, passed: v.passed}
	for _, r := range v.Refs() {
		switch {
		case r.Of == RefInput && k&(Tensor|TensorSeq) != 0,
			r.Of == RefShape && k&SizeSeq != 0,
			(r.Of == RefDim || r.Of == RefDimAny) && k&(Size|SizeSeq) != 0:
			out = out.withRef(r)
		}
	}
	return out
}

// Without returns v with the kinds k removed (refs kept as As would keep them).
func (v Value) Without(k Kind) Value { return v.As(v.Kind &^ k) }

// mapRefs returns v with each ref replaced by f(ref) (refs for which f reports false are
// dropped) and its kinds set to k.
func (v Value) mapRefs(k Kind, f func(Ref) (Ref, bool)) Value {
	out := Value{Kind: k, lost: v.lost, passed: v.passed}
	for _, r := range v.Refs() {
		if nr, ok := f(r); ok {
			out = out.withRef(nr)
		}
	}
	return out
}

// keepRoots keeps the refs of the roots in roots. A function's result joins what every
// traced caller passes it; one call gets back only the inputs of the roots whose values it
// passes (a block MobileVitBlock and VisionTransformer both call returns, to each, only its
// own input's dims). A result left with no refs is marked passed: while linking, a callee's
// result may not have grown the caller's roots yet, and rebind must not take it for a fresh
// shape (which would make the caller's names lose their dims for good).
func (v Value) keepRoots(roots []int32) Value {
	if v.nref == 0 {
		return v
	}
	out := v.mapRefs(v.Kind, func(r Ref) (Ref, bool) {
		for _, x := range roots {
			if r.Root == x {
				return r, true
			}
		}
		return r, false
	})
	out.passed = v.passed || out.nref == 0
	return out
}

// addRoots appends to roots the roots v refers to that it lacks.
func (v Value) addRoots(roots []int32) []int32 {
	for _, r := range v.Refs() {
		found := false
		for _, x := range roots {
			if x == r.Root {
				found = true
				break
			}
		}
		if !found {
			roots = append(roots, r.Root)
		}
	}
	return roots
}

// String shows the kinds and refs: "Size[0:x.2]".
func (v Value) String() string {
	s := v.Kind.String()
	if v.nref > 0 {
		var parts []string
		for _, r := range v.Refs() {
			parts = append(parts, r.String())
		}
		s += "[" + strings.Join(parts, ",") + "]"
	}
	return s
}

// String is "root:param" for an input, "root:param.shape[axis:]" for a shape and
// "root:param.axis" for a dimension.
func (r Ref) String() string {
	base := fmt.Sprintf("%d:%d", r.Root, r.Param)
	switch r.Of {
	case RefShape:
		return fmt.Sprintf("%s.shape[%d:]", base, r.Axis)
	case RefDim:
		return fmt.Sprintf("%s.%d", base, r.Axis)
	case RefDimAny:
		return base + ".?"
	}
	return base
}
