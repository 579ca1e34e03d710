package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// StaticIf is a placeholder until the rule for static_if is written.
var StaticIf = &analysis.Rule{
	Name:         "static_if",
	Undetectable: "not written yet",
}
