package torchsem

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// exportGuards are the functions that return True while torch.export (or torch.compile,
// which export's strict mode runs) traces: code under `if not G():` never runs while
// exporting. torch.jit.is_tracing() and is_scripting() are False under export, so they
// guard nothing here.
var exportGuards = map[string]bool{
	"torch.compiler.is_exporting":               true,
	"torch.compiler.is_compiling":               true,
	"torch.compiler.is_dynamo_compiling":        true,
	"torch._dynamo.is_compiling":                true,
	"torch._utils.is_compiling":                 true,
	"torch._dynamo.external_utils.is_compiling": true,
}

// Guard says when a condition holds, as far as export is concerned.
type Guard int8

// Guards.
const (
	// NoGuard: the condition does not depend on whether export traces.
	NoGuard Guard = 0
	// OutsideExport: the condition is false whenever export traces (not is_exporting(),
	// possibly and-ed with other tests).
	OutsideExport Guard = 1
	// WhileExporting: the condition is true whenever export traces (is_exporting(),
	// possibly or-ed with other tests).
	WhileExporting Guard = -1
)

// maxGuardDepth bounds the names and operators GuardOf follows.
const maxGuardDepth = 8

// GuardOf says whether condition cond is tied to export tracing: a call of an export guard
// (torch.compiler.is_exporting() and the is_compiling family, however imported), its
// negation, and/or combinations, and a name bound once to one of these.
func (f *File) GuardOf(cond NodeID) Guard { return f.guardOf(cond, 0) }

func (f *File) guardOf(cond NodeID, depth int) Guard {
	t := f.Tree
	cond = t.Unparen(cond)
	if cond == NoNode || depth > maxGuardDepth {
		return NoGuard
	}
	switch t.Kind(cond) {
	case syntax.KindNotOperator:
		return -f.guardOf(t.Field(cond, syntax.FieldArgument), depth+1)
	case syntax.KindCall:
		if callee := t.Field(cond, syntax.FieldFunction); f.IsImported(callee) && exportGuards[f.Resolve(callee)] {
			return WhileExporting
		}
	case syntax.KindBooleanOperator:
		l, r := f.guardOf(t.Field(cond, syntax.FieldLeft), depth+1), f.guardOf(t.Field(cond, syntax.FieldRight), depth+1)
		switch t.Operator(cond) {
		case "and":
			if l == OutsideExport || r == OutsideExport {
				return OutsideExport // false whenever exporting
			}
		case "or":
			if l == WhileExporting || r == WhileExporting {
				return WhileExporting // true whenever exporting
			}
		}
	case syntax.KindIdentifier:
		// exporting = torch.compiler.is_exporting(); if not exporting: ...
		if id, _ := f.OnlyBinding(f.Owner(cond), t.String(cond)); id != NoNode {
			return f.guardOf(pysem.AssignedValue(t, id), depth+1)
		}
	}
	return NoGuard
}

// RunsWhileExporting reports whether node n lies in code that runs while export traces, as
// far as export guards say: it is false in the body of `if not is_exporting():` (or of an
// elif or while with such a test), in the else and elif branches of `if is_exporting():`,
// in the matching arm of a conditional expression, in the right operand of
// `not is_exporting() and ...` (or of `is_exporting() or ...`), and after
// `if is_exporting(): return` (or raise, continue, break) in the same block.
func (f *File) RunsWhileExporting(n NodeID) bool {
	t := f.Tree
	for c, p := n, t.Parent(n); p != NoNode; c, p = p, t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindIfStatement:
			g := f.GuardOf(t.Field(p, syntax.FieldCondition))
			switch {
			case t.FieldOf(c) == syntax.FieldConsequence && g == OutsideExport,
				t.FieldOf(c) == syntax.FieldAlternative && g == WhileExporting:
				return false
			}
		case syntax.KindElifClause, syntax.KindWhileStatement:
			if t.FieldOf(c) == syntax.FieldConsequence || t.FieldOf(c) == syntax.FieldBody {
				if f.GuardOf(t.Field(p, syntax.FieldCondition)) == OutsideExport {
					return false
				}
			}
		case syntax.KindConditionalExpression:
			g := f.GuardOf(t.NamedChild(p, 1))
			if c == t.NamedChild(p, 0) && g == OutsideExport || c == t.NamedChild(p, 2) && g == WhileExporting {
				return false
			}
		case syntax.KindBooleanOperator:
			if t.FieldOf(c) == syntax.FieldRight {
				g := f.GuardOf(t.Field(p, syntax.FieldLeft))
				if op := t.Operator(p); op == "and" && g == OutsideExport || op == "or" && g == WhileExporting {
					return false
				}
			}
		case syntax.KindBlock, syntax.KindModule:
			if f.exitsBefore(c) {
				return false
			}
		case syntax.KindFunctionDefinition, syntax.KindLambda, syntax.KindClassDefinition:
			return true
		}
	}
	return true
}

// exitsBefore reports whether a statement before st in its block leaves the block whenever
// export traces: `if is_exporting(): return` (the branch taken while exporting ends with
// return, raise, continue or break).
func (f *File) exitsBefore(st NodeID) bool {
	t := f.Tree
	for c := t.FirstChild(t.Parent(st)); c != NoNode && c < st; c = t.NextSibling(c) {
		if t.Kind(c) != syntax.KindIfStatement {
			continue
		}
		var taken NodeID = NoNode // the block that runs while exporting
		switch f.GuardOf(t.Field(c, syntax.FieldCondition)) {
		case WhileExporting:
			taken = t.Field(c, syntax.FieldConsequence)
		case OutsideExport:
			t.Children(c, func(a NodeID) bool {
				if t.Kind(a) == syntax.KindElseClause {
					taken = t.Field(a, syntax.FieldBody)
				}
				return true
			})
		}
		if taken != NoNode && endsFlow(t, taken) {
			return true
		}
	}
	return false
}

// endsFlow reports whether a block's last statement leaves it: return, raise, continue or
// break.
func endsFlow(t *syntax.Tree, block NodeID) bool {
	last := NoNode
	t.Children(block, func(c NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			last = c
		}
		return true
	})
	switch t.Kind(last) {
	case syntax.KindReturnStatement, syntax.KindRaiseStatement, syntax.KindContinueStatement, syntax.KindBreakStatement:
		return true
	}
	return false
}
