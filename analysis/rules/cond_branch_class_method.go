package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondBranchClassMethod is a placeholder until the rule for cond_branch_class_method is written.
var CondBranchClassMethod = &analysis.Rule{
	Name:         "cond_branch_class_method",
	Undetectable: "not written yet",
}
