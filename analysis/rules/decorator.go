package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// Decorator is a placeholder until the rule for decorator is written.
var Decorator = &analysis.Rule{
	Name:         "decorator",
	Undetectable: "not written yet",
}
