package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// DynamicShapeIfGuard is a placeholder until the rule for dynamic_shape_if_guard is written.
var DynamicShapeIfGuard = &analysis.Rule{
	Name:         "dynamic_shape_if_guard",
	Undetectable: "not written yet",
}
