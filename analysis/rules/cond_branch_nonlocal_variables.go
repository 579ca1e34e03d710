package rules

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// CondBranchNonlocalVariables is a placeholder until the rule for cond_branch_nonlocal_variables is written.
var CondBranchNonlocalVariables = &analysis.Rule{
	Name:         "cond_branch_nonlocal_variables",
	Undetectable: "not written yet",
}
