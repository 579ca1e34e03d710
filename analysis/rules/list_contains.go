package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ListContains is a placeholder until the rule for list_contains is written.
var ListContains = &analysis.Rule{
	Name:         "list_contains",
	Undetectable: "not written yet",
}
