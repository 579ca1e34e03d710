package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// NullContextManager is a placeholder until the rule for null_context_manager is written.
var NullContextManager = &analysis.Rule{
	Name:         "null_context_manager",
	Undetectable: "not written yet",
}
