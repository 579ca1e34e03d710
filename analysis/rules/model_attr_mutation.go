package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// ModelAttrMutation is a placeholder until the rule for model_attr_mutation is written.
var ModelAttrMutation = &analysis.Rule{
	Name:         "model_attr_mutation",
	Undetectable: "not written yet",
}
