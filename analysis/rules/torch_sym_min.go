package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// TorchSymMin is a placeholder until the rule for torch_sym_min is written.
var TorchSymMin = &analysis.Rule{
	Name:         "torch_sym_min",
	Undetectable: "not written yet",
}
