package torchsem

// IsTensor reports whether v is certainly one tensor (possibly qualified: data-shaped,
// boolean, of static shape), not a sequence of tensors nor anything else.
func (v Value) IsTensor() bool { return v.Is(Tensor | modifiers) }

// CalledFromTraced reports whether traced code calls fn (passing it arguments): for a
// module's forward, whether the module is used as a submodule of another one, so that its
// inputs are that module's intermediate values rather than the exported program's.
func (f *File) CalledFromTraced(fn *Function) bool { return fn != nil && f.state(fn).called }
