package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeSlicing is a placeholder until the rule for dynamic_shape_slicing is written.
var DynamicShapeSlicing = &analysis.Rule{
	Name:         "dynamic_shape_slicing",
	Undetectable: "not written yet",
}
