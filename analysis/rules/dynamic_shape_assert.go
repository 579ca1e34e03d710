package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeAssert is a placeholder until the rule for dynamic_shape_assert is written.
var DynamicShapeAssert = &analysis.Rule{
	Name:         "dynamic_shape_assert",
	Undetectable: "not written yet",
}
