package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ConstrainAsSizeExample is a placeholder until the rule for constrain_as_size_example is written.
var ConstrainAsSizeExample = &analysis.Rule{
	Name:         "constrain_as_size_example",
	Undetectable: "not written yet",
}
