package rules

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// PythonSideEffect finds Python side effects in traced code: output, global state, Python
// random numbers.
var PythonSideEffect = &analysis.Rule{
	Name: "python_side_effect",
	Doc: `## What it does
Finds, in code that torch.export traces:
- ` + "`print(...)`" + `, ` + "`logging.*`" + ` calls and calls on a module-level ` + "`logging.getLogger(...)`" + ` logger,
  ` + "`warnings.warn(...)`" + `;
- writes to a module-level name declared ` + "`global`" + `;
- changes to a module-level list, dict, set or deque (` + "`CACHE.append(x)`" + `, ` + "`STATS[\"n\"] += 1`" + `,
  ` + "`del SEEN[k]`" + `), unless the function binds the name itself;
- Python ` + "`random.*`" + ` and ` + "`numpy.random.*`" + ` calls.

Code under ` + "`if not torch.compiler.is_exporting():`" + ` (or ` + "`is_compiling()`" + `), and code export does not
trace (` + "`__init__`" + `, scripts, tests), is not reported.

## Why is this bad
The exported program holds tensor operations only. Non-strict export runs forward once, on fake
tensors: a side effect happens once, at export time, and never when the exported program runs.
Counters and caches stop updating, log lines disappear (or show fake tensors), and a Python
random draw is burned into the graph as a constant. Strict export cannot trace ` + "`print`" + `,
logging or ` + "`warnings`" + ` calls at all: each one is a graph break for TorchDynamo, and export, which
needs one graph, fails on it.

## Example
` + "```python" + `
STATS = {"calls": 0}

class Model(torch.nn.Module):
    def forward(self, x):
        STATS["calls"] += 1
        print("input", x.shape)
        return x * random.random()
` + "```" + `

## Use instead
` + "```python" + `
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls.add_(1)
        if not torch.compiler.is_exporting():
            print("input", x.shape)
        return x * torch.rand(())
` + "```" + `
State that must survive export belongs in a buffer updated in place; random numbers come from
torch (` + "`torch.rand`" + `, ` + "`torch.randn`" + `, ` + "`torch.randint`" + `), which export records as operations.

## Fix safety
Wrapping a ` + "`print`" + `, logging or ` + "`warnings`" + ` statement in
` + "`if not torch.compiler.is_exporting():`" + ` is safe: outside export the statement runs as before
(torch 2.7 and later). For targets 2.3 to 2.6 the guard is ` + "`torch.compiler.is_compiling()`" + `, which
also skips the statement under torch.compile; the fix title says so. Writes to globals,
containers and random draws have no mechanical fix.

## References
- [torch.export programming model: non-strict tracing](https://pytorch.org/docs/main/export.programming_model.html)
- [torch.compiler.is_exporting](https://pytorch.org/docs/main/generated/torch.compiler.is_exporting.html)
- [Working with graph breaks: printing and logging](https://pytorch.org/docs/main/compile/programming_model.common_graph_breaks.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runPythonSideEffect,
}

// pseLogMethods are the logging calls (module functions and Logger methods).
var pseLogMethods = map[string]bool{
	"debug": true, "info": true, "warning": true, "warn": true, "error": true, "exception": true,
	"critical": true, "fatal": true, "log": true,
}

// pseMutators are methods that change a list, dict, set or deque in place.
var pseMutators = map[string]bool{
	"append": true, "extend": true, "insert": true, "update": true, "add": true, "pop": true, "clear": true,
	"setdefault": true, "remove": true, "popitem": true, "discard": true, "appendleft": true, "extendleft": true,
}

func runPythonSideEffect(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	loggers, containers := pseModuleNames(f)
	output := func(call, callee analysis.NodeID, fn *analysis.Function, what string) {
		outputEffect, msg := analysis.Fails, "%s in traced code: strict export cannot trace it (a graph break) and fails"
		if !pass.StrictAt(call) {
			outputEffect, msg = analysis.Changes, "%s in traced code runs once while export traces and is not part of the exported program"
		}
		fd := pass.Reportf(call, outputEffect, msg, what)
		if fx, ok := pseGuardFix(pass, call); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if callee == analysis.NoNode || !f.RunsWhileExporting(call) {
			return
		}
		switch t.Kind(callee) {
		case syntax.KindIdentifier:
			name := t.String(callee)
			if name == "print" && f.Callee(fn, call).Builtin == "print" {
				output(call, callee, fn, "print call")
				return
			}
			if f.IsImported(callee) {
				pseRandom(pass, call, f.Resolve(callee))
			}
		case syntax.KindAttribute:
			attr := t.String(t.Field(callee, syntax.FieldAttribute))
			obj := t.Unparen(t.Field(callee, syntax.FieldObject))
			if f.IsImported(callee) {
				q := f.Resolve(callee)
				switch {
				case q == "warnings.warn":
					output(call, callee, fn, "warnings.warn call")
				case q == "logging."+attr && pseLogMethods[attr]:
					output(call, callee, fn, fix.Snippet(t, callee)+" call")
				default:
					pseRandom(pass, call, q)
				}
				return
			}
			if obj == analysis.NoNode || t.Kind(obj) != syntax.KindIdentifier {
				return
			}
			name := t.String(obj)
			if f.Binder(fn, name) != nil {
				return
			}
			switch {
			case loggers[name] && pseLogMethods[attr]:
				output(call, callee, fn, fix.Snippet(t, callee)+" call")
			case containers[name] && pseMutators[attr]:
				pass.Reportf(call, analysis.Changes,
					"module-level %s is changed while export traces (%s): the exported program never changes it", name, fix.Snippet(t, callee))
			}
		}
	})
	// STATS["n"] += 1, CACHE[k] = v, del SEEN[k]
	subscriptWrite := func(target analysis.NodeID, fn *analysis.Function, stmt analysis.NodeID) {
		target = t.Unparen(target)
		if target == analysis.NoNode || t.Kind(target) != syntax.KindSubscript || !f.RunsWhileExporting(stmt) {
			return
		}
		v := t.Unparen(t.Field(target, syntax.FieldValue))
		if v == analysis.NoNode || t.Kind(v) != syntax.KindIdentifier {
			return
		}
		name := t.String(v)
		if !containers[name] || f.Binder(fn, name) != nil {
			return
		}
		pass.Reportf(stmt, analysis.Changes,
			"module-level %s is changed while export traces (%s): the exported program never changes it", name, fix.Snippet(t, target))
	}
	pass.Traced(syntax.KindAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		if t.Kind(t.Parent(a)) == syntax.KindExpressionStatement {
			subscriptWrite(t.Field(a, syntax.FieldLeft), fn, a)
		}
	})
	pass.Traced(syntax.KindAugmentedAssignment, func(a analysis.NodeID, fn *analysis.Function) {
		subscriptWrite(t.Field(a, syntax.FieldLeft), fn, a)
	})
	pass.Traced(syntax.KindDeleteStatement, func(d analysis.NodeID, fn *analysis.Function) {
		t.Children(d, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				if t.Kind(c) == syntax.KindExpressionList {
					t.Children(c, func(e analysis.NodeID) bool {
						if t.IsNamed(e) {
							subscriptWrite(e, fn, d)
						}
						return true
					})
				} else {
					subscriptWrite(c, fn, d)
				}
			}
			return true
		})
	})
	// global writes
	pass.Traced(syntax.KindGlobalStatement, func(g analysis.NodeID, fn *analysis.Function) {
		if f.Owner(g) != fn {
			return
		}
		t.Children(g, func(c analysis.NodeID) bool {
			if t.Kind(c) != syntax.KindIdentifier {
				return true
			}
			name := t.String(c)
			for _, k := range [...]syntax.Kind{syntax.KindAssignment, syntax.KindAugmentedAssignment} {
				for _, a := range f.OwnNodes(fn, k) {
					l := t.Field(a, syntax.FieldLeft)
					if l == analysis.NoNode || !pysem.BindsName(t, l, name) || !f.RunsWhileExporting(a) {
						continue
					}
					pass.Reportf(a, analysis.Changes,
						"global %s is written while export traces %s: the exported program never writes it", name, fn.QualName())
					return true
				}
			}
			return true
		})
	})
}

// pseRandom reports a call of Python's random module or numpy.random.
func pseRandom(pass *analysis.Pass, call analysis.NodeID, q string) {
	var what string
	switch {
	case strings.HasPrefix(q, "random."):
		what = "Python's random module"
	case strings.HasPrefix(q, "numpy.random."):
		what = "numpy.random"
	default:
		return
	}
	pass.Reportf(call, analysis.Changes,
		"%s draws from %s while export traces: the exported program keeps that draw as a constant; use torch.rand and friends",
		fix.Snippet(pass.File.Tree, pass.File.Tree.Field(call, syntax.FieldFunction)), what)
}

// pseModuleNames returns the module-level names bound to a logging.getLogger(...) logger and
// to a mutable container (list, dict, set, deque and collections' dicts).
func pseModuleNames(f *analysis.File) (loggers, containers map[string]bool) {
	t := f.Tree
	loggers, containers = map[string]bool{}, map[string]bool{}
	for _, a := range f.Nodes(syntax.KindAssignment) {
		st := t.Parent(a)
		if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || t.Parent(st) != t.Root() {
			continue
		}
		l, r := t.Field(a, syntax.FieldLeft), t.Unparen(t.Field(a, syntax.FieldRight))
		if l == analysis.NoNode || r == analysis.NoNode || t.Kind(l) != syntax.KindIdentifier {
			continue
		}
		name := t.String(l)
		switch t.Kind(r) {
		case syntax.KindList, syntax.KindDictionary, syntax.KindSet, syntax.KindListComprehension,
			syntax.KindDictionaryComprehension, syntax.KindSetComprehension:
			containers[name] = true
		case syntax.KindCall:
			callee := t.Field(r, syntax.FieldFunction)
			q := f.Resolve(callee)
			switch q {
			case "logging.getLogger":
				loggers[name] = f.IsImported(callee)
			case "list", "dict", "set":
				containers[name] = !f.IsImported(callee)
			case "collections.defaultdict", "collections.deque", "collections.OrderedDict", "collections.Counter":
				containers[name] = f.IsImported(callee)
			}
		}
	}
	return loggers, containers
}

// pseGuardFix wraps the statement holding an output call in an export guard, for targets
// where one exists.
func pseGuardFix(pass *analysis.Pass, call analysis.NodeID) (analysis.Fix, bool) {
	f := pass.File
	t := f.Tree
	if pass.TargetBefore(2, 3) {
		return analysis.Fix{}, false
	}
	st := t.Parent(call)
	if st == analysis.NoNode || t.Kind(st) != syntax.KindExpressionStatement || t.Start(st) != t.Start(call) || t.End(st) != t.End(call) {
		return analysis.Fix{}, false
	}
	ls, ok := fix.StatementLine(f, st)
	if !ok {
		return analysis.Fix{}, false
	}
	torch, imp := fix.NewImporter(f).Torch()
	ind := f.Indent(t.Start(st))
	unit := fix.IndentUnit(ind)
	guard, title := "is_exporting()", "run it only outside export: wrap it in if not torch.compiler.is_exporting()"
	if pass.TargetBefore(2, 7) {
		guard, title = "is_compiling()", "run it only outside export and torch.compile: wrap it in if not torch.compiler.is_compiling()"
	}
	fx := analysis.Fix{
		Title:  title,
		Safety: analysis.Safe,
		Edits: []analysis.Edit{{Start: ls, End: t.End(st),
			NewText: ind + "if not " + torch + ".compiler." + guard + ":\n" + ind + unit + t.String(st)}},
	}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	return fx, true
}
