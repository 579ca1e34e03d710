package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// SpecializedAttribute is a placeholder until the rule for specialized_attribute is written.
var SpecializedAttribute = &analysis.Rule{
	Name:         "specialized_attribute",
	Undetectable: "not written yet",
}
