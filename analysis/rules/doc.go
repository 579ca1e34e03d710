// Package rules holds one analysis.Rule per ExportDB case: a file named after the case
// declares the rule, its documentation (What it does / Why is this bad / Example / Use
// instead / Fix safety / References) and its Run. Start with All (registry.go) and a rule's
// fixture in testdata/<case>.py (and testdata/<case>.<what>.txtar for several files).
//
// A rule asks the semantic model what the code means: pysem for Python (scopes, bindings,
// literals, conditions), torchsem for what torch.export sees (Value, Callee, Attr,
// ExportSite, guards, sizes), the Pass for calls and conditions of traced code. It builds
// fixes with package fix. Rule files do not share helpers, except the family files
// declared in families_test.go (cond_common.go, dynamic_shape_common.go, ...), which
// TestNoCrossRuleHelpers holds them to.
package rules
