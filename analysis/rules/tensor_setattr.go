package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// TensorSetattr is a placeholder until the rule for tensor_setattr is written.
var TensorSetattr = &analysis.Rule{
	Name:         "tensor_setattr",
	Undetectable: "not written yet",
}
