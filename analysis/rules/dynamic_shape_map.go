package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeMap is a placeholder until the rule for dynamic_shape_map is written.
var DynamicShapeMap = &analysis.Rule{
	Name:         "dynamic_shape_map",
	Undetectable: "not written yet",
}
