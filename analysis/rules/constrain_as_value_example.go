package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ConstrainAsValueExample is a placeholder until the rule for constrain_as_value_example is written.
var ConstrainAsValueExample = &analysis.Rule{
	Name:         "constrain_as_value_example",
	Undetectable: "not written yet",
}
