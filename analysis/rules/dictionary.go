package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// Dictionary is a placeholder until the rule for dictionary is written.
var Dictionary = &analysis.Rule{
	Name:         "dictionary",
	Undetectable: "not written yet",
}
