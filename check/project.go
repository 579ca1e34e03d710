package check

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/program"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// project is what the run knows of the project around its targets: each target's module
// name and the files of each module.
type project struct {
	resolver *program.Resolver
	modules  map[string]pysem.Module // target path -> its module
	byModule map[string]int          // module name -> target index (the first one, in path order)
}

// maxContextFiles bounds the project files loaded only because a checked file imports them.
const maxContextFiles = 4096

// newProject names the targets' modules. Source roots are each configuration's src list, or
// its project root and that root's src/ directory (the working directory and its src/ when
// no configuration file is found), so both the flat and the src layout resolve.
func (r *runner) newProject(targets []*target) *project {
	var roots []string
	seen := map[string]bool{}
	for _, t := range targets {
		root := t.cfg.Root
		if root == "" {
			root = r.cwd
		}
		if seen[root] {
			continue
		}
		seen[root] = true
		if len(t.cfg.Src) > 0 {
			roots = append(roots, t.cfg.Src...) // the configuration's src list
		} else {
			roots = append(roots, root, filepath.Join(root, "src"))
		}
	}
	p := &project{resolver: program.NewResolver(roots), modules: map[string]pysem.Module{}, byModule: map[string]int{}}
	for i, t := range targets {
		m := p.resolver.Module(t.abs)
		p.modules[t.abs] = m
		if _, dup := p.byModule[m.Name]; m.Name != "" && !dup {
			p.byModule[m.Name] = i
		}
	}
	return p
}

// link marks the targets that take part in the project: a target that imports another
// target, or a project file under the source roots, and a target another imports.
func (p *project) link(loaded []*loadedFile) {
	onDisk := map[string]bool{}
	for _, lf := range loaded {
		for _, q := range lf.imports {
			for _, m := range prefixes(q) {
				if i, ok := p.byModule[m]; ok {
					if loaded[i] != lf {
						lf.linked, loaded[i].linked = true, true
					}
					continue
				}
				known, ok := onDisk[m]
				if !ok {
					known = len(p.candidates(m)) > 0
					onDisk[m] = known
				}
				if known {
					lf.linked = true
				}
			}
		}
	}
}

// prefixes returns q and its enclosing packages: a.b.c, a.b, a (not for relative names
// that stayed unresolved).
func prefixes(q string) []string {
	var out []string
	for q != "" && !strings.HasPrefix(q, ".") {
		out = append(out, q)
		i := strings.LastIndexByte(q, '.')
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return out
}

// loadImports parses what the linked targets import from the project and was not parsed:
// targets that mention no torch (a helper module of sizes and arithmetic) and files under
// the source roots that were not given on the command line (context: linked, never
// reported). It follows imports transitively and returns the context files.
func (r *runner) loadImports(ctx context.Context, proj *project, targets []*target, loaded []*loadedFile) []*pysem.File {
	var extra []*pysem.File
	done := map[string]bool{}
	var queue []*pysem.File
	for _, lf := range loaded {
		if lf != nil && lf.file != nil {
			queue = append(queue, lf.file)
			done[lf.file.Module.Name] = true
		}
	}
	p := syntax.NewParser()
	defer p.Close()
	for len(queue) > 0 && ctx.Err() == nil {
		f := queue[0]
		queue = queue[1:]
		for _, m := range importedModules(f) {
			if done[m] {
				continue
			}
			done[m] = true
			if i, ok := proj.byModule[m]; ok {
				if lf := loaded[i]; lf != nil && lf.file == nil && lf.err == nil && lf.src != nil {
					lf.linked = true
					lf.parse(ctx, p, true)
					if lf.file != nil {
						r.o.trace.parse(lf.path)
						queue = append(queue, lf.file)
					}
				}
				continue
			}
			if len(extra) >= maxContextFiles {
				continue
			}
			for _, path := range proj.candidates(m) {
				src, err := readSource(path, syntax.MaxSourceSize, syntax.ErrTooLarge.Error())
				if err != nil || analysis.CheckSource(src) != nil {
					continue
				}
				mod := proj.resolver.Module(path)
				if mod.Name != m {
					continue
				}
				cf, err := analysis.ParseModule(ctx, p, src, mod)
				if err == nil {
					r.o.trace.parse(path)
					cf.Path = path
					extra = append(extra, cf)
					queue = append(queue, cf)
				}
				break
			}
		}
	}
	return extra
}

// candidates returns the files module m may be, under the source roots.
func (p *project) candidates(m string) []string {
	var out []string
	for _, root := range p.resolver.Roots() {
		for _, c := range program.Candidates(root, m) {
			if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
				out = append(out, c)
			}
		}
	}
	return out
}

// importedModules returns the project-relative module names f's imports may refer to: each
// qualified import and its enclosing packages (from pkg.layers import Patch may import the
// module pkg.layers.Patch or the name Patch of pkg.layers; both are tried), absolute and
// resolved relative ones; never a relative import that stayed unresolved.
func importedModules(f *pysem.File) []string {
	seen := map[string]bool{}
	var out []string
	add := func(q string) {
		for q != "" && !strings.HasPrefix(q, ".") {
			if !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
			i := strings.LastIndexByte(q, '.')
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	for _, q := range f.ImportQuals() {
		add(q)
	}
	sort.Strings(out)
	return out
}
