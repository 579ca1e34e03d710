package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// TensorTruth returns the part of branch condition cond (inside fn) whose truth value
// export would have to read out of tensor data: cond itself or an operand of not, and, or
// that is a tensor (bool(t) included), or a call of a torch function that reads tensor
// contents into a Python value (torch.equal, torch.allclose: Data in the API table); NoNode
// when there is none. Tensor methods that read data (x.item()) are not included: their
// value is a number whose use the data-dependent rules judge. Operands
// that short-circuit away whenever export traces (after `not is_exporting() and`) are not
// looked at.
func (f *File) TensorTruth(fn *Function, cond NodeID) NodeID {
	t := f.Tree
	cond = t.Unparen(cond)
	if cond == NoNode {
		return NoNode
	}
	switch t.Kind(cond) {
	case syntax.KindNotOperator:
		return f.TensorTruth(fn, t.Field(cond, syntax.FieldArgument))
	case syntax.KindBooleanOperator:
		l := t.Field(cond, syntax.FieldLeft)
		g := f.GuardOf(l)
		if op := t.Operator(cond); op == "and" && g == OutsideExport || op == "or" && g == WhileExporting {
			return NoNode // the right operand is not evaluated while exporting
		}
		if x := f.TensorTruth(fn, l); x != NoNode {
			return x
		}
		return f.TensorTruth(fn, t.Field(cond, syntax.FieldRight))
	case syntax.KindCall:
		if c := f.Callee(fn, cond); c.API != "" && !strings.HasPrefix(c.API, "torch.Tensor.") {
			if a := LookupAPI(c.API); a != nil && a.Rule == RuleKind && a.Kind == Data {
				return cond
			}
		}
	}
	if f.Value(fn, cond).IsTensor() {
		return cond
	}
	return NoNode
}
