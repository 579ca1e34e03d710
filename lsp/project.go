package lsp

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/program"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// The project: open documents are analysed as part of the workspace, so that a model
// whose layers and helpers live in other files is judged as `exportdb check` judges it.
//
// An index, built in the background after initialize (with $/progress), records each
// workspace Python file's module and the project modules it imports; it keeps no syntax
// tree. Analysing a document links it with its neighbourhood: the modules it imports
// (transitively, a few levels) and the modules that import it (and what those import),
// read from the open documents or parsed from disk into a bounded cache. The linked
// neighbourhood is kept per document as its base program; a keystroke re-links only the
// document against it (torchsem.Program.Replace). The base is rebuilt when a neighbour
// changes (another open document's new text, a file changed on disk) or the document's
// imports do. When a document's surface (what other files can see of it: its classes,
// what its functions return, what it passes to other files' functions) changes, the open
// documents whose neighbourhood includes it are analysed again.

// Neighbourhood bounds: import levels followed down and up, and files linked per document.
// Beyond neighbourUp levels up, the walk goes on (through at most maxUpVisits modules) only
// to find the modules that declare dims for the document's code (export scripts, the modules
// of classes the configuration declares), which it links with the chain of modules between.
const (
	neighbourDown = 3
	neighbourUp   = 2
	maxUpVisits   = 4096
	maxNeighbours = 256
	// maxCachedFiles bounds the parsed files kept for neighbourhoods (not open documents).
	maxCachedFiles = 512
)

// project is the server's workspace model. Its fields are guarded by mu, a leaf lock
// never held across parsing, I/O or linking.
type project struct {
	mu        sync.Mutex
	resolver  *program.Resolver
	paths     map[string]string          // module -> workspace file (the index)
	imports   map[string][]string        // module -> project modules it imports (the index)
	importers map[string]map[string]bool // the inverse of imports
	exporters map[string]bool            // modules whose text calls an export function (the index)
	indexed   bool
	cache     map[string]*cachedFile // path -> parsed file from disk
	statFresh time.Duration          // how long a cached file is used without a stat
	tick      int64
	// missing holds the modules findLocked looked for under the source roots and did not
	// find, and when: a keystroke would otherwise stat the disk for every import of a
	// module outside the project (torch, numpy, ...). Python files changing on disk
	// (didChangeWatchedFiles), a document saved and the index being rebuilt forget them;
	// when the client cannot watch files, refreshMissing looks for them again every
	// missTTL, away from keystrokes.
	missing map[string]time.Time
	missTTL time.Duration // 0: misses last until forgotten
	// gen counts the changes to paths, imports and exporters, and the modules found on
	// disk or forgotten missing (one found missing changes no neighbourhood): neighbourhoods
	// worked out at one gen hold until the next (nbMemo), so that a keystroke does not walk
	// the importers of a module over the whole index again.
	gen    uint64
	nbMemo map[string]nbEntry // neighbours, by module, imports and declaring modules
}

// nbEntry is a neighbourhood worked out at gen.
type nbEntry struct {
	gen  uint64
	mods []string
}

// maxNeighbourhoods bounds nbMemo (the open documents' neighbourhoods, and a few more).
const maxNeighbourhoods = 256

// missTTLUnwatched bounds how long a module missing from disk is believed missing when the
// client does not report file changes.
const missTTLUnwatched = 5 * time.Second

type cachedFile struct {
	size    int64
	mtime   time.Time
	checked time.Time   // when size and mtime were last found to be the file's
	file    *pysem.File // nil: not parseable (too large, invalid UTF-8, ...)
	used    int64
}

// statFresh is how long a cached file is taken as it is without looking at it on disk
// again (project.statFresh): a keystroke in an export script re-reads its whole
// neighbourhood, hundreds of stat calls, each time. A change the client reports
// (didChangeWatchedFiles) or a save forgets the file at once; other changes are seen
// within statFresh.
const statFresh = time.Second

// base is a document's linked neighbourhood.
type base struct {
	sig  string // the neighbours and the versions of their texts
	prog *torchsem.Program
	mods map[string]bool // the modules it links, the document's own included
	// files and structure record each neighbour's parsed file and, for open documents, the
	// structure surface of the analysis it came from: a neighbour whose new analysis has
	// the same structure is replaced in the program instead of linking it all again.
	files     map[string]*pysem.File
	structure map[string]uint64
	cfg       *config.Config // the configuration linked (its dims)
	// last is the document's latest text linked against prog (Replace): the next edit
	// re-links only what it can reach (ReplaceFrom). Guarded by Server.mu.
	last *torchsem.File
	// rebases counts the bases this one was made from by rebase, one from another
	rebases int
}

// newProject makes the project of the workspace folders. srcOf returns a folder's
// configured source roots (the src key), nil when it configures none: the folder and its
// src/ directory are then the roots, as for `exportdb check`.
func newProject(folders []string, srcOf func(folder string) []string) *project {
	var roots []string
	for _, f := range folders {
		if src := srcOf(f); len(src) > 0 {
			roots = append(roots, src...)
		} else {
			roots = append(roots, f, filepath.Join(f, "src"))
		}
	}
	return &project{
		resolver: program.NewResolver(roots), paths: map[string]string{}, imports: map[string][]string{},
		importers: map[string]map[string]bool{}, exporters: map[string]bool{}, cache: map[string]*cachedFile{},
		statFresh: statFresh,
	}
}

// module names the module of the file at path.
func (p *project) module(path string) pysem.Module {
	if path == "" {
		return pysem.Module{}
	}
	return p.resolver.Module(path)
}

// imported reports whether a module of the workspace imports module m (so that code in m
// may be reached from a forward elsewhere, even when m never mentions torch).
func (p *project) imported(m string) bool {
	if p == nil || m == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.importers[m]) > 0
}

// setImports records module m (at path), what it imports and whether it calls an export
// function, replacing what the index held.
func (p *project) setImports(m, path string, imports []string, exports bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.imports[m]; ok && p.paths[m] == path && p.exporters[m] == exports && slices.Equal(old, imports) {
		return
	}
	p.gen++
	for _, old := range p.imports[m] {
		delete(p.importers[old], m)
	}
	p.paths[m] = path
	p.imports[m] = imports
	if exports {
		p.exporters[m] = true
	} else {
		delete(p.exporters, m)
	}
	for _, im := range imports {
		if p.importers[im] == nil {
			p.importers[im] = map[string]bool{}
		}
		p.importers[im][m] = true
	}
}

// importedModules lists the modules f's imports may refer to, nearest names first.
func importedModules(f *pysem.File) []string { return modulesOf(f.ImportQuals()) }

// modulesOf lists the modules qualified names of imports may refer to: each name and the
// packages above it ("a.b.C": a.b.C, a.b, a), nearest names first, without repeats.
func modulesOf(quals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, q := range quals {
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
	return out
}

// mentionsExport reports whether src may call an export function (torch.export.export,
// export, draft_export, torch._dynamo.export): a cheap test of the text, for the index.
func mentionsExport(src []byte) bool {
	return bytes.Contains(src, []byte("export("))
}

// declaringModules lists the modules of the classes the configuration declares dims for by
// qualified name ("pkg.model.ViT" -> "pkg.model").
func declaringModules(cds []torchsem.ClassDims) map[string]bool {
	out := map[string]bool{}
	for _, cd := range cds {
		if i := strings.LastIndexByte(cd.Class, '.'); i > 0 {
			out[cd.Class[:i]] = true
		}
	}
	return out
}

// neighbours returns the modules to link with pf: what it imports (down a few levels), what
// imports it (up a few levels, with their direct imports), and, however far up, the modules
// that declare dims for it (export scripts, the modules of the classes in declaring) with
// the chain of importers between; existing in the index or on disk under a source root;
// sorted.
func (p *project) neighbours(pf *pysem.File, declaring map[string]bool) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	// only the imported modules the project holds count: typing an import of one it does
	// not (`import os` while the word is half typed) leaves the neighbourhood as it was
	imported := importedModules(pf)
	present := make([]string, 0, len(imported))
	for _, m := range imported {
		if _, ok := p.paths[m]; ok || p.findLocked(m) != "" {
			present = append(present, m)
		}
	}
	key := neighbourhoodKey(pf.Module.Name, present, declaring)
	if e, ok := p.nbMemo[key]; ok && e.gen == p.gen {
		return slices.Clone(e.mods)
	}
	out := p.neighboursLocked(pf.Module.Name, present, declaring)
	if len(p.nbMemo) >= maxNeighbourhoods {
		clear(p.nbMemo)
	}
	if p.nbMemo == nil {
		p.nbMemo = map[string]nbEntry{}
	}
	p.nbMemo[key] = nbEntry{gen: p.gen, mods: slices.Clone(out)}
	return out
}

// neighbourhoodKey is what neighbours depends on besides the index: the module, the
// project modules it imports and the modules the configuration declares dims in.
func neighbourhoodKey(self string, imported []string, declaring map[string]bool) string {
	var b strings.Builder
	b.WriteString(self)
	for _, m := range imported {
		b.WriteString("\x00" + m)
	}
	decl := make([]string, 0, len(declaring))
	for m, ok := range declaring {
		if ok {
			decl = append(decl, m)
		}
	}
	sort.Strings(decl)
	b.WriteString("\x01" + strings.Join(decl, "\x00"))
	return b.String()
}

// neighboursLocked works out neighbours.
func (p *project) neighboursLocked(self string, imported []string, declaring map[string]bool) []string {
	seen := map[string]bool{self: true}
	var out []string
	add := func(m string) bool {
		if seen[m] || len(out) >= maxNeighbours {
			return false
		}
		seen[m] = true
		if _, ok := p.paths[m]; !ok {
			if path := p.findLocked(m); path == "" {
				return false
			}
		}
		out = append(out, m)
		return true
	}
	var down func(mods []string, level int)
	down = func(mods []string, level int) {
		if level > neighbourDown {
			return
		}
		for _, m := range mods {
			if add(m) {
				down(p.imports[m], level+1)
			}
		}
	}
	down(imported, 1)
	if self != "" {
		frontier := []string{self}
		for level := 1; level <= neighbourUp; level++ {
			var next []string
			for _, m := range frontier {
				for _, up := range p.importersLocked(m) {
					if add(up) {
						next = append(next, up)
						for _, im := range p.imports[up] {
							add(im) // what the caller's code calls
						}
					}
				}
			}
			frontier = next
		}
		p.declarersLocked(frontier, declaring, add)
	}
	sort.Strings(out)
	return out
}

// importersLocked lists the modules that import m, sorted.
func (p *project) importersLocked(m string) []string {
	ups := make([]string, 0, len(p.importers[m]))
	for up := range p.importers[m] {
		ups = append(ups, up)
	}
	sort.Strings(ups)
	return ups
}

// declarersLocked walks up from frontier (the last importers linked) breadth first and adds
// each module that declares dims (an export script, a module in declaring) with the chain
// of importers that leads from it down to the frontier, and its direct imports (where the
// model it exports may be built).
func (p *project) declarersLocked(frontier []string, declaring map[string]bool, add func(string) bool) {
	below := map[string]string{} // module -> the module it imports on the way down
	visited := map[string]bool{}
	for _, m := range frontier {
		visited[m] = true
	}
	for n := 0; len(frontier) > 0 && n < maxUpVisits; {
		var next []string
		for _, m := range frontier {
			for _, up := range p.importersLocked(m) {
				if visited[up] {
					continue
				}
				visited[up] = true
				below[up] = m
				next = append(next, up)
				n++
				if !p.exporters[up] && !declaring[up] {
					continue
				}
				for x := up; x != ""; x = below[x] {
					add(x)
				}
				for _, im := range p.imports[up] {
					add(im)
				}
			}
		}
		frontier = next
	}
}

// findLocked looks for module m's file under the source roots when the index does not
// list it (the index is still being built, or the file is new) and records it.
func (p *project) findLocked(m string) string {
	if _, ok := p.missing[m]; ok {
		return ""
	}
	if path := p.locate(m); path != "" {
		p.foundLocked(m, path)
		return path
	}
	if p.missing == nil {
		p.missing = map[string]time.Time{}
	}
	// no neighbourhood changes: none worked out before held m, which was not found then
	// either
	p.missing[m] = time.Now()
	return ""
}

// forgetMissing forgets the modules found missing from disk: a file may have appeared.
func (p *project) forgetMissing() {
	p.mu.Lock()
	p.missing = nil
	p.gen++
	p.mu.Unlock()
}

// locate looks for module m's file under the source roots ("" when there is none). It
// reads only the resolver, which does not change: it needs no lock.
func (p *project) locate(m string) string {
	for _, root := range p.resolver.Roots() {
		for _, c := range program.Candidates(root, m) {
			if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
				if p.resolver.Module(c).Name == m {
					return c
				}
			}
		}
	}
	return ""
}

// foundLocked records module m's file, found on disk: the neighbourhoods worked out
// without it are worked out again.
func (p *project) foundLocked(m, path string) {
	delete(p.missing, m)
	p.paths[m] = path
	p.gen++
}

// refreshMissingEvery runs refreshMissing every missTTL until ctx is done.
func (p *project) refreshMissingEvery(ctx context.Context) {
	t := time.NewTicker(p.missTTL)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.refreshMissing()
		}
	}
}

// refreshMissing looks again for the modules believed missing for missTTL or longer
// (the client does not report files created on disk). The disk is read without the lock,
// so keystrokes do not wait for it; a module found changes gen (the neighbourhoods that
// could not find it are worked out again), one still missing changes nothing.
func (p *project) refreshMissing() {
	p.mu.Lock()
	var due []string
	for m, at := range p.missing {
		if time.Since(at) >= p.missTTL {
			due = append(due, m)
		}
	}
	p.mu.Unlock()
	found := make(map[string]string)
	for _, m := range due {
		if path := p.locate(m); path != "" {
			found[m] = path
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for _, m := range due {
		if _, ok := p.missing[m]; !ok {
			continue // forgotten meanwhile (a file changed on disk)
		}
		if path := found[m]; path != "" {
			p.foundLocked(m, path)
		} else {
			p.missing[m] = now
		}
	}
}

// freshCached returns, for each of mods that is not in open, its parsed file from disk
// when the cache holds one checked within statFresh (nil otherwise: load it), as load
// would, under one lock for all.
func (p *project) freshCached(mods []string, open map[string]bool) []*pysem.File {
	out := make([]*pysem.File, len(mods))
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, m := range mods {
		if !open[m] {
			if c, ok := p.freshLocked(p.paths[m], now); ok {
				out[i] = c.file
			}
		}
	}
	return out
}

// freshLocked returns path's cache entry when it was checked within statFresh of now
// (a use, for the cache's trimming), with ok; nil and false otherwise or for "".
func (p *project) freshLocked(path string, now time.Time) (*cachedFile, bool) {
	c := p.cache[path]
	if path == "" || c == nil || now.Sub(c.checked) >= p.statFresh {
		return nil, false
	}
	p.tick++
	c.used = p.tick
	return c, true
}

// writePointer writes p in hexadecimal: a signature naming objects by identity.
func writePointer(b *strings.Builder, p unsafe.Pointer) {
	var buf [16]byte
	b.Write(strconv.AppendUint(buf[:0], uint64(uintptr(p)), 16))
}

// load returns the parsed file of workspace module m from disk, through the cache.
func (p *project) load(ctx context.Context, s *Server, m string) *pysem.File {
	p.mu.Lock()
	path := p.paths[m]
	c, fresh := p.freshLocked(path, time.Now())
	p.mu.Unlock()
	if path == "" {
		return nil
	}
	if fresh {
		return c.file
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	now := time.Now()
	p.mu.Lock()
	c = p.cache[path]
	p.tick++
	if c != nil && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
		c.used, c.checked = p.tick, now
		p.mu.Unlock()
		return c.file
	}
	p.mu.Unlock()
	c = &cachedFile{size: fi.Size(), mtime: fi.ModTime(), checked: now}
	if fi.Size() <= maxEditorSource {
		if src, err := os.ReadFile(path); err == nil {
			c.file = s.parseModule(ctx, src, path, p.module(path))
		}
	}
	if c.file == nil && ctx.Err() != nil {
		// the parse was cancelled (a newer change superseded the analysis), not refused:
		// caching it as unparseable would leave the module out of every later neighbourhood
		return nil
	}
	p.mu.Lock()
	p.tick++
	c.used = p.tick
	p.cache[path] = c
	p.trimLocked()
	p.mu.Unlock()
	if c.file != nil {
		p.setImports(m, path, importedModules(c.file), mentionsExport(c.file.Src))
	}
	return c.file
}

// trimLocked drops the least recently used cached files beyond maxCachedFiles.
func (p *project) trimLocked() {
	if len(p.cache) <= maxCachedFiles {
		return
	}
	type entry struct {
		path string
		used int64
	}
	var all []entry
	for path, c := range p.cache {
		all = append(all, entry{path, c.used})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].used < all[j].used })
	for _, e := range all[:len(all)-maxCachedFiles] {
		delete(p.cache, e.path)
	}
}

// forget drops a file changed or deleted on disk from the cache.
func (p *project) forget(path string) {
	p.mu.Lock()
	delete(p.cache, path)
	p.mu.Unlock()
}

// parseModule parses src as module m (nil when it cannot be parsed).
func (s *Server) parseModule(ctx context.Context, src []byte, path string, m pysem.Module) *pysem.File {
	if analysis.CheckSource(src) != nil {
		return nil
	}
	pr, err := s.parser(ctx)
	if err != nil {
		return nil
	}
	pf, err := analysis.ParseModule(ctx, pr, src, m)
	s.release(pr)
	if err != nil {
		return nil
	}
	pf.Path = path
	return pf
}

// link returns pf (the document d's new text) linked with its neighbourhood: d's base
// program, rebuilt when the neighbourhood changed, with pf re-linked against it.
func (s *Server) link(ctx context.Context, d *document, pf *pysem.File) (*torchsem.File, *base) {
	p := s.project
	cfg := s.configFor(pf.Path).cfg
	mods := p.neighbours(pf, declaringModules(cfg.ClassDims()))
	// record what this analysis reads before reading it: a neighbour that changes from now
	// on re-analyses d (surfaceChanged), whichever text this run happens to read
	deps := make(map[string]bool, len(mods))
	for _, m := range mods {
		deps[m] = true
	}
	s.mu.Lock()
	d.deps = deps
	s.mu.Unlock()
	// the dims the configuration declares for classes exported elsewhere
	dims := torchsem.WithClassDims(cfg.ClassDims())
	files := make([]*pysem.File, 0, len(mods)+1)
	var sig strings.Builder
	sig.Grow(len(pf.Module.Name) + 24 + len(mods)*40)
	sig.WriteString(pf.Module.Name + "|cfg@")
	writePointer(&sig, unsafe.Pointer(cfg))
	var unsettled map[string]bool
	loaded := make(map[string]neighbour, len(mods))
	// the files on disk read within statFresh, under one lock (a model's neighbourhood is
	// hundreds of modules, asked about at each keystroke)
	cached := p.freshCached(mods, s.openModules())
	for i, m := range mods {
		n := neighbour{file: cached[i], settled: true}
		if n.file == nil {
			n = s.neighbourFile(ctx, m)
		}
		loaded[m] = n
		sig.WriteString("|" + m + "@")
		writePointer(&sig, unsafe.Pointer(n.file)) // a neighbour missing now is loaded again next time
		if n.file != nil {
			files = append(files, n.file)
		}
		if !n.settled {
			if unsettled == nil {
				unsettled = map[string]bool{}
			}
			unsettled[m] = true
		}
	}
	s.mu.Lock()
	d.unsettled = unsettled
	s.mu.Unlock()
	if ctx.Err() != nil {
		// cancelled while loading the neighbours (some may be missing): nothing to keep
		return torchsem.NewProgram(append(files, pf), dims).Files[len(files)], nil
	}
	s.mu.Lock()
	b := d.base
	var last *torchsem.File // b's last, for a rebase of b
	if b != nil {
		last = b.last
	}
	s.mu.Unlock()
	told := func(how string) {
		if s.testLink != nil {
			s.testLink(d.path, how)
		}
	}
	if b != nil && b.sig == sig.String() {
		told("relink")
		return s.relink(d, b, pf), b
	}
	if len(mods) == 0 {
		told("alone")
		// alone: each text is linked against an empty program (as torchsem.New links
		// it), the next from the one before
		nb := &base{sig: sig.String(), prog: torchsem.NewProgram(nil, dims), mods: map[string]bool{pf.Module.Name: true}}
		s.setBase(d, nb)
		return s.relink(d, nb, pf), nb
	}
	if nb := b.update(sig.String(), cfg, loaded); nb != nil {
		told("update")
		s.setBase(d, nb)
		return s.relink(d, nb, pf), nb
	}
	if nb := b.rebase(sig.String(), cfg, loaded, pf.Module.Name); nb != nil {
		told("rebase")
		// linked against the program nb's was re-linked from: ReplaceFrom keeps its units
		// that name nothing the re-link changed, with the rules' findings there (nb is not
		// shared until setBase)
		nb.last = last
		s.setBase(d, nb)
		return s.relink(d, nb, pf), nb
	}
	told("full")
	prog := torchsem.NewProgram(append(files, pf), dims)
	nb := &base{sig: sig.String(), prog: prog, mods: map[string]bool{pf.Module.Name: true},
		files: make(map[string]*pysem.File, len(loaded)), structure: map[string]uint64{}, cfg: cfg}
	for m, n := range loaded {
		if n.file != nil {
			nb.mods[m] = true
			nb.files[m] = n.file
			if n.open {
				nb.structure[m] = n.structure
			}
		}
	}
	// a rebase of nb keeps what f's analysis found where the change cannot reach
	f := prog.Files[len(prog.Files)-1]
	nb.last = f
	s.setBase(d, nb)
	return f, nb
}

// redeclared returns the file of d's last analysis, with its program's declarations read
// again (torchsem.Program.Redeclare), when that analysis is of snap's text and the only
// neighbours that changed since are open documents whose new analysis keeps the structure
// it linked: an export call's dynamic_shapes or strict= was edited. The facts of the file do
// not depend on the declarations, so nothing is parsed or linked and the rules find the
// facts they computed last time. Nil otherwise (the document is linked as usual).
func (s *Server) redeclared(ctx context.Context, d *document, snap snapshot, cfg *projectConfig) (*torchsem.File, *base) {
	s.mu.Lock()
	prev, b := d.kept, d.base
	s.mu.Unlock()
	// prev linked against b's program; b may be a later copy of the base that only records
	// more of what it linked (base.withStructure)
	if snap.cells != nil || prev == nil || prev.file == nil || prev.fileErr != nil || prev.cfg != cfg ||
		prev.base == nil || b == nil || prev.base.prog != b.prog || string(prev.text) != string(snap.text) {
		return nil, nil
	}
	mods := s.project.neighbours(prev.file.File, declaringModules(cfg.cfg.ClassDims()))
	loaded := make(map[string]neighbour, len(mods))
	for _, m := range mods {
		loaded[m] = s.neighbourFile(ctx, m)
	}
	// every open neighbour analysed anew, even to a text b linked: prev's declarations may
	// have been read from another of its texts since (an edit undone)
	names, ok := b.structureKept(cfg.cfg, loaded, true)
	if !ok || ctx.Err() != nil || len(names) == 0 {
		return nil, nil // len(names) == 0: nothing a neighbour declares changed, something else did
	}
	changed := make([]*torchsem.File, len(names))
	for i, m := range names {
		changed[i] = loaded[m].linked // open and settled: its committed analysis
	}
	// d.unsettled stays: an unchanged neighbour read before it committed still re-links d
	prev.file.Program().Redeclare(changed...)
	return prev.file, b
}

// relink links pf, the document d's new text, against b's program: from the text d's
// last analysis linked against it when there is one (ReplaceFrom re-links only what the
// edit can reach), and keeps it for the next.
func (s *Server) relink(d *document, b *base, pf *pysem.File) *torchsem.File {
	s.mu.Lock()
	last := b.last
	s.mu.Unlock()
	f := b.prog.ReplaceFrom(last, pf)
	if s.testLink != nil && f.Kept() > 0 {
		s.testLink(d.path, "kept")
	}
	s.mu.Lock()
	if d.base == b {
		b.last = f
	}
	s.mu.Unlock()
	return f
}

// update returns b with the neighbours of loaded whose file changed replaced in its
// program, when each of them is an open document whose committed analysis has the structure
// surface b linked (a keystroke inside a function, a new dynamic_shapes at an export call):
// what the other files know of it still holds, so replacing it is linking it all again.
// Nil when the neighbourhood changed otherwise (another set of modules, a neighbour read
// from disk again, a structure that changed): it is then linked again.
func (b *base) update(sig string, cfg *config.Config, loaded map[string]neighbour) *base {
	changed, ok := b.structureKept(cfg, loaded, false)
	if !ok {
		return nil
	}
	sort.Strings(changed)
	nb := &base{sig: sig, prog: b.prog, mods: b.mods, files: make(map[string]*pysem.File, len(b.files)), structure: b.structure, cfg: cfg}
	for m, f := range b.files {
		nb.files[m] = f
	}
	for _, m := range changed {
		nb.prog = nb.prog.Replace(loaded[m].file).Program()
		nb.files[m] = loaded[m].file
	}
	nb.settleStructure(loaded)
	return nb
}

// settleStructure records the structure of each open neighbour of loaded whose analysis
// has now committed the very text b linked before it had (b recorded 0 for it then).
func (b *base) settleStructure(loaded map[string]neighbour) {
	b.fillStructure(func(yield func(string, textStructure) bool) {
		for m, n := range loaded {
			if n.open && n.settled && !yield(m, textStructure{n.file, n.structure}) {
				return
			}
		}
	})
}

// textStructure is the structure surface of a module's analysis of one text.
type textStructure struct {
	file      *pysem.File
	structure uint64
}

// fillStructure records, for each module whose structure b records as unknown (0), the
// structure known gives for the very text b linked. It writes a new map: b may share its
// map with the base it came from.
func (b *base) fillStructure(known iter.Seq2[string, textStructure]) {
	var add map[string]uint64
	for m, k := range known {
		f := b.files[m]
		if k.structure == 0 || b.structure[m] != 0 || f == nil || k.file == nil || f != k.file && string(f.Src) != string(k.file.Src) {
			continue
		}
		if add == nil {
			add = map[string]uint64{}
		}
		add[m] = k.structure
	}
	if len(add) == 0 {
		return
	}
	structure := make(map[string]uint64, len(b.structure)+len(add))
	maps.Copy(structure, b.structure)
	maps.Copy(structure, add)
	b.structure = structure
}

// maxRebases bounds the bases made one from another by rebase: each re-links files against
// what the one before carried (Replace), not from scratch, so a long run of them is linked
// anew once.
const maxRebases = 64

// rebase returns b with the one neighbour of loaded whose text changed re-linked, with the
// files that read what it changed (torchsem.Program.Relink), when that neighbour is an
// open document whose committed analysis changed only what its module-level functions
// return (an edit of a helper's body): the document itself (module self) is left for
// relink. Nil when the neighbourhood changed otherwise, or Relink cannot follow the change:
// it is then linked anew.
func (b *base) rebase(sig string, cfg *config.Config, loaded map[string]neighbour, self string) *base {
	if b == nil || b.files == nil || b.cfg != cfg || len(loaded)+1 != len(b.mods) || b.rebases >= maxRebases {
		return nil
	}
	changed := ""
	for m, n := range loaded {
		old, ok := b.files[m]
		switch {
		case !ok || n.file == nil:
			return nil
		case old == n.file || string(old.Src) == string(n.file.Src):
		case !n.open || !n.settled || changed != "":
			return nil
		default:
			changed = m
		}
	}
	if changed == "" {
		return nil
	}
	n := loaded[changed]
	prog, ok := b.prog.Relink(n.file, self)
	if !ok {
		return nil
	}
	nb := &base{sig: sig, prog: prog, mods: b.mods, files: maps.Clone(b.files), structure: maps.Clone(b.structure), cfg: cfg, rebases: b.rebases + 1}
	nb.files[changed] = n.file
	nb.structure[changed] = n.structure
	nb.settleStructure(loaded)
	return nb
}

// structureKept returns the modules of loaded whose file is not the one b linked, when
// each of them is an open document whose committed analysis has the structure surface b
// linked; ok is false when the neighbourhood changed otherwise (another set of modules or
// configuration, a neighbour read from disk again, a structure that changed). With
// sameText, an open document's analysis of the very text b linked (another analysis than
// the one b linked) counts among the changed modules too.
func (b *base) structureKept(cfg *config.Config, loaded map[string]neighbour, sameText bool) (changed []string, ok bool) {
	if b == nil || b.files == nil || b.cfg != cfg || len(loaded)+1 != len(b.mods) {
		return nil, false
	}
	for m, n := range loaded {
		old, ok := b.files[m]
		switch {
		case !ok || n.file == nil:
			return nil, false
		case old == n.file:
		case string(old.Src) == string(n.file.Src):
			// the same text (the file is now open, or was parsed again): what b linked holds
			if sameText && n.open && n.settled {
				changed = append(changed, m)
			}
		case !n.open || !n.settled:
			return nil, false
		default:
			if st, ok := b.structure[m]; !ok || st != n.structure {
				return nil, false
			}
			changed = append(changed, m)
		}
	}
	return changed, true
}

// setBase makes b, a base not yet shared, d's base. A base records a neighbour's structure
// as 0 when it read the neighbour's text before the neighbour's own analysis committed it;
// surfaceChanged fills that in on d's current base once it commits (withStructure). An
// analysis of d running meanwhile then publishes a base made from the one before: b takes
// the records it lacks, for the same texts, from the base it replaces. Without them the
// neighbour's next edit could not just be read again (Server.redeclared, base.update),
// and d would be linked anew.
func (s *Server) setBase(d *document, b *base) {
	s.mu.Lock()
	if old := d.base; old != nil && old != b {
		b.inheritStructure(old)
	}
	d.base = b
	s.mu.Unlock()
}

// inheritStructure copies into b the structures old records for files of the same text
// that b records none of.
func (b *base) inheritStructure(old *base) {
	b.fillStructure(func(yield func(string, textStructure) bool) {
		for m, st := range old.structure {
			if !yield(m, textStructure{old.files[m], st}) {
				return
			}
		}
	})
}

// neighbour is a module linked with a document: its parsed file (nil when it cannot be
// read or parsed); whether it is an open document's; settled, unless it is an open
// document's text whose own analysis has not committed it yet (see document.unsettled);
// and, settled and open, the structure surface of that analysis.
type neighbour struct {
	file          *pysem.File
	open, settled bool
	structure     uint64
	linked        *torchsem.File // settled and open: the analysis that committed file
}

// openModules returns the modules of the open documents.
func (s *Server) openModules() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	open := make(map[string]bool, len(s.docs))
	for _, d := range s.docs {
		if !d.closed && d.module != "" {
			open[d.module] = true
		}
	}
	return open
}

// neighbourFile returns module m's current text parsed: an open document's (its last
// analysis, or its text parsed now), else the file on disk.
func (s *Server) neighbourFile(ctx context.Context, m string) neighbour {
	s.mu.Lock()
	var open *document
	for _, d := range s.docs {
		if d.module == m && !d.closed {
			open = d
			break
		}
	}
	var text []byte
	var n neighbour
	var settled *docResult
	if open != nil {
		n.open = true
		res := open.result
		if res == nil && open.kept != nil && string(open.kept.text) == string(open.text) {
			// an analysis of this very text, dropped while a neighbour of its changed: read
			// as settled, not parsed again (which would re-link this document and then the
			// other from scratch once its own analysis commits)
			res = open.kept
		}
		if res != nil && res.file != nil && res.fileErr == nil {
			settled = res
			n.file, n.settled, n.linked = res.file.File, true, res.file
		} else if open.neighbour != nil && open.neighbour.version == open.version {
			n.file = open.neighbour.file
		} else {
			text = open.text
		}
	}
	s.mu.Unlock()
	if settled != nil {
		var declared uint64
		n.structure, declared = settled.surfaces()
		s.mu.Lock()
		if open.result == settled && !open.surfaceSet {
			// the first dependent to read it: what surfaceChanged compares the next
			// analysis with (it records no surface while nothing links the module)
			open.surface, open.declared, open.surfaceSet = n.structure, declared, true
		}
		s.mu.Unlock()
	}
	if n.file != nil {
		return n
	}
	if open == nil {
		return neighbour{file: s.project.load(ctx, s, m), settled: true}
	}
	n.file = s.parseModule(ctx, text, open.path, s.project.module(open.path))
	s.mu.Lock()
	if n.file != nil && string(open.text) == string(text) {
		open.neighbour = &parsedText{version: open.version, file: n.file}
	}
	s.mu.Unlock()
	return n
}

// parsedText is an open document's text parsed for its neighbours' use while the document
// itself has no current analysis (it went cold).
type parsedText struct {
	version int32
	file    *pysem.File
}

// surfaceChanged records the surface of d's new analysis and re-analyses the open
// documents that linked d's module when it changed. A document that was not parsed (no
// torch in it, no importer known yet) has its text as its surface: neighbours parse that
// text themselves. When only the declarations part changed, the dependents keep their base
// program and replace d in it (base.update); when the structure changed, they link again.
// While no open document linked d, its surface is neither computed nor kept, and the next
// comparison counts as a change.
func (s *Server) surfaceChanged(d *document, res *docResult) {
	if d.module == "" {
		return
	}
	s.mu.Lock()
	if !s.hasDependentLocked(d) {
		// nobody to tell: the surface is not worked out (a millisecond or two per
		// keystroke on a large file), and the next comparison counts as a change
		d.surfaceSet = false
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	surface, decls := res.surfaces()
	s.mu.Lock()
	defer s.mu.Unlock()
	structure := !d.surfaceSet || d.surface != surface
	declared := !d.surfaceSet || d.declared != decls
	d.surface, d.declared, d.surfaceSet = surface, decls, true
	for _, o := range s.docs {
		if o == d || o.closed || !o.deps[d.module] {
			continue
		}
		// a dependent that read d's text before this analysis committed it saw a surface
		// nobody compared: it links again whether or not the surface changed, unless what
		// it read was this very text
		unsettled := o.unsettled[d.module]
		if o.base != nil && (unsettled || o.base.structure[d.module] != surface) {
			if f := o.base.files[d.module]; f != nil && string(f.Src) == string(res.text) {
				// the dependent linked this very text (read from disk, or parsed before this
				// analysis committed it): what it linked holds, with this surface
				o.base = o.base.withStructure(d.module, surface)
				delete(o.unsettled, d.module)
				unsettled = false
			}
		}
		// the dependent's base recorded the structure of the text it linked: it holds
		// while that is this analysis's (base.update replaces d in its program)
		changed := structure
		if o.base != nil {
			if st, ok := o.base.structure[d.module]; ok && st != 0 {
				changed = st != surface
			}
		}
		if changed || declared || unsettled {
			s.log.Debug("re-analysing a dependent", zap.String("changed", string(d.uri)), zap.String("dependent", string(o.uri)))
			if unsettled {
				o.base = nil
			}
			// a changed structure keeps the base: the dependent's link replaces d in it
			// when only what d's functions return changed (base.rebase), else links anew
			s.invalidateLocked(o)
		}
	}
}

// withStructure returns a copy of b that records surface as the structure of module m's
// file it linked.
func (b *base) withStructure(m string, surface uint64) *base {
	nb := *b
	nb.structure = make(map[string]uint64, len(b.structure)+1)
	for k, v := range b.structure {
		nb.structure[k] = v
	}
	nb.structure[m] = surface
	return &nb
}

// hasDependentLocked reports whether an open document other than d linked d's module.
func (s *Server) hasDependentLocked(d *document) bool {
	for _, o := range s.docs {
		if o != d && !o.closed && o.deps[d.module] {
			return true
		}
	}
	return false
}

// surfaces returns res's surface, computing it on the first call (the caller holds no
// lock: it walks the module's classes and functions, a millisecond or two on a large file).
// A result with a file error has none.
func (res *docResult) surfaces() (structure, declared uint64) {
	res.surfaceOnce.Do(func() {
		if res.fileErr == nil {
			res.structure, res.declared = surfacesOf(res.file, res.text)
		}
	})
	return res.structure, res.declared
}

// surfacesOf is the surface of an analysis (torchsem.File.Surfaces), or the hash of the text
// of a document that was not parsed.
func surfacesOf(f *analysis.File, text []byte) (structure, declared uint64) {
	if f != nil {
		return f.Surfaces()
	}
	x := fnv.New64a()
	x.Write(text)
	return x.Sum64(), 0
}

// fileChangedOnDisk drops a changed file from the cache and re-analyses the open documents
// that link it.
func (s *Server) fileChangedOnDisk(path string) {
	p := s.project
	p.forget(path)
	p.forgetMissing()
	m := p.module(path).Name
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.docs {
		if !o.closed && o.deps[m] && o.path != path {
			o.base = nil
			s.invalidateLocked(o)
		}
	}
}

// buildIndex reads every Python file of the workspace folders (as the workspace scan finds
// them) and records its module and imports, reporting $/progress; then it re-analyses the
// open documents, whose neighbourhoods may have grown.
func (s *Server) buildIndex(ctx context.Context, roots []string) {
	token := "exportdb-index"
	s.mu.Lock()
	progress := s.client.workDoneProgress
	s.mu.Unlock()
	if progress {
		cctx, cancel := context.WithTimeout(ctx, clientCallTimeout)
		if err := s.call(cctx, "window/workDoneProgress/create", workDoneProgressCreateParams{Token: token}, nil); err != nil {
			progress = false
		}
		cancel()
	}
	report := func(v workDoneProgress) {
		if progress {
			s.notify("$/progress", progressParams{Token: token, Value: v})
		}
	}
	zero := uint32(0)
	report(workDoneProgress{Kind: "begin", Title: "exportdb: indexing workspace", Message: "finding Python files", Percentage: &zero})
	start := time.Now()
	files := s.scanFiles(ctx, roots)
	var next, done, lastPct atomic.Int64
	lastPct.Store(-1)
	var wg sync.WaitGroup
	for w := 0; w < cap(s.parsers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.recoverPanic("index worker")
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				s.indexFile(files[i])
				n := done.Add(1)
				if pct := n * 100 / int64(len(files)); pct > lastPct.Load() {
					lastPct.Store(pct)
					p := uint32(pct)
					report(workDoneProgress{Kind: "report", Message: fmt.Sprintf("%d/%d files", n, len(files)), Percentage: &p})
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	s.project.mu.Lock()
	s.project.indexed = true
	s.project.missing = nil // what the index lists is found without a stat
	s.project.mu.Unlock()
	msg := fmt.Sprintf("indexed %d Python files in %.1f s", len(files), time.Since(start).Seconds())
	report(workDoneProgress{Kind: "end", Message: msg})
	s.log.Info("workspace index", zap.String("result", msg))
	// re-analyse the open documents whose neighbourhood the index changed
	s.mu.Lock()
	type open struct {
		d  *document
		pf *pysem.File
		b  *base
	}
	var docs []open
	for _, d := range s.docs {
		switch {
		case d.closed:
		case d.result == nil:
			// an analysis is pending or running, perhaps linked before the index listed the
			// neighbours: run it again with them
			d.base = nil
			s.invalidateLocked(d)
		case d.result.file != nil:
			docs = append(docs, open{d, d.result.file.File, d.base})
		case d.result.fileErr == nil && s.project.imported(d.module):
			s.invalidateLocked(d) // not parsed for want of torch, but another module imports it
		}
	}
	s.mu.Unlock()
	for _, o := range docs {
		mods := s.project.neighbours(o.pf, declaringModules(s.configFor(o.pf.Path).cfg.ClassDims()))
		same := o.b != nil && len(o.b.mods) == len(mods)+1 || o.b == nil && len(mods) == 0
		for _, m := range mods {
			if o.b == nil || !o.b.mods[m] {
				same = false
			}
		}
		if !same {
			s.mu.Lock()
			if !o.d.closed {
				o.d.base = nil
				s.invalidateLocked(o.d)
			}
			s.mu.Unlock()
		}
	}
}

// indexFile records one file's module and imports. The imports are scanned from the
// source, not parsed (pysem.ScanImports: a pass over the text that looks only at lines that
// start with import or from, as `exportdb check` finds which files import each other); the
// file is parsed when a neighbourhood needs it.
func (s *Server) indexFile(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > maxEditorSource {
		return
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return
	}
	m := s.project.module(path)
	if m.Name == "" || analysis.CheckSource(src) != nil {
		return
	}
	s.project.setImports(m.Name, path, modulesOf(pysem.ScanImports(src, m)), mentionsExport(src))
}
