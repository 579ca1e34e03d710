package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// OptionalInput is a placeholder until the rule for optional_input is written.
var OptionalInput = &analysis.Rule{
	Name:         "optional_input",
	Undetectable: "not written yet",
}
