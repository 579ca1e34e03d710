package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// AssumeConstantResult is a placeholder until the rule for assume_constant_result is written.
var AssumeConstantResult = &analysis.Rule{
	Name:         "assume_constant_result",
	Undetectable: "not written yet",
}
