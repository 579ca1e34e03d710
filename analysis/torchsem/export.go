package torchsem

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// ExportAPI says which entry point an export call uses.
type ExportAPI uint8

// Export entry points.
const (
	NotExport ExportAPI = iota
	// Export is torch.export.export(mod, args, kwargs=None, *, dynamic_shapes=None,
	// strict=..., preserve_module_call_signature=()).
	Export
	// DraftExport is torch.export.draft_export: the same arguments; it reports problems
	// instead of failing.
	DraftExport
	// ExportForTraining is torch.export.export_for_training: the same arguments.
	ExportForTraining
	// LegacyExport is torch._export.export, the pre-release API (it took constraints=).
	LegacyExport
	// DynamoExport is torch._dynamo.export, an internal API called as export(mod)(*args) or
	// export(mod, *args); it returns (graph_module, guards), not an ExportedProgram.
	DynamoExport
)

// exportAPIs are the qualified names of the export entry points.
var exportAPIs = map[string]ExportAPI{
	"torch.export.export":              Export,
	"torch.export.draft_export":        DraftExport,
	"torch.export.export_for_training": ExportForTraining,
	"torch._export.export":             LegacyExport,
	"torch._dynamo.export":             DynamoExport,
	"torch._dynamo.eval_frame.export":  DynamoExport,
}

// String is the entry point's qualified name.
func (a ExportAPI) String() string {
	switch a {
	case Export:
		return "torch.export.export"
	case DraftExport:
		return "torch.export.draft_export"
	case ExportForTraining:
		return "torch.export.export_for_training"
	case LegacyExport:
		return "torch._export.export"
	case DynamoExport:
		return "torch._dynamo.export"
	}
	return ""
}

// TakesExampleArgs reports whether the entry point has torch.export.export's signature:
// (mod, args, kwargs, *, dynamic_shapes, strict, ...), args a tuple of positional inputs.
func (a ExportAPI) TakesExampleArgs() bool {
	return a == Export || a == DraftExport || a == ExportForTraining || a == LegacyExport
}

// ExportSite is a call that exports a model: where it is, what it exports, with which
// example inputs and declarations. Absent arguments are NoNode.
type ExportSite struct {
	Call NodeID
	Func *Function // the function making the call; nil at module level
	API  ExportAPI
	// Model is the module exported: the first argument.
	Model NodeID
	// Class is the nn.Module class Model is an instance of, when the model expression builds
	// one (Model(...), Model(...).eval(), a name bound once to one of these), in any file of
	// the program; ClassFile is the file that defines it.
	Class     *Class
	ClassFile *File
	// Args and Kwargs are the example inputs (args a tuple of positional inputs, kwargs a
	// dict); NoNode for torch._dynamo.export, whose inputs follow the model.
	Args, Kwargs NodeID
	// DynamicShapes is the value of dynamic_shapes=.
	DynamicShapes NodeID
	// Strict is the value of strict=.
	Strict NodeID
	// Constraints is the whole constraints= keyword argument (the pre-2.3 API), for fixes
	// that replace it.
	Constraints NodeID
}

// Forward returns the forward method of the exported model's class (through its bases, in
// any file) and that method's file; nil when the class is not known.
func (s ExportSite) Forward() (*File, *Function) {
	if s.Class == nil {
		return nil, nil
	}
	return s.ClassFile.prog.method(s.ClassFile, s.Class, "forward")
}

// ExportSite returns the export call at call (made in fn, nil at module level), and false
// when call is not one or passes its arguments through splats (*args, **kw).
func (f *File) ExportSite(fn *Function, call NodeID) (ExportSite, bool) {
	t := f.Tree
	callee := t.Field(call, syntax.FieldFunction)
	if !f.IsImported(callee) {
		return ExportSite{}, false
	}
	api := exportAPIs[f.Resolve(callee)]
	if api == NotExport {
		return ExportSite{}, false
	}
	s := ExportSite{Call: call, Func: fn, API: api, Model: NoNode, Args: NoNode, Kwargs: NoNode,
		DynamicShapes: NoNode, Strict: NoNode, Constraints: NoNode}
	if api == DynamoExport {
		pos, _ := f.Args(call)
		if len(pos) == 0 || t.Kind(pos[0]) == syntax.KindListSplat || t.Kind(pos[0]) == syntax.KindDictionarySplat {
			return ExportSite{}, false
		}
		s.Model = pos[0]
	} else {
		args, ok := f.BindArgs(call, "mod|f", "args", "kwargs") // the rest are keyword-only
		if !ok {
			return ExportSite{}, false
		}
		s.Model, s.Args, s.Kwargs = args[0], args[1], args[2]
		s.DynamicShapes = f.KwArg(call, "dynamic_shapes")
		s.Strict = f.KwArg(call, "strict")
		if c := f.KwArg(call, "constraints"); c != NoNode {
			s.Constraints = t.Parent(c)
		}
	}
	s.ClassFile, s.Class = f.modelClass(fn, s.Model, 0)
	return s, true
}

// ExportSites returns the export calls of the file, in source order. They are computed once
// per File: a file kept unchanged in the programs that replace its neighbours (Program.Replace)
// answers from its own program, so every program that collects declarations reads them again
// for free. The caller must not modify the slice.
func (f *File) ExportSites() []ExportSite {
	f.sitesOnce.Do(func() {
		kept := f.keptSites
		f.keptSites = nil
		calls := f.Nodes(syntax.KindCall)
		if kept == nil {
			f.sites = f.exportSitesIn(calls, nil)
		} else {
			f.sites = kept.merge(f, calls)
		}
		f.sitesDone.Store(true)
	})
	return f.sites
}

// exportSitesIn appends to out the export sites of calls (in order).
func (f *File) exportSitesIn(calls []NodeID, out []ExportSite) []ExportSite {
	for _, call := range calls {
		if !f.mayExport(call) {
			continue
		}
		if s, ok := f.ExportSite(f.Owner(call), call); ok {
			out = append(out, s)
		}
	}
	return out
}

// exportLastNames are the last names of the entry points of exportAPIs.
var exportLastNames = map[string]bool{"export": true, "draft_export": true, "export_for_training": true}

// mayExport reports, without resolving the callee, whether call may be an export call
// (ExportSite): its callee is an imported name bound to an entry point, or an attribute
// whose name is an entry point's last name.
func (f *File) mayExport(call NodeID) bool {
	t := f.Tree
	callee := t.Field(call, syntax.FieldFunction)
	// string(t.Text(n)) in a map index does not allocate: this runs for every call of the file
	switch t.Kind(callee) {
	case syntax.KindIdentifier:
		q, ok := f.ImportOf(callee)
		return ok && exportAPIs[q] != NotExport
	case syntax.KindAttribute:
		return exportLastNames[string(t.Text(t.Field(callee, syntax.FieldAttribute)))]
	}
	return false
}

// moduleReturningMethods are nn.Module methods that return the module itself.
var moduleReturningMethods = map[string]bool{
	"eval": true, "train": true, "to": true, "cuda": true, "cpu": true, "float": true, "half": true,
	"double": true, "bfloat16": true, "requires_grad_": true, "to_empty": true,
}

// maxModelDepth bounds the names and method calls modelClass follows.
const maxModelDepth = 8

// modelClass returns the nn.Module class (and its file) that a model expression inside fn
// builds: Model(...), Model(...).eval(), a name bound once to one of these, or a call of a
// function of the project that returns one (a factory). A name bound several times is the
// binding that reaches it (pysem.ReachingBinding).
func (f *File) modelClass(fn *Function, e NodeID, depth int) (*File, *Class) {
	t := f.Tree
	e = t.Unparen(e)
	if e == NoNode || depth > maxModelDepth {
		return nil, nil
	}
	switch t.Kind(e) {
	case syntax.KindIdentifier:
		id, scope := f.ReachingBinding(fn, t.String(e), e)
		if v := pysem.AssignedValue(t, id); v != NoNode && (scope != fn || t.End(t.Parent(id)) <= t.Start(e)) {
			return f.modelClass(scope, v, depth+1)
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindAttribute && moduleReturningMethods[t.String(t.Field(callee, syntax.FieldAttribute))] &&
			!f.IsImported(callee) {
			return f.modelClass(fn, t.Field(callee, syntax.FieldObject), depth+1)
		}
		c := f.Callee(fn, e)
		if c.Class != nil && c.ClassFile.IsModule(c.Class) {
			return c.ClassFile, c.Class
		}
		// a factory function of the project: the class its returns build
		if c.Func != nil && c.Class == nil && c.File != nil {
			for _, r := range c.File.OwnNodes(c.Func, syntax.KindReturnStatement) {
				if cf, cls := c.File.modelClass(c.Func, c.File.Tree.NamedChild(r, 0), depth+1); cls != nil {
					return cf, cls
				}
			}
		}
	}
	return nil, nil
}

// dimAPIs are the qualified names of torch.export.Dim (one dimension) and torch.export.dims
// (several).
var dimAPIs = map[string]bool{
	"torch.export.Dim":                true,
	"torch.export.dynamic_shapes.Dim": true,
}

var dimsAPIs = map[string]bool{
	"torch.export.dims":                true,
	"torch.export.dynamic_shapes.dims": true,
}

// IsDimAPI reports whether q names torch.export.Dim, which declares one dynamic dimension;
// many is true for torch.export.dims, which declares several.
func IsDimAPI(q string) (ok, many bool) {
	switch {
	case dimAPIs[q]:
		return true, false
	case dimsAPIs[q]:
		return true, true
	}
	return false, false
}

// dynamicDimAPIs build constraints for the pre-2.3 constraints= argument.
var dynamicDimAPIs = map[string]bool{
	"torch.export.dynamic_dim":                true,
	"torch._export.dynamic_dim":               true,
	"torch.export.dynamic_shapes.dynamic_dim": true,
}

// IsDynamicDimAPI reports whether q names dynamic_dim, which built a constraint for the
// constraints= argument that torch 2.3 removed.
func IsDynamicDimAPI(q string) bool { return dynamicDimAPIs[q] }

// Inputs describes the parameters of a forward that receive the exported program's inputs
// (all but self).
type Inputs struct {
	Names      []string // positional and keyword-only parameters, in order
	Positional int      // how many of them can be passed positionally
	Required   int      // how many positional ones have no default
	Variadic   bool     // forward takes *args or **kwargs
}

// InputsOf returns the inputs of forward method fwd, and false when its signature is not
// the one export reads: fwd is nil, decorated (a wrapper may take other arguments), a static
// or class method, or takes no self.
func InputsOf(fwd *Function) (Inputs, bool) {
	var in Inputs
	if fwd == nil || len(fwd.Decorators) > 0 || fwd.StaticMethod || fwd.ClassMethod || len(fwd.Params) == 0 {
		return in, false
	}
	for _, p := range fwd.Params[1:] {
		switch p.Kind {
		case pysem.VarPositional, pysem.VarKeyword:
			in.Variadic = true
		case pysem.Positional:
			in.Positional++
			if p.Default == NoNode {
				in.Required++
			}
			in.Names = append(in.Names, p.Name)
		default:
			in.Names = append(in.Names, p.Name)
		}
	}
	return in, true
}
