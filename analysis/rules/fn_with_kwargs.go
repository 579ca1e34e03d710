package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// FnWithKwargs is a placeholder until the rule for fn_with_kwargs is written.
var FnWithKwargs = &analysis.Rule{
	Name:         "fn_with_kwargs",
	Undetectable: "not written yet",
}
