package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// AutogradFunction is a placeholder until the rule for autograd_function is written.
var AutogradFunction = &analysis.Rule{
	Name:         "autograd_function",
	Undetectable: "not written yet",
}
