package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondPredicate is a placeholder until the rule for cond_predicate is written.
var CondPredicate = &analysis.Rule{
	Name:         "cond_predicate",
	Undetectable: "not written yet",
}
