package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeView is a placeholder until the rule for dynamic_shape_view is written.
var DynamicShapeView = &analysis.Rule{
	Name:         "dynamic_shape_view",
	Undetectable: "not written yet",
}
