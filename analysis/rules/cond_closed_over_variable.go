package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondClosedOverVariable is a placeholder until the rule for cond_closed_over_variable is written.
var CondClosedOverVariable = &analysis.Rule{
	Name:         "cond_closed_over_variable",
	Undetectable: "not written yet",
}
