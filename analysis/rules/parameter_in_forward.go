package rules

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ParameterInForward finds parameters and buffers created, and module state registered, in
// code torch.export traces.
var ParameterInForward = &analysis.Rule{
	Name: "parameter_in_forward",
	Doc: `## What it does
Finds, in code torch.export traces (` + "`forward`" + ` and what it reaches in the file):
- ` + "`nn.Parameter(...)`" + ` and ` + "`nn.Buffer(...)`" + ` created there (` + "`w = nn.Parameter(torch.randn(d, d))`" + `);
- module state registered there: ` + "`self.register_buffer(...)`" + `, ` + "`self.register_parameter(...)`" + `,
  ` + "`self.register_module(...)`" + `, ` + "`self.add_module(...)`" + `, on the module or on a submodule
  (` + "`self.head.register_buffer(...)`" + `), typically the lazy pattern
  ` + "`if not hasattr(self, \"table\"): self.register_buffer(\"table\", ...)`" + `.

The rest of "state built in forward" belongs to other rules, so that one line gets one finding:
layers with weights created in forward (` + "`nn.Linear(...)(x)`" + `) and ` + "`.data`" + ` on parameters and
buffers are module_state_in_forward's; ` + "`self.w = nn.Parameter(...)`" + ` in forward is
model_attr_mutation's (the assignment is reported, not the ` + "`Parameter`" + ` inside it). A
` + "`Parameter`" + ` passed to ` + "`register_parameter`" + ` is reported once, at the registration.

## Why is this bad
Export reads a module's state, its parameters and buffers, from what the module registers,
and its programming model requires module state to be initialised before export runs. A
` + "`Parameter`" + ` created in forward is not a parameter of the exported program: the tensor it wraps is
computed in the graph on every call (a random initialiser draws new values each time), training
the exported program never updates it, and ` + "`state_dict()`" + ` has no entry for it. State
registered while export traces changes the eager module once, at export time, and is not part
of the exported program's state the way state registered in ` + "`__init__`" + ` is.

## Example
` + "```python" + `
class Gate(nn.Module):
    def forward(self, x):
        if not hasattr(self, "table"):
            self.register_buffer("table", torch.zeros(x.shape[-1]))
        gate = nn.Parameter(torch.ones(x.shape[-1]))
        return x * gate + self.table
` + "```" + `

## Use instead
Create state once, in ` + "`__init__`" + ` (pass the sizes it needs to the constructor):
` + "```python" + `
class Gate(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.register_buffer("table", torch.zeros(dim))
        self.gate = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gate + self.table
` + "```" + `

## Fix safety
No automatic fix: the state's size often depends on forward's inputs, and where it belongs is
the author's decision.

## References
- [torch.export programming model: module state, reads and updates](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.nn.Parameter](https://pytorch.org/docs/main/generated/torch.nn.parameter.Parameter.html)
- [torch.nn.Module.register_buffer](https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.register_buffer)
`,
	Local: true,
	Run:   runParameterInForward,
}

// pifStateTypes are the tensor wrappers that make module state, by qualified name.
var pifStateTypes = map[string]string{
	"torch.nn.Parameter": "nn.Parameter", "torch.nn.parameter.Parameter": "nn.Parameter",
	"torch.nn.Buffer": "nn.Buffer", "torch.nn.parameter.Buffer": "nn.Buffer",
	"torch.nn.UninitializedParameter": "nn.UninitializedParameter", "torch.nn.parameter.UninitializedParameter": "nn.UninitializedParameter",
	"torch.nn.UninitializedBuffer": "nn.UninitializedBuffer", "torch.nn.parameter.UninitializedBuffer": "nn.UninitializedBuffer",
}

func runParameterInForward(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		last := esLast(t, callee)
		if kind := esStateRegisters[string(last)]; kind != "" {
			_, self := esReceiver(f, fn)
			recv := t.Unparen(t.Field(callee, syntax.FieldObject))
			if self == "" || t.Kind(callee) != syntax.KindAttribute || !esSelfChain(t, recv, self) {
				return
			}
			name := ""
			if args, ok := f.BindArgs(call, "name"); ok {
				if s, ok := esString(t, args[0]); ok {
					name = " " + s
				}
			}
			pass.Reportf(call, analysis.Changes, "%s.%s() in %s registers %s%s while export traces: export requires module state to exist before it runs, so the exported program does not hold it as state; register it in __init__",
				fix.Short(t, recv), string(last), fn.QualName(), kind, name)
			return
		}
		if len(last) == 0 || last[0] != 'P' && last[0] != 'B' && last[0] != 'U' {
			return // the byte test most calls stop at
		}
		what := pifStateTypes[esImported(f, callee)]
		if what == "" || pifOwnedElsewhere(f, fn, call) {
			return
		}
		pass.Reportf(call, analysis.Changes, "%s created in %s is not state of the exported program: the tensor it wraps is computed in the graph on every call and state_dict() never holds it; create it once in __init__", what, fn.QualName())
	})
}

// pifOwnedElsewhere reports whether a Parameter or Buffer construction is another finding's:
// the value assigned to self.attr (model_attr_mutation), possibly through a chain of
// assignments, or an argument of a register_* call on the module (reported there).
func pifOwnedElsewhere(f *analysis.File, fn *analysis.Function, call analysis.NodeID) bool {
	t := f.Tree
	_, self := esReceiver(f, fn)
	n := call
	for depth := 0; depth < 16; depth++ {
		p := t.Parent(n)
		switch t.Kind(p) {
		case syntax.KindParenthesizedExpression:
		case syntax.KindAssignment:
			if t.FieldOf(n) != syntax.FieldRight {
				return false
			}
			if self != "" && esSelfChain(t, t.Field(p, syntax.FieldLeft), self) && !t.TextIs(t.Field(p, syntax.FieldLeft), self) {
				return true
			}
		case syntax.KindArgumentList, syntax.KindKeywordArgument:
			return esRegisteredArg(t, n, self)
		default:
			return false
		}
		n = p
	}
	return false
}
