package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ClassMethod is a placeholder until the rule for class_method is written.
var ClassMethod = &analysis.Rule{
	Name:         "class_method",
	Undetectable: "not written yet",
}
