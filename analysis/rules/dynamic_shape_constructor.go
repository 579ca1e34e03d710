package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeConstructor is a placeholder until the rule for dynamic_shape_constructor is written.
var DynamicShapeConstructor = &analysis.Rule{
	Name:         "dynamic_shape_constructor",
	Undetectable: "not written yet",
}
