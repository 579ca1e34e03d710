package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ScalarOutput is a placeholder until the rule for scalar_output is written.
var ScalarOutput = &analysis.Rule{
	Name:         "scalar_output",
	Undetectable: "not written yet",
}
