package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// TypeReflectionMethod is a placeholder until the rule for type_reflection_method is written.
var TypeReflectionMethod = &analysis.Rule{
	Name:         "type_reflection_method",
	Undetectable: "not written yet",
}
