package torchsem

// IsTensor reports whether v is certainly one tensor (possibly qualified: data-shaped,
// boolean, of static shape), not a sequence of tensors nor anything else.
func (v Value) IsTensor() bool { return v.Is(Tensor | modifiers) }
