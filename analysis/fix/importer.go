package fix

import (
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// Importer names modules and their members in a file's code the way the file already
// does ("T" after import torch as T, "nn" after from torch import nn), and says how to
// import them when the file does not: an edit that every fix using the name carries (fixes
// of several findings may share it; analysis.ApplyEdits merges identical edits).
type Importer struct{ f *analysis.File }

// NewImporter returns the Importer of f.
func NewImporter(f *analysis.File) Importer { return Importer{f} }

// Bound returns the name that a module-level import of the file binds to qual: the name
// itself when an import binds it under its own last name (import torch; from torch import
// nn), else the first alias in sorted order (import torch as T); "" when no import binds
// qual. An import inside a function binds its name there only, so a fix elsewhere may not
// use it.
func (im Importer) Bound(qual string) string {
	last := qual[strings.LastIndexByte(qual, '.')+1:]
	if im.f.ModuleImports()[last] == qual {
		return last
	}
	var names []string
	for local, q := range im.f.ModuleImports() {
		if q == qual {
			names = append(names, local)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return slices.Min(names)
}

// Torch returns the name the file uses for the torch module ("torch", "T") and, when no
// import binds it, an edit inserting "import torch" before the first module-level import
// (after __future__ imports when they come first; at the top of a file without imports).
func (im Importer) Torch() (string, *analysis.Edit) {
	if name := im.Bound("torch"); name != "" {
		return name, nil
	}
	f, t := im.f, im.f.Tree
	at := 0
	first := analysis.NoNode
	for _, k := range [...]syntax.Kind{syntax.KindImportStatement, syntax.KindImportFromStatement} {
		for _, n := range f.Nodes(k) {
			if t.Parent(n) == t.Root() && (first == analysis.NoNode || n < first) {
				first = n
				break
			}
		}
	}
	if first != analysis.NoNode {
		at = f.LineStart(f.Line(t.Start(first)))
	} else if fut := f.Nodes(syntax.KindFutureImportStatement); len(fut) > 0 {
		at = f.LineStart(f.Line(t.End(fut[len(fut)-1])) + 1)
	}
	return "torch", &analysis.Edit{Start: at, End: at, NewText: "import torch\n"}
}

// NN returns how the file names torch.nn: a name an import binds to it, or <torch>.nn
// (with Torch's import edit when the file does not import torch).
func (im Importer) NN() (string, *analysis.Edit) {
	if name := im.Bound("torch.nn"); name != "" {
		return name, nil
	}
	torch, imp := im.Torch()
	return torch + ".nn", imp
}

// Dim returns how the file names torch.export.Dim: a name imported for it, <name>.Dim for
// an import of torch.export under another name, or <torch>.export.Dim (with Torch's import
// edit when the file does not import torch).
func (im Importer) Dim() (string, *analysis.Edit) {
	var names []string
	for local, q := range im.f.ModuleImports() {
		if ok, many := torchsem.IsDimAPI(q); ok && !many {
			names = append(names, local)
		}
	}
	if len(names) > 0 {
		return slices.Min(names), nil
	}
	if name := im.Bound("torch.export"); name != "" && name != "torch" {
		return name + ".Dim", nil
	}
	torch, imp := im.Torch()
	return torch + ".export.Dim", imp
}

// SplitImport sorts the clauses of an import-from statement into those drop selects (by the
// imported name, not the alias) and those to keep, as written ("a", "b as c").
func SplitImport(t *syntax.Tree, st analysis.NodeID, drop func(name string) bool) (keep []string, removed bool) {
	mod := t.Field(st, syntax.FieldModuleName)
	t.Children(st, func(c analysis.NodeID) bool {
		if c == mod || t.FieldOf(c) != syntax.FieldName {
			return true
		}
		name := c
		if t.Kind(c) == syntax.KindAliasedImport {
			name = t.Field(c, syntax.FieldName)
		}
		if name != analysis.NoNode && drop(t.String(name)) {
			removed = true
		} else {
			keep = append(keep, t.String(c))
		}
		return true
	})
	return keep, removed
}

// RewriteImport returns an edit making an import-from statement bind only the clauses
// keep: a shorter import, "pass" when it is the only statement of a block, or no
// statement at all.
func RewriteImport(f *analysis.File, st analysis.NodeID, keep []string) analysis.Edit {
	t := f.Tree
	switch {
	case len(keep) > 0:
		mod := t.String(t.Field(st, syntax.FieldModuleName))
		return analysis.Edit{Start: t.Start(st), End: t.End(st), NewText: "from " + mod + " import " + strings.Join(keep, ", ")}
	case t.Kind(t.Parent(st)) == syntax.KindBlock && t.NamedChildCount(t.Parent(st)) == 1:
		return analysis.Edit{Start: t.Start(st), End: t.End(st), NewText: "pass"}
	}
	return DeleteStatement(f, st)
}
