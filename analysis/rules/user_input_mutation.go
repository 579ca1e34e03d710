package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// UserInputMutation is a placeholder until the rule for user_input_mutation is written.
var UserInputMutation = &analysis.Rule{
	Name:         "user_input_mutation",
	Undetectable: "not written yet",
}
