package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// PytreeFlatten is a placeholder until the rule for pytree_flatten is written.
var PytreeFlatten = &analysis.Rule{
	Name:         "pytree_flatten",
	Undetectable: "not written yet",
}
