package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// StaticForLoop is a placeholder until the rule for static_for_loop is written.
var StaticForLoop = &analysis.Rule{
	Name:         "static_for_loop",
	Undetectable: "not written yet",
}
