// Package program is the project around a file: which module each file is (source roots and
// the package layout), which project files a set of files imports, and the linking of those
// files into one torchsem.Program. `exportdb check` and the language server both use it,
// so that a model whose layers and helpers live in other files is judged alike in CI and in
// the editor.
//
// Start with Resolver (paths to module names) and Link.
package program

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
)

// Resolver names the module of a file from its path. A file under a source root is named by
// its path from the deepest such root ("src/pkg/mod.py" under root "src" is pkg.mod, also in
// a namespace package without __init__.py). Any other file is named by its package layout:
// the directories above it that hold an __init__.py make its package (as ruff and Python's
// own import system see regular packages); a file in no package is a top-level module.
type Resolver struct {
	roots []string // absolute, cleaned; deepest first

	mu      sync.Mutex
	hasInit map[string]bool // directory -> holds __init__.py
}

// NewResolver returns a resolver over source roots (absolute or relative to the working
// directory; missing ones are kept, since files may be created there later).
func NewResolver(roots []string) *Resolver {
	r := &Resolver{hasInit: map[string]bool{}}
	seen := map[string]bool{}
	for _, root := range roots {
		abs, err := filepath.Abs(root)
		if err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		r.roots = append(r.roots, abs)
	}
	sort.Slice(r.roots, func(i, j int) bool { return len(r.roots[i]) > len(r.roots[j]) })
	return r
}

// Roots returns the source roots, deepest first.
func (r *Resolver) Roots() []string { return r.roots }

// Module names the module of the file at path (absolute, or relative to the working
// directory). The zero Module means the file cannot be imported under any name (a
// directory or file name that is not an identifier on the way).
func (r *Resolver) Module(path string) pysem.Module {
	abs, err := filepath.Abs(path)
	if err != nil {
		return pysem.Module{}
	}
	for _, root := range r.roots {
		if rel, ok := under(root, abs); ok {
			if m, ok := pysem.ModuleOf(filepath.ToSlash(rel)); ok {
				return m
			}
		}
	}
	// the package layout: climb while the directory is a regular package
	dir := filepath.Dir(abs)
	top := dir
	for r.isPackage(top) {
		parent := filepath.Dir(top)
		if parent == top {
			break
		}
		top = parent
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return pysem.Module{}
	}
	m, _ := pysem.ModuleOf(filepath.ToSlash(rel))
	return m
}

// under reports whether path lies inside dir, and its path from there.
func under(dir, path string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// isPackage reports whether dir holds an __init__.py (cached).
func (r *Resolver) isPackage(dir string) bool {
	r.mu.Lock()
	v, ok := r.hasInit[dir]
	r.mu.Unlock()
	if ok {
		return v
	}
	fi, err := os.Stat(filepath.Join(dir, "__init__.py"))
	v = err == nil && fi.Mode().IsRegular()
	r.mu.Lock()
	r.hasInit[dir] = v
	r.mu.Unlock()
	return v
}

// Candidates returns the files a module name may live in under the resolver's roots and
// next to a file of a known module: for pkg.mod, <root>/pkg/mod.py and
// <root>/pkg/mod/__init__.py. The program uses it to find a helper module that no path
// given on the command line names and that never mentions torch.
func Candidates(root, module string) []string {
	rel := filepath.FromSlash(strings.ReplaceAll(module, ".", "/"))
	return []string{filepath.Join(root, rel+".py"), filepath.Join(root, rel, "__init__.py")}
}

// RootOf returns the directory a file of module m at path is named from: path with m's
// components removed ("/p/src/pkg/mod.py" of pkg.mod is "/p/src").
func RootOf(path string, m pysem.Module) string {
	dir := filepath.Dir(path)
	n := strings.Count(m.Name, ".") + 1
	if !m.IsPackage {
		n--
	}
	for i := 0; i < n; i++ {
		dir = filepath.Dir(dir)
	}
	return dir
}
