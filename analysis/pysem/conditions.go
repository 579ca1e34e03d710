package pysem

import "github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"

// Condition is a test Python evaluates for its truth: of an if, elif or while statement, of
// an assert, of a conditional expression (a if test else b), or of a comprehension's if.
type Condition struct {
	Test NodeID // the test expression
	// Stmt is the construct the test belongs to: the if_statement, elif_clause,
	// while_statement, assert_statement, conditional_expression or if_clause.
	Stmt NodeID
}

// What names the construct for messages: "if", "elif", "while", "assert", "conditional
// expression" or "comprehension if".
func (c Condition) What(t *syntax.Tree) string {
	switch t.Kind(c.Stmt) {
	case syntax.KindIfStatement:
		return "if"
	case syntax.KindElifClause:
		return "elif"
	case syntax.KindWhileStatement:
		return "while"
	case syntax.KindAssertStatement:
		return "assert"
	case syntax.KindConditionalExpression:
		return "conditional expression"
	case syntax.KindIfClause:
		return "comprehension if"
	}
	return ""
}

// Body returns the block a true test runs (an if's, elif's or while's); NoNode for the
// other constructs.
func (c Condition) Body(t *syntax.Tree) NodeID {
	switch t.Kind(c.Stmt) {
	case syntax.KindIfStatement, syntax.KindElifClause:
		return t.Field(c.Stmt, syntax.FieldConsequence)
	case syntax.KindWhileStatement:
		return t.Field(c.Stmt, syntax.FieldBody)
	}
	return NoNode
}

// conditionKinds are the constructs that test a condition.
var conditionKinds = [...]syntax.Kind{syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement,
	syntax.KindAssertStatement, syntax.KindConditionalExpression, syntax.KindIfClause}

// ConditionAt returns the condition that construct n tests (an if_statement, elif_clause,
// while_statement, assert_statement, conditional_expression or if_clause), and false for
// any other node.
func ConditionAt(t *syntax.Tree, n NodeID) (Condition, bool) {
	var test NodeID = NoNode
	switch t.Kind(n) {
	case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement:
		test = t.Field(n, syntax.FieldCondition)
	case syntax.KindAssertStatement, syntax.KindIfClause:
		test = t.NamedChild(n, 0)
	case syntax.KindConditionalExpression:
		test = t.NamedChild(n, 1)
	default:
		return Condition{}, false
	}
	if test == NoNode {
		return Condition{}, false
	}
	return Condition{Test: test, Stmt: n}, true
}

// Conditions calls visit for every condition in fn's own code (nested functions and
// lambdas aside; fn nil: the module level), in source order.
func (f *File) Conditions(fn *Function, visit func(Condition)) {
	var lists [len(conditionKinds)][]NodeID
	for i, k := range conditionKinds {
		if fn == nil {
			for _, n := range f.Nodes(k) {
				if f.owner[n] < 0 {
					lists[i] = append(lists[i], n)
				}
			}
		} else {
			lists[i] = f.OwnNodes(fn, k)
		}
	}
	// merge the per-kind lists (each in source order) into one source order
	for {
		best := -1
		for i := range lists {
			if len(lists[i]) > 0 && (best < 0 || lists[i][0] < lists[best][0]) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		n := lists[best][0]
		lists[best] = lists[best][1:]
		if c, ok := ConditionAt(f.Tree, n); ok {
			visit(c)
		}
	}
}

// ConditionOf returns the condition whose test expression n lies in, and false when n is
// not part of a test (it lies in a body, an arm of a conditional expression outside any
// test, a statement of its own).
func ConditionOf(t *syntax.Tree, n NodeID) (Condition, bool) {
	for c, p := n, t.Parent(n); p != NoNode; c, p = p, t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindIfStatement, syntax.KindElifClause, syntax.KindWhileStatement, syntax.KindAssertStatement,
			syntax.KindIfClause:
			if cond, ok := ConditionAt(t, p); ok && cond.Test == c {
				return cond, true
			}
			return Condition{}, false // a body, or an assert's message
		case syntax.KindConditionalExpression:
			if cond, ok := ConditionAt(t, p); ok && cond.Test == c {
				return cond, true
			}
		case syntax.KindBlock, syntax.KindExpressionStatement, syntax.KindFunctionDefinition, syntax.KindLambda,
			syntax.KindClassDefinition, syntax.KindModule, syntax.KindReturnStatement, syntax.KindAssignment:
			return Condition{}, false
		}
	}
	return Condition{}, false
}
