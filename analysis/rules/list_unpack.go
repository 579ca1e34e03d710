package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ListUnpack is a placeholder until the rule for list_unpack is written.
var ListUnpack = &analysis.Rule{
	Name:         "list_unpack",
	Undetectable: "not written yet",
}
