package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondBranchNestedFunction is a placeholder until the rule for cond_branch_nested_function is written.
var CondBranchNestedFunction = &analysis.Rule{
	Name:         "cond_branch_nested_function",
	Undetectable: "not written yet",
}
