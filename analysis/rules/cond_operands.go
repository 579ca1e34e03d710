package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondOperands is a placeholder until the rule for cond_operands is written.
var CondOperands = &analysis.Rule{
	Name:         "cond_operands",
	Undetectable: "not written yet",
}
