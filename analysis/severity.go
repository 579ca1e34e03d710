package analysis

import "github.com/exportdb-lsp/exportdb-lsp/catalog"

// SeverityFor is the severity policy, in one place:
//   - error: export fails. Every finding of a case that is NOT_SUPPORTED_YET at the target
//     version (dynamic_shape_round always; model_attr_mutation and optional_input before
//     2.10; torch_sym_min before 2.12), and misuse a rule reports as Fails (torch.cond
//     operands that are not a list or tuple, branch arity that differs from the operands,
//     in-place mutation of inputs or nonlocal inside a branch; a value read out of tensor
//     data, with no torch._check, deciding a branch or sizing a view, reshape or slice,
//     whether the name holds the read itself or something computed from it).
//   - warning: exports but silently changes meaning or breaks once a dim is dynamic
//     (Changes): autograd_function, tensor_setattr, assume_constant_result,
//     model_attr_mutation from 2.10 on a tensor attribute, dynamic_shape_if_guard.
//   - information (Caveat) and hint (Note): the other caveats.
//   - off (Recognized): plain supported patterns, explained on hover only.
//   - information (Unread), at every support level: what exportdb cannot read and judges
//     without (a dynamic_shapes built by a call, a model it cannot resolve).
//
// A case of the catalog that is supported at the target (in the tracing mode judged for:
// strict unless non-strict is asked) keeps the rule's effect.
func SeverityFor(c *catalog.Case, target catalog.Version, strict bool, e Effect) Severity {
	if e == Unread {
		return Information
	}
	if c != nil && c.LevelIn(target, strict) == catalog.NotSupportedYet {
		return Error
	}
	switch e {
	case Fails:
		return Error
	case Changes:
		return Warning
	case Caveat:
		return Information
	case Note:
		return Hint
	}
	return Off
}
