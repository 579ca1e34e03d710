package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// NestedFunction is a placeholder until the rule for nested_function is written.
var NestedFunction = &analysis.Rule{
	Name:         "nested_function",
	Undetectable: "not written yet",
}
