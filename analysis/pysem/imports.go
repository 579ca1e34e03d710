package pysem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Module names the Python module a file is: "pkg.sub.mod" for pkg/sub/mod.py, "pkg.sub"
// with IsPackage for pkg/sub/__init__.py. The zero Module is a file outside any known
// package: its relative imports stay unresolved.
type Module struct {
	Name      string
	IsPackage bool
}

// Package is the package relative imports start from: the module itself for a package's
// __init__, its parent otherwise.
func (m Module) Package() string {
	if m.IsPackage {
		return m.Name
	}
	if i := strings.LastIndexByte(m.Name, '.'); i >= 0 {
		return m.Name[:i]
	}
	return ""
}

// Import is one name bound by an import statement.
type Import struct {
	Local string // the name bound in the file: "T" for import torch as T, "torch" for import torch.nn
	// Qual is the qualified name Local refers to: "torch", "torch.nn.functional",
	// "pkg.layers.PatchEmbed" (a relative import resolved against the file's Module). A
	// relative import of a file whose Module is unknown keeps its leading dots (".layers.X"),
	// which no torch name matches.
	Qual string
	// From is the module a from-import reads Local from ("torch.nn" for from torch.nn import
	// Linear); "" for a plain import. The program resolver needs it: Qual may name a module
	// (from pkg import submodule) or a name defined in From.
	From string
	Node NodeID // the import statement
	// Scoped: the statement lies in a function (a def or a lambda's body), where it binds
	// Local for that function only (and the functions nested in it), or in a class body,
	// where it binds a class attribute: not a name of the module, and not one the class's
	// methods see (Python looks a method's free names up in the module, never in the class).
	Scoped bool
}

// ImportQuals returns the qualified names the file's imports refer to, in the order of
// ImportList, then ImportedModules, then StarImports: each import's Qual ("torch",
// "pkg.layers.PatchEmbed"), the dotted modules of plain imports and the star-imported
// modules, as ScanImports lists them without parsing. Callers keep or drop relative
// imports that stayed unresolved (a leading dot).
func (f *File) ImportQuals() []string {
	quals := make([]string, 0, len(f.ImportList)+len(f.ImportedModules)+len(f.StarImports))
	for _, im := range f.ImportList {
		quals = append(quals, im.Qual)
	}
	quals = append(quals, f.ImportedModules...)
	return append(quals, f.StarImports...)
}

// collectImports fills Imports, ImportList and StarImports from every import statement in
// the file (function-level ones included: Python binds them when the function runs, and a
// rule asking what a name means in traced code wants them), and moduleImports when some
// lie in functions or class bodies (which the index says: it runs after it).
func (f *File) collectImports() {
	t := f.Tree
	scoped := false
	add := func(local, qual, from string, stmt NodeID) {
		if local == "" || qual == "" {
			return
		}
		f.Imports[local] = qual
		in := f.owner[stmt] >= 0 || t.Ancestor(stmt, syntax.KindClassDefinition) != NoNode
		im := Import{Local: local, Qual: qual, From: from, Node: stmt, Scoped: in}
		scoped = scoped || in
		f.ImportList = append(f.ImportList, im)
	}
	for _, id := range f.byKind[syntax.KindImportStatement] {
		t.Children(id, func(c NodeID) bool {
			switch t.Kind(c) {
			case syntax.KindDottedName:
				// import a.b.c binds a; a.b.c is imported too (the resolver wants the whole path)
				full := t.String(c)
				first, _, _ := strings.Cut(full, ".")
				add(first, first, "", id)
				if full != first {
					f.ImportedModules = append(f.ImportedModules, full)
				}
			case syntax.KindAliasedImport:
				name := t.Field(c, syntax.FieldName)
				alias := t.Field(c, syntax.FieldAlias)
				if name != NoNode && alias != NoNode {
					add(t.String(alias), t.String(name), "", id)
				}
			}
			return true
		})
	}
	for _, id := range f.byKind[syntax.KindImportFromStatement] {
		mod := t.Field(id, syntax.FieldModuleName)
		prefix, ok := f.fromModule(mod)
		if !ok {
			continue
		}
		t.Children(id, func(c NodeID) bool {
			if c == mod {
				return true
			}
			if t.Kind(c) == syntax.KindWildcardImport {
				f.StarImports = append(f.StarImports, prefix)
				return true
			}
			if t.FieldOf(c) != syntax.FieldName {
				return true
			}
			switch t.Kind(c) {
			case syntax.KindDottedName:
				add(t.String(c), joinQual(prefix, t.String(c)), prefix, id)
			case syntax.KindAliasedImport:
				name := t.Field(c, syntax.FieldName)
				alias := t.Field(c, syntax.FieldAlias)
				if name != NoNode && alias != NoNode {
					add(t.String(alias), joinQual(prefix, t.String(name)), prefix, id)
				}
			}
			return true
		})
	}
	if scoped {
		f.moduleImports = make(map[string]string, len(f.ImportList))
		for _, im := range f.ImportList {
			if !im.Scoped {
				f.moduleImports[im.Local] = im.Qual
			}
		}
	}
}

// ModuleImports returns the bindings of the file's module-level imports by local name:
// Imports without those of the imports inside functions and class bodies, which bind their
// names there only. What the module's namespace holds, and what code written
// at module level (a fix's new call) may name. The map is the file's: read it only.
func (f *File) ModuleImports() map[string]string {
	if f.moduleImports != nil {
		return f.moduleImports
	}
	return f.Imports
}

// moduleImport returns the qualified name name refers to through the file's module-level
// imports.
func (f *File) moduleImport(name []byte) (string, bool) {
	q, ok := f.ModuleImports()[string(name)] // no allocation: a []byte key converted in the index
	return q, ok
}

// fromModule returns the module a from-import reads from: the dotted name itself, or a
// relative one resolved against f.Module ("from ..a import b" in pkg.sub.mod is pkg.a).
// With an unknown module the leading dots are kept.
func (f *File) fromModule(mod NodeID) (string, bool) {
	t := f.Tree
	switch t.Kind(mod) {
	case syntax.KindDottedName:
		return t.String(mod), true
	case syntax.KindRelativeImport:
		level := 0
		rest := ""
		t.Children(mod, func(c NodeID) bool {
			switch t.Kind(c) {
			case syntax.KindImportPrefix:
				level += strings.Count(t.String(c), ".")
			case syntax.KindDottedName:
				rest = t.String(c)
			}
			return true
		})
		if level == 0 {
			return "", false
		}
		return ResolveRelative(f.Module, level, rest), true
	}
	return "", false
}

// ResolveRelative resolves a relative module reference of level dots ("from ..a import b":
// level 2, rest "a") made in module m. When m is unknown, or the dots climb above the top
// package, the result keeps its leading dots so that it never matches an absolute name.
func ResolveRelative(m Module, level int, rest string) string {
	pkg := m.Package()
	for i := 1; i < level && pkg != ""; i++ {
		if j := strings.LastIndexByte(pkg, '.'); j >= 0 {
			pkg = pkg[:j]
		} else {
			pkg = ""
		}
	}
	if pkg == "" { // unknown module, or above the top package (Python raises ImportError)
		return strings.Repeat(".", level) + rest
	}
	return joinQual(pkg, rest)
}

func joinQual(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	case strings.HasSuffix(prefix, "."):
		return prefix + name
	}
	return prefix + "." + name
}

// ModuleOf names the module of a file at path rel (slash-separated, relative to a source
// root): "pkg/sub/mod.py" is pkg.sub.mod, "pkg/__init__.py" the package pkg. ok is false
// when a path element is not a Python identifier (a file that cannot be imported).
func ModuleOf(rel string) (Module, bool) {
	rel = strings.TrimPrefix(rel, "./")
	name, isPy := strings.CutSuffix(rel, ".py")
	if !isPy {
		name, isPy = strings.CutSuffix(rel, ".pyi")
	}
	if !isPy || name == "" {
		return Module{}, false
	}
	parts := strings.Split(name, "/")
	m := Module{}
	if parts[len(parts)-1] == "__init__" {
		parts = parts[:len(parts)-1]
		m.IsPackage = true
		if len(parts) == 0 {
			return Module{}, false
		}
	}
	for _, p := range parts {
		if !isIdentifier(p) {
			return Module{}, false
		}
	}
	m.Name = strings.Join(parts, ".")
	return m, true
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127:
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
