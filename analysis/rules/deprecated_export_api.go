package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DeprecatedExportAPI finds deprecated and removed export APIs anywhere in a file.
var DeprecatedExportAPI = &analysis.Rule{
	Name: "deprecated_export_api",
	Doc: `## What it does
Finds, anywhere in a file (scripts, tests and export call sites included, not only the code
export traces), the export APIs that today's API replaces:
- the ` + "`constraints=`" + ` argument of ` + "`torch.export.export`" + ` (and of the older ` + "`torch._export.export`" + `), and
  ` + "`torch.export.dynamic_dim(...)`" + ` calls outside such an argument;
- ` + "`torch._dynamo.export(model)(*args)`" + ` and ` + "`torch._dynamo.export(model, *args)`" + `;
- imports from ` + "`functorch.experimental.control_flow`" + ` (its ` + "`cond`" + ` and ` + "`map`" + `);
- ` + "`torch._constrain_as_size`" + `, ` + "`torch._constrain_as_value`" + ` and, for targets from 2.11,
  ` + "`torch._check_is_size`" + `, in code export does not trace. In traced code the seed rules
  constrain_as_size_example and constrain_as_value_example report these calls, so this rule
  leaves them alone there: a call is reported by exactly one rule.

Every finding is marked deprecated. Severity follows the target version: an API removed at the
target is an error (` + "`constraints=`" + ` and ` + "`dynamic_dim`" + ` from 2.3, ` + "`torch._constrain_as_value`" + ` from 2.4);
` + "`constraints=`" + ` and ` + "`dynamic_dim`" + ` before 2.3 and ` + "`torch._dynamo.export`" + ` are information; the old
spellings that still work unchanged (functorch's control flow, ` + "`torch._constrain_as_size`" + `,
` + "`torch._check_is_size`" + `) are hints, as in the seed rules.

## Why is this bad
Dynamic dimensions used to be declared as ` + "`constraints=[dynamic_dim(x, 0)]`" + `; that argument was
deprecated in favour of ` + "`dynamic_shapes=`" + ` with ` + "`torch.export.Dim`" + ` and removed in torch 2.3, where the call
fails with ` + "`TypeError: export() got an unexpected keyword argument 'constraints'`" + `.
` + "`torch._constrain_as_value`" + ` was removed in 2.4 and ` + "`torch._constrain_as_size`" + ` is superseded by
` + "`torch._check`" + `; from 2.11 ` + "`torch._check_is_size`" + ` asks for ` + "`torch._check(a >= 0)`" + `.
` + "`torch._dynamo.export`" + ` is an internal API: it returns a graph module and guards rather than an
` + "`ExportedProgram`" + `, and ` + "`torch.export.export`" + ` is the supported entry point.
` + "`functorch.experimental.control_flow`" + ` only re-exports ` + "`torch.cond`" + ` and ` + "`torch._higher_order_ops.map`" + `
under their old import path.

## Example
` + "```python" + `
from functorch.experimental.control_flow import cond
from torch.export import dynamic_dim, export

x = torch.randn(4, 8)
ep = export(Model(), (x,), constraints=[dynamic_dim(x, 0) >= 2])
gm, guards = torch._dynamo.export(Model())(x)
` + "```" + `

## Use instead
` + "```python" + `
from torch.export import Dim, export

ep = export(Model(), (x,), dynamic_shapes={"x": {0: Dim("x_dim0", min=2)}})
ep = torch.export.export(Model(), (x,), strict=True)
` + "```" + `
and ` + "`torch.cond`" + ` for ` + "`cond`" + `.

## Fix safety
- ` + "`constraints=[dynamic_dim(x, 0), dynamic_dim(y, 1) <= 64, ...]`" + ` becomes ` + "`dynamic_shapes=`" + ` with one
  ` + "`Dim`" + ` per constrained dimension, bounds carried over: a dict keyed by ` + "`forward`" + `'s parameter
  names when the model's class is in the file, a tuple in input order otherwise. The fix needs the
  example args as a tuple of names and each constraint in that simple form; it also drops
  ` + "`dynamic_dim`" + ` from its import when no other use is left. It is safe: the same dimensions are
  dynamic with the same bounds. A call of ` + "`torch._export.export`" + ` gets no fix: the function itself is
  gone, and moving to ` + "`torch.export.export`" + ` is the author's step.
- Replacing ` + "`torch._dynamo.export(model)(x, y)`" + ` with ` + "`torch.export.export(model, (x, y), strict=True)`" + ` is
  unsafe: the result is an ` + "`ExportedProgram`" + `, not ` + "`(graph_module, guards)`" + `, so code using the
  result changes with it. ` + "`strict=True`" + ` keeps dynamo's tracing (export's default became non-strict
  later); it is left out for targets before 2.3.
- Importing ` + "`cond`" + ` as ` + "`torch.cond`" + ` and ` + "`map`" + ` from ` + "`torch._higher_order_ops.map`" + ` is safe: they are the
  objects the functorch path re-exports.
- The ` + "`torch._constrain_as_*`" + ` and ` + "`torch._check_is_size`" + ` rewrites are those of the seed rules: safe, the
  same bounds are checked.

## References
- [torch.export: dynamic shapes with Dim](https://pytorch.org/docs/main/export.html)
- [torch.cond](https://pytorch.org/docs/main/generated/torch.cond.html)
- [pytorch/pytorch#120860: remove the deprecated constraints API](https://github.com/pytorch/pytorch/pull/120860)
`,
	Run: runDeprecatedExportAPI,
}

func runDeprecatedExportAPI(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	constraintsRemoved := !pass.TargetBefore(2, 3)
	var exports []torchsem.ExportSite
	for _, s := range f.ExportSites() {
		if (s.API == torchsem.Export || s.API == torchsem.LegacyExport) && s.Constraints != analysis.NoNode {
			exports = append(exports, s)
		}
	}
	for i := range exports {
		ec := &exports[i]
		eff, msg := analysis.Caveat, "constraints= is deprecated: declare dynamic dimensions with dynamic_shapes= and torch.export.Dim"
		if constraintsRemoved {
			eff, msg = analysis.Fails, "torch.export.export no longer accepts constraints= (removed in torch 2.3): declare dynamic dimensions with dynamic_shapes= and torch.export.Dim"
		}
		if ec.API == torchsem.LegacyExport {
			msg = "torch._export.export with constraints= is the pre-release export API: call torch.export.export with dynamic_shapes= and torch.export.Dim"
		}
		fd := pass.Reportf(ec.Constraints, eff, "%s", msg)
		fd.Deprecated = true
		if fx, ok := deaConstraintsFix(pass, ec); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
	pass.AllCalls(torchsem.DynamoExport.String(), func(call analysis.NodeID, _ *analysis.Function) {
		deaDynamoExportCall(pass, call)
	})
	for _, q := range []string{"torch.export.dynamic_dim", "torch._export.dynamic_dim", "torch.export.dynamic_shapes.dynamic_dim"} {
		pass.AllCalls(q, func(call analysis.NodeID, _ *analysis.Function) {
			// a dynamic_dim inside a constraints= argument is covered by that argument's finding
			for i := range exports {
				if t.Contains(exports[i].Constraints, call) {
					return
				}
			}
			var fd *analysis.Finding
			if constraintsRemoved {
				fd = pass.Reportf(call, analysis.Fails, "torch.export.dynamic_dim builds constraints, which torch.export.export no longer accepts (torch 2.3): describe the dimension with torch.export.Dim in dynamic_shapes=")
			} else {
				fd = pass.Reportf(call, analysis.Caveat, "torch.export.dynamic_dim is deprecated: describe the dimension with torch.export.Dim in dynamic_shapes=")
			}
			fd.Deprecated = true
		})
	}
	for _, q := range []string{torchsem.ConstrainAsSizeAPI, torchsem.ConstrainAsValueAPI, torchsem.CheckIsSizeAPI} {
		pass.AllCalls(q, func(call analysis.NodeID, fn *analysis.Function) {
			if !f.Traced(fn) { // the seed rules own the calls in traced code
				deaConstrainCall(pass, call, q)
			}
		})
	}
	deaFunctorchImports(pass)
}

// deaConstrainCall reports torch._constrain_as_size/_constrain_as_value and (from 2.11)
// torch._check_is_size outside traced code; the seed rules own the calls in traced code.
func deaConstrainCall(pass *analysis.Pass, call analysis.NodeID, api string) {
	f := pass.File
	modern := !pass.TargetBefore(2, 11)
	var fd *analysis.Finding
	var fx analysis.Fix
	ok := false
	switch api {
	case torchsem.ConstrainAsValueAPI:
		if pass.TargetBefore(2, 4) {
			fd = pass.Reportf(call, analysis.Note, "torch._constrain_as_value is deprecated: bound %s with torch._check", constrainSubject(f, call))
		} else {
			fd = pass.Reportf(call, analysis.Fails, "torch._constrain_as_value was removed in torch 2.4: this call fails; bound %s with torch._check", constrainSubject(f, call))
		}
		fx, ok = constrainBoundsFix(f, call, torchsem.ConstrainAsValueAPI, true, "replace torch._constrain_as_value with torch._check bounds")
	case torchsem.ConstrainAsSizeAPI:
		fd = pass.Reportf(call, analysis.Note, "torch._constrain_as_size is deprecated: state the bounds of %s with torch._check", constrainSubject(f, call))
		title := "replace torch._constrain_as_size with torch._check bounds"
		if !modern {
			title = "replace torch._constrain_as_size with torch._check_is_size and torch._check bounds"
		}
		fx, ok = constrainBoundsFix(f, call, torchsem.ConstrainAsSizeAPI, modern, title)
	case torchsem.CheckIsSizeAPI:
		if !modern {
			return
		}
		fd = pass.Reportf(call, analysis.Note, "torch._check_is_size is deprecated from torch 2.11: check %s >= 0 with torch._check", constrainSubject(f, call))
		fx, ok = constrainBoundsFix(f, call, torchsem.CheckIsSizeAPI, modern, "replace torch._check_is_size(a) with torch._check(a >= 0)")
	}
	fd.Deprecated = true
	if ok {
		fd.Fixes = append(fd.Fixes, fx)
	}
}

// deaDim is one dynamic dimension gathered from a constraints list.
type deaDim struct {
	arg, dim int
	min, max *int64
}

// deaConstraintsFix rewrites constraints=[dynamic_dim(x, 0), dynamic_dim(x, 0) <= 8, ...] into
// dynamic_shapes=, when every element has that form and the example args are a tuple of
// names.
func deaConstraintsFix(pass *analysis.Pass, ec *torchsem.ExportSite) (analysis.Fix, bool) {
	f := pass.File
	t := f.Tree
	if ec.API == torchsem.LegacyExport || ec.DynamicShapes != analysis.NoNode || ec.Kwargs != analysis.NoNode || ec.Args == analysis.NoNode {
		return analysis.Fix{}, false // torch._export.export itself is gone: no in-place rewrite
	}
	lst := t.Unparen(t.Field(ec.Constraints, syntax.FieldValue))
	if lst == analysis.NoNode || (t.Kind(lst) != syntax.KindList && t.Kind(lst) != syntax.KindTuple) {
		return analysis.Fix{}, false
	}
	args := f.BoundValue(ec.Func, ec.Args)
	if args == analysis.NoNode || t.Kind(args) != syntax.KindTuple {
		return analysis.Fix{}, false
	}
	var argNames []string
	index := map[string]int{}
	for i, a := range t.NamedChildren(args, nil) {
		if t.Kind(a) != syntax.KindIdentifier {
			return analysis.Fix{}, false
		}
		argNames = append(argNames, t.String(a))
		if _, dup := index[t.String(a)]; !dup {
			index[t.String(a)] = i
		}
	}
	var dims []*deaDim
	find := func(arg, dim int) *deaDim {
		for _, d := range dims {
			if d.arg == arg && d.dim == dim {
				return d
			}
		}
		d := &deaDim{arg: arg, dim: dim}
		dims = append(dims, d)
		return d
	}
	for _, el := range t.NamedChildren(lst, nil) {
		el = t.Unparen(el)
		dd, op, bound := el, "", int64(0)
		if t.Kind(el) == syntax.KindComparisonOperator {
			kids := t.NamedChildren(el, nil)
			if len(kids) != 2 {
				return analysis.Fix{}, false
			}
			op = t.Operator(el)
			if v, ok := pysem.IntLiteral(t, kids[1]); ok {
				dd, bound = kids[0], v
			} else if v, ok := pysem.IntLiteral(t, kids[0]); ok {
				dd, bound = kids[1], v
				op = map[string]string{">=": "<=", "<=": ">=", ">": "<", "<": ">"}[op]
			} else {
				return analysis.Fix{}, false
			}
		}
		arg, dim, ok := deaDynamicDimCall(pass, dd, index)
		if !ok {
			return analysis.Fix{}, false
		}
		d := find(arg, dim)
		lo, hi := d.min, d.max
		switch op {
		case "":
		case ">=":
			lo = &bound
		case ">":
			b := bound + 1
			lo = &b
		case "<=":
			hi = &bound
		case "<":
			b := bound - 1
			hi = &b
		default:
			return analysis.Fix{}, false
		}
		d.min, d.max = lo, hi
		if lo != nil && hi != nil && *hi <= *lo {
			return analysis.Fix{}, false
		}
	}
	if len(dims) == 0 {
		return analysis.Fix{}, false
	}
	dimRef, imp := fix.NewImporter(f).Dim()
	var names []string // the name each input gets: forward's parameter, or the arg's variable
	dict := false
	if _, fwd := ec.Forward(); fwd != nil {
		if in, ok := torchsem.InputsOf(fwd); ok && !in.Variadic && len(argNames) <= in.Positional {
			names, dict = in.Names[:len(argNames)], true
		}
	}
	if !dict {
		names = argNames
	}
	slices.SortStableFunc(dims, func(a, b *deaDim) int {
		if a.arg != b.arg {
			return a.arg - b.arg
		}
		return a.dim - b.dim
	})
	specs := make([]string, len(argNames))
	for i := range specs {
		var parts []string
		for _, d := range dims {
			if d.arg != i {
				continue
			}
			call := dimRef + "(" + strconv.Quote(fmt.Sprintf("%s_dim%d", names[i], d.dim))
			if d.min != nil {
				call += fmt.Sprintf(", min=%d", *d.min)
			}
			if d.max != nil {
				call += fmt.Sprintf(", max=%d", *d.max)
			}
			parts = append(parts, fmt.Sprintf("%d: %s)", d.dim, call))
		}
		specs[i] = "None"
		if len(parts) > 0 {
			specs[i] = "{" + strings.Join(parts, ", ") + "}"
		}
	}
	var value string
	if dict {
		var entries []string
		for i, s := range specs {
			entries = append(entries, strconv.Quote(names[i])+": "+s)
		}
		value = "{" + strings.Join(entries, ", ") + "}"
	} else {
		value = "(" + strings.Join(specs, ", ")
		if len(specs) == 1 {
			value += ","
		}
		value += ")"
	}
	fx := analysis.Fix{Title: "replace constraints= with dynamic_shapes= and torch.export.Dim", Safety: analysis.Safe,
		Edits: []analysis.Edit{{Start: t.Start(ec.Constraints), End: t.End(ec.Constraints), NewText: "dynamic_shapes=" + value}}}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	fx.Edits = append(fx.Edits, deaDropDynamicDimImport(f, ec.Constraints)...)
	return fx, true
}

// deaDynamicDimCall reads dynamic_dim(x, k) with x one of the example args.
func deaDynamicDimCall(pass *analysis.Pass, e analysis.NodeID, index map[string]int) (arg, dim int, ok bool) {
	f := pass.File
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || t.Kind(e) != syntax.KindCall {
		return 0, 0, false
	}
	if !torchsem.IsDynamicDimAPI(pass.CallName(e)) {
		return 0, 0, false
	}
	pos, kws := f.Args(e)
	if len(pos) != 2 || len(kws) != 0 || t.Kind(pos[0]) != syntax.KindIdentifier {
		return 0, 0, false
	}
	i, known := index[t.String(pos[0])]
	d, isInt := pysem.IntLiteral(t, pos[1])
	if !known || !isInt || d < 0 {
		return 0, 0, false
	}
	return i, int(d), true
}

// deaDropDynamicDimImport removes dynamic_dim from the from-imports that bind it, when every
// use of the imported name lies inside the constraints argument being rewritten.
func deaDropDynamicDimImport(f *analysis.File, kw analysis.NodeID) []analysis.Edit {
	t := f.Tree
	var local []string
	for name, q := range f.Imports {
		if torchsem.IsDynamicDimAPI(q) {
			local = append(local, name)
		}
	}
	for _, name := range local {
		for _, id := range f.Nodes(syntax.KindIdentifier) {
			if !t.TextIs(id, name) || t.Contains(kw, id) {
				continue
			}
			if p := t.Parent(id); p != analysis.NoNode {
				switch t.Kind(p) {
				case syntax.KindDottedName, syntax.KindAliasedImport, syntax.KindImportFromStatement:
					continue // the import itself
				}
			}
			return nil // used elsewhere: keep the import
		}
	}
	var edits []analysis.Edit
	for _, st := range f.Nodes(syntax.KindImportFromStatement) {
		mod := t.Field(st, syntax.FieldModuleName)
		if mod == analysis.NoNode || t.HasError(st) {
			continue
		}
		prefix := t.String(mod)
		keep, removed := fix.SplitImport(t, st, func(name string) bool { return torchsem.IsDynamicDimAPI(prefix + "." + name) })
		if removed {
			edits = append(edits, fix.RewriteImport(f, st, keep))
		}
	}
	return edits
}

// deaDynamoExportCall reports torch._dynamo.export, with a fix for the two call forms whose
// arguments are all visible: export(model)(a, b) and export(model, a, b).
func deaDynamoExportCall(pass *analysis.Pass, call analysis.NodeID) {
	f := pass.File
	t := f.Tree
	fd := pass.Reportf(call, analysis.Caveat, "torch._dynamo.export is an internal API: export with torch.export.export, which returns an ExportedProgram")
	fd.Deprecated = true
	pos, kws := f.Args(call)
	if len(pos) == 0 || len(kws) != 0 {
		return
	}
	model := pos[0]
	if t.Kind(model) == syntax.KindListSplat || t.Kind(model) == syntax.KindDictionarySplat {
		return
	}
	if m := t.Unparen(model); t.Kind(m) == syntax.KindIdentifier && f.LookupFunc(f.Owner(call), t.String(m)) != nil {
		return // a plain function: torch.export.export takes an nn.Module
	}
	whole, inputs := call, pos[1:]
	if len(pos) == 1 {
		outer := t.Parent(call)
		if outer == analysis.NoNode || t.Kind(outer) != syntax.KindCall || t.FieldOf(call) != syntax.FieldFunction {
			return
		}
		var okw []analysis.NodeID
		inputs, okw = f.Args(outer)
		if len(okw) != 0 {
			return
		}
		whole = outer
	}
	var args string
	switch {
	case len(inputs) == 1 && t.Kind(inputs[0]) == syntax.KindListSplat:
		args = "tuple(" + t.String(t.NamedChild(inputs[0], 0)) + ")"
	default:
		var parts []string
		for _, a := range inputs {
			if k := t.Kind(a); k == syntax.KindListSplat || k == syntax.KindDictionarySplat {
				return
			}
			parts = append(parts, t.String(a))
		}
		args = "(" + strings.Join(parts, ", ")
		if len(parts) == 1 {
			args += ","
		}
		args += ")"
	}
	// strict=True keeps dynamo's tracing; the default turned to non-strict in 2.7, and the
	// argument is spelt out only for targets that surely have it (2.3 on)
	strict := ", strict=True"
	if pass.TargetBefore(2, 3) {
		strict = ""
	}
	torch, imp := fix.NewImporter(f).Torch()
	fx := analysis.Fix{Title: "replace torch._dynamo.export with torch.export.export (returns an ExportedProgram, not (graph_module, guards))",
		Safety: analysis.Unsafe,
		Edits: []analysis.Edit{{Start: t.Start(whole), End: t.End(whole),
			NewText: torch + ".export.export(" + t.String(model) + ", " + args + strict + ")"}}}
	if imp != nil {
		fx.Edits = append(fx.Edits, *imp)
	}
	fd.Fixes = append(fd.Fixes, fx)
}

// deaFunctorchImports reports imports of functorch.experimental.control_flow.
func deaFunctorchImports(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	var cond *analysis.Fix
	condDone := false
	condFix := func() *analysis.Fix {
		if !condDone {
			condDone = true
			cond = fix.FunctorchCond(f)
		}
		return cond
	}
	report := func(n analysis.NodeID) *analysis.Finding {
		fd := pass.Reportf(n, analysis.Note, "functorch.experimental.control_flow is the old import path of torch.cond and torch._higher_order_ops.map")
		fd.Deprecated = true
		return fd
	}
	for _, st := range f.Nodes(syntax.KindImportFromStatement) {
		mod := t.Field(st, syntax.FieldModuleName)
		if mod == analysis.NoNode || t.HasError(st) {
			continue
		}
		switch {
		case t.TextIs(mod, torchsem.FunctorchControlFlow):
			fd := report(mod)
			// a statement importing only cond takes the cond rules' migration (the same edits,
			// merged when both are applied); map, or a cond nothing uses, is rewritten in place
			if fx := condFix(); fx != nil && !deaImportsMap(t, st, mod) {
				fd.Fixes = append(fd.Fixes, *fx)
			} else if fx, ok := deaFunctorchFromFix(f, st, mod); ok {
				fd.Fixes = append(fd.Fixes, fx)
			}
		case t.TextIs(mod, "functorch.experimental"):
			t.Children(st, func(c analysis.NodeID) bool {
				name := c
				if t.Kind(c) == syntax.KindAliasedImport {
					name = t.Field(c, syntax.FieldName)
				}
				if c != mod && t.FieldOf(c) == syntax.FieldName && name != analysis.NoNode && t.TextIs(name, "control_flow") {
					fd := report(c)
					if fx := condFix(); fx != nil {
						fd.Fixes = append(fd.Fixes, *fx)
					}
				}
				return true
			})
		}
	}
	for _, st := range f.Nodes(syntax.KindImportStatement) {
		t.Children(st, func(c analysis.NodeID) bool {
			name := c
			if t.Kind(c) == syntax.KindAliasedImport {
				name = t.Field(c, syntax.FieldName)
			}
			if t.FieldOf(c) == syntax.FieldName && name != analysis.NoNode && t.TextIs(name, torchsem.FunctorchControlFlow) {
				fd := report(c)
				if fx := condFix(); fx != nil {
					fd.Fixes = append(fd.Fixes, *fx)
				}
			}
			return true
		})
	}
}

// deaImportsMap reports whether a from-import statement imports map.
func deaImportsMap(t *syntax.Tree, st, mod analysis.NodeID) bool {
	found := false
	t.Children(st, func(c analysis.NodeID) bool {
		name := c
		if t.Kind(c) == syntax.KindAliasedImport {
			name = t.Field(c, syntax.FieldName)
		}
		if c != mod && t.FieldOf(c) == syntax.FieldName && name != analysis.NoNode && t.TextIs(name, "map") {
			found = true
		}
		return !found
	})
	return found
}

// deaFunctorchFromFix rewrites `from functorch.experimental.control_flow import cond, map`
// in place, keeping the local names: cond from torch, map from torch._higher_order_ops.map,
// anything else from the old path.
func deaFunctorchFromFix(f *analysis.File, st, mod analysis.NodeID) (analysis.Fix, bool) {
	t := f.Tree
	var conds, maps, rest []string
	t.Children(st, func(c analysis.NodeID) bool {
		if c == mod || t.FieldOf(c) != syntax.FieldName {
			return true
		}
		name := c
		if t.Kind(c) == syntax.KindAliasedImport {
			name = t.Field(c, syntax.FieldName)
		}
		switch {
		case name == analysis.NoNode:
		case t.TextIs(name, "cond"):
			conds = append(conds, t.String(c))
		case t.TextIs(name, "map"):
			maps = append(maps, t.String(c))
		default:
			rest = append(rest, t.String(c))
		}
		return true
	})
	if (len(maps) == 0 && len(conds) == 0) || strings.Contains(t.String(st), "\\") {
		return analysis.Fix{}, false
	}
	ind := f.Indent(t.Start(st))
	if f.LineStart(f.Line(t.Start(st)))+len(ind) != t.Start(st) {
		return analysis.Fix{}, false // shares its line with other statements
	}
	var lines []string
	if len(conds) > 0 {
		lines = append(lines, "from torch import "+strings.Join(conds, ", "))
	}
	if len(maps) > 0 {
		lines = append(lines, "from torch._higher_order_ops.map import "+strings.Join(maps, ", "))
	}
	if len(rest) > 0 {
		lines = append(lines, "from "+torchsem.FunctorchControlFlow+" import "+strings.Join(rest, ", "))
	}
	var title string
	switch {
	case len(conds) > 0 && len(maps) > 0:
		title = "import cond from torch and map from torch._higher_order_ops.map"
	case len(conds) > 0:
		title = "import cond from torch"
	default:
		title = "import map from torch._higher_order_ops.map"
	}
	return analysis.Fix{Title: title, Safety: analysis.Safe,
		Edits: []analysis.Edit{{Start: t.Start(st), End: t.End(st), NewText: strings.Join(lines, "\n"+ind)}}}, true
}
