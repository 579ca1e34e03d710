package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// The result cache: a warm re-run of `exportdb check` parses nothing it parsed before.
//
// A target's entry holds its findings as analysis produced them (fixes and related places
// included, positions as byte offsets) or its source error; every output format renders
// from them and the file's text, which the run reads anyway to hash it, exactly as from a
// fresh analysis. Its key hashes:
//
//   - the tool: its version, the build's VCS revision and, for a build without one or with
//     uncommitted changes, the executable's path, size and modification time (so a dev
//     rebuild invalidates), and the names of the rules;
//   - the configuration in force for the file: every analysis option (target version,
//     strictness, select, ignore with per-file ignores applied, severities), --min-severity
//     and the dynamic-shapes declarations;
//   - the file: notebook or not, its module name, its text (a notebook's cells), and
//     whether it is linked with other files of the project.
//
// A linked file's entry also records what it saw of the files it depends on, and the texts
// of the other files its findings' related places and fixes point into, which
// cachegraph.go explains: served when those files are unchanged, or changed without
// changing what the file sees of them.
//
// With --fix, --diff or --add-ignore, a file whose entry has something to apply is analysed
// again (the fix loop needs the parsed file); the others are served. A result is stored
// only when it describes the file as it is on disk: nothing fixed or added, no rule panic,
// no I/O error, the run not interrupted. stdin is never cached.
//
// Entries are files under <dir>/v<format>/, named by their key, written to a temporary file
// and renamed, so that runs sharing the directory never read half an entry; each carries its
// key and a checksum, and one that does not read back whole is ignored and rewritten. A
// directory that cannot be written disables writing, with one warning. Pruning, at most once
// a day per directory: entries not used for 30 days go, then the oldest until the directory
// holds at most 1 GiB (an entry is touched when served, at most once a day).

// DefaultCacheDirName is the cache directory made in the project root (the directory of
// the configuration file, else of the nearest pyproject.toml or requirements*.txt, else
// the working directory) when no directory is set.
const DefaultCacheDirName = ".exportdb_cache"

// cacheFormat is the entry encoding's version: bump it when the encoding or what an entry
// means changes.
const cacheFormat = 2

const (
	cacheMaxAge     = 30 * 24 * time.Hour
	cacheMaxBytes   = 1 << 30
	cachePruneEvery = 24 * time.Hour
	cacheTouchAfter = 24 * time.Hour
	cacheTempMaxAge = time.Hour // a temporary file older than this was left by a killed run
)

var cacheMagic = []byte("exportdb-cache\n")

// resultCache is one run's use of the cache.
type resultCache struct {
	tool     [32]byte
	stores   map[string]*cacheStore // by directory; filled before the workers start
	graph    *depGraph              // nil when no target is linked
	keys     []cacheKey             // per target
	pending  []*entry               // per linked target: its entry, to be judged by surfaces
	surfaces map[string]uint64      // the surface of each file of the program, by path
	warnings []string

	mu     sync.Mutex
	warned map[string]bool
}

// cacheKey says where a target's entry is; a nil store means the target is not cached.
type cacheKey struct {
	store   *cacheStore
	sum     [32]byte
	deps    []int32  // a linked target's dependencies (graph nodes)
	content [32]byte // a linked target's component hash
}

// runTrace records what a run did, for tests: the targets served, those analysed (or
// found unreadable or broken; not those no rule can report in, which are neither parsed
// nor cached) and the files it parsed.
type runTrace struct {
	mu       sync.Mutex
	served   []string // targets served from the cache (display paths)
	analysed []string // targets whose rules ran
	parsed   []string // files parsed, targets and context (absolute paths)
}

func (tr *runTrace) serve(path string) {
	if tr != nil {
		tr.mu.Lock()
		tr.served = append(tr.served, path)
		tr.mu.Unlock()
	}
}

func (tr *runTrace) analyse(path string) {
	if tr != nil {
		tr.mu.Lock()
		tr.analysed = append(tr.analysed, path)
		tr.mu.Unlock()
	}
}

func (tr *runTrace) parse(path string) {
	if tr != nil {
		tr.mu.Lock()
		tr.parsed = append(tr.parsed, path)
		tr.mu.Unlock()
	}
}

// newResultCache returns the run's cache, or nil when the run does not cache: --no-cache,
// stdin, or rules other than the built-in ones.
func (r *runner) newResultCache() *resultCache {
	if r.o.NoCache || !r.builtinRules || r.o.stdinMode() {
		return nil
	}
	return &resultCache{tool: toolID(r.o.Version), stores: map[string]*cacheStore{}, warned: map[string]bool{}}
}

// cacheDir is the cache directory for a target.
func (r *runner) cacheDir(t *target) string {
	if d := r.o.CacheDir; d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(r.cwd, d)
		}
		return filepath.Clean(d)
	}
	if t.cfg != nil && t.cfg.CacheDir != "" {
		return t.cfg.CacheDir
	}
	root := r.cwd
	if t.cfg != nil && t.cfg.Root != "" {
		root = t.cfg.Root
	}
	return filepath.Join(root, DefaultCacheDirName)
}

// serveCached keys every target and serves those whose entry holds: an isolated target's
// when it decodes and fits the file, a linked target's when, besides, the files it depends
// with it have the texts they had. It returns how many it served. A served target leaves loaded
// (nil) unless its component must be linked again for a target that was not served: then
// it stays, marked served, to be parsed and linked but not analysed. A linked target whose
// dependencies changed keeps its entry in c.pending for serveBySurface.
func (r *runner) serveCached(ctx context.Context, proj *project, targets []*target, loaded []*loadedFile, results []*FileResult) int {
	c := r.cache
	if c == nil {
		return 0
	}
	anyLinked := false
	for _, lf := range loaded {
		anyLinked = anyLinked || lf.linked
	}
	if anyLinked {
		c.graph = buildDepGraph(proj, loaded)
	}
	progDims := programDims(targets)
	var comps map[int][32]byte
	if anyLinked && !c.graph.capped {
		comps = c.graph.componentSums()
	}
	c.keys = make([]cacheKey, len(targets))
	c.pending = make([]*entry, len(targets))
	for i, t := range targets {
		lf := loaded[i]
		if lf.err != nil || lf.src == nil || !(lf.linked || rules.MayReport(lf.src)) {
			continue // unreadable, or not parsed at all: nothing to save
		}
		if lf.linked && c.graph.capped {
			continue
		}
		dir := r.cacheDir(t)
		st := c.stores[dir]
		if st == nil {
			st = &cacheStore{dir: dir, c: c}
			c.stores[dir] = st
		}
		k := cacheKey{store: st}
		if lf.linked {
			k.deps = c.graph.deps(i)
			k.content = comps[c.graph.component(i)]
			k.sum = c.key(lf, t.cfg, r.o.MinSeverity, progDims)
		} else {
			k.sum = c.key(lf, t.cfg, r.o.MinSeverity, nil)
		}
		c.keys[i] = k
	}
	hit := make([]bool, len(targets))
	r.parallel(ctx, len(targets), func(_ *syntax.Parser, i int) {
		k := c.keys[i]
		if k.store == nil {
			return
		}
		payload, ok := k.store.get(k.sum)
		if !ok {
			return
		}
		e, ok := decodeEntry(payload)
		if !ok || !c.graph.refsHold(e.refs) {
			return
		}
		if loaded[i].linked && e.content != k.content {
			c.pending[i] = e
			return
		}
		if fr, ok := r.restore(targets[i], loaded[i], e); ok {
			results[i], hit[i] = fr, true
		}
	})
	// a component with a linked target that was not served is parsed and linked again
	stale := map[int]bool{}
	for i, lf := range loaded {
		if lf.linked && !hit[i] && lf.err == nil && lf.src != nil {
			stale[c.graph.component(i)] = true
		}
	}
	n := 0
	for i, lf := range loaded {
		if !hit[i] {
			continue
		}
		n++
		r.o.trace.serve(targets[i].path)
		if lf.linked && stale[c.graph.component(i)] {
			lf.served = true
		} else {
			loaded[i] = nil
		}
	}
	return n
}

// serveBySurface takes the surfaces of the linked program's files and serves each target
// whose entry is pending (a text of its component changed) when what it sees of them did
// not change, rewriting the entry with the new content hash. It calls served for each.
func (r *runner) serveBySurface(ctx context.Context, program *torchsem.Program, targets []*target, loaded []*loadedFile, results []*FileResult, served func()) {
	c := r.cache
	if c == nil || c.graph == nil || program == nil {
		return
	}
	surf := make([]uint64, len(program.Files))
	r.parallel(ctx, len(program.Files), func(_ *syntax.Parser, k int) {
		surf[k] = program.Files[k].Surface()
	})
	if ctx.Err() != nil {
		return
	}
	c.surfaces = make(map[string]uint64, len(surf))
	for k, f := range program.Files {
		if _, dup := c.surfaces[f.Path]; !dup {
			c.surfaces[f.Path] = surf[k]
		}
	}
	r.parallel(ctx, len(targets), func(_ *syntax.Parser, i int) {
		e, lf := c.pending[i], loaded[i]
		if e == nil || lf == nil || lf.served {
			return
		}
		k := c.keys[i]
		if c.graph.surfaceSum(k.deps, c.surfaces) != e.surface {
			return
		}
		e.content = k.content
		payload := encodeEntry(e)
		fr, ok := r.restore(targets[i], lf, e)
		if !ok {
			return
		}
		k.store.put(k.sum, payload)
		results[i] = fr
		lf.served = true
		r.o.trace.serve(targets[i].path)
		served()
	})
}

// restore rebuilds a target's result from its entry, or reports false when the entry does
// not fit the file (a corrupt entry whose checksum happened to match) or, with --fix,
// --diff or --add-ignore, when the file has something to apply.
func (r *runner) restore(t *target, lf *loadedFile, e *entry) (*FileResult, bool) {
	fr := &FileResult{Path: t.path, Abs: t.abs, Target: lf.opts.TargetVersion(), Src: lf.src, nb: lf.nb, cwd: r.cwd, run: r}
	if e.err != nil {
		if e.err.Offset > len(lf.src) {
			return nil, false
		}
		fr.Err = e.err
		if e.cell {
			fr.Err = &cellError{e.err}
		}
		return fr, true
	}
	n := len(lf.src)
	findings := make([]analysis.Finding, len(e.findings))
	for i := range e.findings {
		fd := e.findings[i]
		if !inRange(fd.Start, fd.End, n) || fd.Severity < r.o.MinSeverity {
			return nil, false
		}
		if len(fd.Fixes) > 0 {
			fd.Fixes = append([]analysis.Fix(nil), fd.Fixes...)
		}
		for j := range fd.Fixes {
			fx := &fd.Fixes[j]
			m := n
			if fx.Path != "" {
				src, _, ok := r.cache.graph.source(fx.Path)
				if !ok {
					return nil, false
				}
				fx.Src, m = src, len(src)
			}
			for _, ed := range fx.Edits {
				if !inRange(ed.Start, ed.End, m) {
					return nil, false
				}
			}
		}
		if len(fd.Related) > 0 {
			fd.Related = append([]analysis.Related(nil), fd.Related...)
		}
		for j := range fd.Related {
			rel := &fd.Related[j]
			m := n
			if rel.Path != "" {
				src, _, ok := r.cache.graph.source(rel.Path)
				if !ok {
					return nil, false
				}
				rel.Src, m = src, len(src)
			}
			if !inRange(rel.Start, rel.End, m) {
				return nil, false
			}
		}
		findings[i] = fd
	}
	switch {
	case r.o.Fix || r.o.Diff:
		if len(r.chooseFixes(findings, n, nil)) > 0 {
			return nil, false
		}
	case r.o.AddIgnore:
		minSev := max(r.o.MinSeverity, analysis.Hint)
		for _, fd := range findings {
			if fd.Severity >= minSev && fd.Case != analysis.UnusedSuppression {
				return nil, false
			}
		}
	}
	if len(findings) > 0 {
		fr.Findings = findings
	}
	r.render(fr)
	return fr, true
}

func inRange(start, end, n int) bool { return 0 <= start && start <= end && end <= n }

// store saves a target's fresh result, when it describes the file as it is on disk and
// the run was not interrupted (an interrupted analysis may have stopped half way).
func (r *runner) store(ctx context.Context, i int, lf *loadedFile, fr *FileResult) {
	c := r.cache
	if c == nil || i < 0 || i >= len(c.keys) || ctx.Err() != nil {
		return
	}
	k := c.keys[i]
	if k.store == nil || fr.Fixed > 0 || fr.Changed || fr.Ignored > 0 || len(fr.Notes) > 0 || len(fr.RuleErrors) > 0 || fr.Output != nil {
		return
	}
	var e entry
	if fr.Err != nil {
		var ce *cellError
		var fe *analysis.FileError
		switch {
		case errors.As(fr.Err, &ce):
			e.err, e.cell = ce.fe, true
		case errors.As(fr.Err, &fe) && fr.Err == error(fe):
			e.err = fe
		default:
			return // I/O: not a property of the text
		}
	} else if lf.sem == nil {
		return // not parsed: no rule can report in it
	}
	e.findings = fr.Findings
	if lf.linked {
		if c.surfaces == nil {
			return // interrupted before linking
		}
		e.content = k.content
		e.surface = c.graph.surfaceSum(k.deps, c.surfaces)
		refs := map[string]bool{}
		for _, fd := range e.findings {
			var paths []string
			for _, rel := range fd.Related {
				paths = append(paths, rel.Path)
			}
			for _, fx := range fd.Fixes {
				paths = append(paths, fx.Path)
			}
			for _, path := range paths {
				if path == "" || refs[path] {
					continue
				}
				refs[path] = true
				_, sum, ok := c.graph.source(path)
				if !ok {
					return // a place in a file the graph does not know: cannot be checked
				}
				e.refs = append(e.refs, entryRef{path, sum})
			}
		}
		sort.Slice(e.refs, func(a, b int) bool { return e.refs[a].path < e.refs[b].path })
	}
	k.store.put(k.sum, encodeEntry(&e))
}

// refsHold reports whether every file findings point into has the text it had.
func (g *depGraph) refsHold(refs []entryRef) bool {
	for _, ref := range refs {
		if _, sum, ok := g.source(ref.path); !ok || sum != ref.sum {
			return false
		}
	}
	return true
}

// finishCache merges the stores' warnings into the run's and prunes the directories
// written to.
func (r *runner) finishCache() {
	c := r.cache
	if c == nil {
		return
	}
	dirs := make([]string, 0, len(c.stores))
	for d := range c.stores {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	now := time.Now()
	for _, d := range dirs {
		if st := c.stores[d]; st.wrote.Load() {
			st.maybePrune(now)
		}
	}
	r.warnings = append(r.warnings, c.warnings...)
}

func (c *resultCache) warn(dir string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned[dir] {
		return
	}
	c.warned[dir] = true
	c.warnings = append(c.warnings, fmt.Sprintf("cannot write the cache in %s (%v): results are not cached (--no-cache turns the cache off)", dir, cleanPathError(err)))
}

// key hashes what a target's own result depends on; progDims (linked targets only) is the
// dynamic-shapes declarations of every configuration, which linking applies to the
// whole program.
func (c *resultCache) key(lf *loadedFile, cfg *config.Config, minSev analysis.Severity, progDims []byte) [32]byte {
	h := sha256.New()
	h.Write(c.tool[:])
	h.Write(optionsKey(lf.opts, minSev))
	h.Write(configDims(cfg))
	kind := "python\x00"
	if lf.nb != nil {
		kind = "notebook\x00"
	}
	h.Write([]byte(kind))
	writeStrings(h, lf.module.Name)
	h.Write(lf.sum[:])
	if lf.linked {
		h.Write([]byte("linked\x00"))
		writeStrings(h, lf.path) // other files' entries name it
		h.Write(progDims)
	} else {
		h.Write([]byte("alone\x00"))
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// optionsKey encodes the analysis options in force for a file: every field (Go syntax, map
// keys sorted), so that an option added to analysis.Options is part of the key without
// more code. The catalog is the built-in one (part of the tool) or another; Workers does
// not change a result.
func optionsKey(o analysis.Options, minSev analysis.Severity) []byte {
	target := o.TargetVersion()
	custom := o.Catalog != nil
	o.Catalog, o.Workers, o.MinSeverity = nil, 0, minSev
	return fmt.Appendf(nil, "%#v\x00target=%v\x00catalog=%t\x00", o, target, custom)
}

// configDims encodes a configuration's dynamic-shapes declarations (with the dims table's
// ranges applied); nil when it has none.
func configDims(cfg *config.Config) []byte {
	if cfg == nil || len(cfg.DynamicShapes) == 0 {
		return nil
	}
	return fmt.Appendf(nil, "dims\x00%#v\x00", cfg.ClassDims())
}

// programDims encodes the dynamic-shapes declarations of the targets' configurations,
// each configuration once.
func programDims(targets []*target) []byte {
	var b []byte
	seen := map[*config.Config]bool{}
	for _, t := range targets {
		if t.cfg != nil && !seen[t.cfg] {
			seen[t.cfg] = true
			b = append(b, configDims(t.cfg)...)
		}
	}
	return b
}

var (
	toolOnce sync.Once
	toolSum  [32]byte
)

// toolID identifies the analysis this build does (see the package's cache comment).
func toolID(version string) [32]byte {
	toolOnce.Do(func() {
		h := sha256.New()
		fmt.Fprintf(h, "exportdb-cache %d\x00%s\x00", cacheFormat, version)
		revision, modified := "", false
		if bi, ok := debug.ReadBuildInfo(); ok {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00", bi.GoVersion, bi.Main.Path, bi.Main.Version)
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					revision = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
		}
		fmt.Fprintf(h, "%s\x00%t\x00", revision, modified)
		if revision == "" || modified {
			if exe, err := os.Executable(); err == nil {
				if fi, err := os.Stat(exe); err == nil {
					fmt.Fprintf(h, "%s\x00%d\x00%d\x00", exe, fi.Size(), fi.ModTime().UnixNano())
				}
			}
		}
		for _, rule := range rules.All() {
			h.Write([]byte(rule.Name + "\x00"))
		}
		h.Sum(toolSum[:0])
	})
	return toolSum
}

// cacheStore is one cache directory.
//
// The directory may come from a repository (the default one in the project root, or the
// configuration's cache-dir), so nothing a repository can put there makes a run write or
// remove outside it: entries are read through safefile (no named pipe blocks a run), every
// file is written by renaming a new file over its name (a symbolic link there is replaced,
// never written through), the version and shard directories must be real directories, the
// tags (CACHEDIR.TAG, .gitignore) are written only into a directory the run made itself,
// and pruning removes only files named as entries, found without following links.
type cacheStore struct {
	dir string
	c   *resultCache

	initOnce sync.Once
	initErr  error
	shards   sync.Map // shard directory -> struct{}: made and checked
	broken   atomic.Bool
	wrote    atomic.Bool
}

func (s *cacheStore) entries() string { return filepath.Join(s.dir, fmt.Sprintf("v%d", cacheFormat)) }

func (s *cacheStore) path(sum [32]byte) (shard, file string) {
	name := hex.EncodeToString(sum[:])
	shard = filepath.Join(s.entries(), name[:2])
	return shard, filepath.Join(shard, name[2:])
}

// maxEntrySize bounds an entry file: its findings' messages, fixes and related places stay
// far below four times the largest source.
const maxEntrySize = 4 * syntax.MaxSourceSize

// get returns the payload of the entry for sum, or false when there is none or it does not
// read back whole.
func (s *cacheStore) get(sum [32]byte) ([]byte, bool) {
	_, path := s.path(sum)
	data, err := safefile.Read(path, maxEntrySize)
	if err != nil {
		return nil, false
	}
	payload, ok := unwrapEntry(data, sum)
	if ok {
		if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
			if now := time.Now(); now.Sub(fi.ModTime()) > cacheTouchAfter {
				os.Chtimes(path, now, now) // used: pruning keeps it
			}
		}
	}
	return payload, ok
}

// put writes the entry for sum: to a temporary file, renamed into place.
func (s *cacheStore) put(sum [32]byte, payload []byte) {
	if s.broken.Load() {
		return
	}
	if err := s.init(); err != nil {
		s.fail(err)
		return
	}
	shard, path := s.path(sum)
	if _, ok := s.shards.Load(shard); !ok {
		if err := realDir(shard); err != nil {
			s.fail(err)
			return
		}
		s.shards.Store(shard, struct{}{})
	}
	if err := putFile(path, wrapEntry(sum, payload)); err != nil {
		s.fail(err)
		return
	}
	s.wrote.Store(true)
}

func (s *cacheStore) fail(err error) {
	s.broken.Store(true)
	s.c.warn(s.dir, err)
}

// init makes the directory and its entries directory. A directory it made is tagged as a
// cache (CACHEDIR.TAG, for backup tools) and ignored by git; one that was there (chosen by
// the user, or a link a repository holds) is left as it is.
func (s *cacheStore) init() error {
	s.initOnce.Do(func() {
		if s.initErr = os.MkdirAll(filepath.Dir(s.dir), 0o755); s.initErr != nil {
			return
		}
		made := false
		switch err := os.Mkdir(s.dir, 0o755); {
		case err == nil:
			made = true
		case !errors.Is(err, fs.ErrExist):
			s.initErr = err
			return
		}
		if made {
			for name, text := range map[string]string{
				"CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by exportdb.\n# For information about cache directory tags see https://bford.info/cachedir/\n",
				".gitignore":   "# Automatically created by exportdb.\n*\n",
			} {
				if s.initErr = putFile(filepath.Join(s.dir, name), []byte(text)); s.initErr != nil {
					return
				}
			}
		}
		s.initErr = realDir(s.entries())
	})
	return s.initErr
}

// realDir makes dir (its parent exists) unless it is there, and fails unless it is a
// directory, not a link to one.
func realDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: fmt.Errorf("%w (%s)", safefile.ErrNotRegular, safefile.Kind(fi.Mode()))}
	}
	return nil
}

// putFile writes data to a new file next to path and renames it to path, replacing
// whatever is there (a link is replaced, not followed).
func putFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// maybePrune prunes the directory when it was not pruned for a day.
func (s *cacheStore) maybePrune(now time.Time) {
	marker := filepath.Join(s.dir, "last-prune")
	if fi, err := os.Lstat(marker); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) < cachePruneEvery {
		return
	}
	if putFile(marker, nil) != nil {
		return
	}
	pruneCache(s.dir, now, cacheMaxAge, cacheMaxBytes)
}

// isHex reports whether s is n lowercase hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isVersionDir reports whether name is an entries directory: v and a number.
func isVersionDir(name string) bool {
	if len(name) < 2 || name[0] != 'v' {
		return false
	}
	for _, c := range []byte(name[1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// pruneCache removes, from the entries directories of dir (every format version), the
// entries not used for maxAge, then the least recently used ones until the entries take
// at most maxBytes, and temporary files left by killed runs. It reads only directories
// named as the cache names them and removes only regular files named as entries or
// temporary files; links are neither followed nor removed.
func pruneCache(dir string, now time.Time, maxAge time.Duration, maxBytes int64) {
	type ent struct {
		path string
		size int64
		mod  time.Time
	}
	var kept []ent
	var total int64
	dirs := func(d string, want func(string) bool) []string {
		list, _ := os.ReadDir(d)
		var out []string
		for _, e := range list {
			if e.IsDir() && want(e.Name()) { // ReadDir does not follow links: a link is no dir
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
		return out
	}
	for _, vd := range dirs(dir, isVersionDir) {
		for _, shard := range dirs(vd, func(n string) bool { return isHex(n, 2) }) {
			list, _ := os.ReadDir(shard)
			for _, e := range list {
				name := e.Name()
				tmp := strings.HasPrefix(name, ".tmp-")
				if !e.Type().IsRegular() || !tmp && !isHex(name, 62) {
					continue
				}
				fi, err := e.Info()
				if err != nil {
					continue
				}
				path := filepath.Join(shard, name)
				age := now.Sub(fi.ModTime())
				switch {
				case tmp:
					if age > cacheTempMaxAge {
						os.Remove(path)
					}
				case age > maxAge:
					os.Remove(path)
				default:
					kept = append(kept, ent{path, fi.Size(), fi.ModTime()})
					total += fi.Size()
				}
			}
		}
	}
	if total <= maxBytes {
		return
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].mod.Before(kept[j].mod) })
	for _, e := range kept {
		if total <= maxBytes*8/10 {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}

// An entry file: magic, format, key, payload length and CRC-32C, payload.
const entryHeader = 15 + 1 + 32 + 4 + 4

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func wrapEntry(sum [32]byte, payload []byte) []byte {
	b := make([]byte, 0, entryHeader+len(payload))
	b = append(b, cacheMagic...)
	b = append(b, cacheFormat)
	b = append(b, sum[:]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, crcTable))
	return append(b, payload...)
}

func unwrapEntry(data []byte, sum [32]byte) ([]byte, bool) {
	if len(data) < entryHeader || !bytes.Equal(data[:15], cacheMagic) || data[15] != cacheFormat || !bytes.Equal(data[16:48], sum[:]) {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(data[48:])
	crc := binary.LittleEndian.Uint32(data[52:])
	payload := data[entryHeader:]
	if uint64(len(payload)) != uint64(n) || crc32.Checksum(payload, crcTable) != crc {
		return nil, false
	}
	return payload, true
}

// entry is what the cache keeps of a result.
type entry struct {
	err      *analysis.FileError // a source error; then no findings
	cell     bool                // err is in a notebook's cell (cellError)
	findings []analysis.Finding

	// a linked file's: the hash of its component's texts, of its dependencies' surfaces, and
	// of the text of each other file its findings point into (related places, fixes)
	content, surface [32]byte
	refs             []entryRef
}

// entryRef is a file a finding's related place lies in, and the hash of its text.
type entryRef struct {
	path string
	sum  [32]byte
}

func encodeEntry(e *entry) []byte {
	var w entryWriter
	w.b = append(w.b, e.content[:]...)
	w.b = append(w.b, e.surface[:]...)
	w.uint(uint64(len(e.refs)))
	for _, ref := range e.refs {
		w.str(ref.path)
		w.b = append(w.b, ref.sum[:]...)
	}
	if e.err != nil {
		w.uint(1)
		w.bool(e.cell)
		w.int(e.err.Offset)
		w.str(e.err.Reason)
		return w.b
	}
	w.uint(0)
	w.uint(uint64(len(e.findings)))
	for i := range e.findings {
		fd := &e.findings[i]
		w.str(fd.Case)
		w.int(fd.Start)
		w.int(fd.End)
		w.str(fd.Message)
		w.int(int(fd.Effect))
		w.int(int(fd.Severity))
		w.bool(fd.Deprecated)
		w.uint(uint64(len(fd.Fixes)))
		for _, fx := range fd.Fixes {
			w.str(fx.Title)
			w.int(int(fx.Safety))
			w.str(fx.Path)
			w.uint(uint64(len(fx.Edits)))
			for _, ed := range fx.Edits {
				w.int(ed.Start)
				w.int(ed.End)
				w.str(ed.NewText)
			}
		}
		w.uint(uint64(len(fd.Related)))
		for _, rel := range fd.Related {
			w.int(rel.Start)
			w.int(rel.End)
			w.str(rel.Message)
			w.str(rel.Path)
		}
	}
	return w.b
}

// decodeEntry reads a payload; false when it is not one encodeEntry wrote.
func decodeEntry(b []byte) (*entry, bool) {
	r := entryReader{b: b}
	e := &entry{}
	r.sum(&e.content)
	r.sum(&e.surface)
	if n := r.count(); n > 0 {
		e.refs = make([]entryRef, n)
		for i := range e.refs {
			e.refs[i].path = r.str()
			r.sum(&e.refs[i].sum)
		}
	}
	switch r.uint() {
	case 1:
		e.cell = r.bool()
		e.err = &analysis.FileError{Offset: r.int(), Reason: r.str()}
		if e.err.Offset < -1 {
			return nil, false
		}
	case 0:
		n := r.count()
		if n > 0 {
			e.findings = make([]analysis.Finding, n)
		}
		for i := 0; i < n && !r.bad; i++ {
			fd := &e.findings[i]
			fd.Case = r.str()
			fd.Start, fd.End = r.int(), r.int()
			fd.Message = r.str()
			fd.Effect = analysis.Effect(r.int())
			fd.Severity = analysis.Severity(r.int())
			fd.Deprecated = r.bool()
			if fd.Effect < analysis.Recognized || fd.Effect > analysis.Fails || fd.Severity < analysis.Off || fd.Severity > analysis.Error {
				return nil, false
			}
			if nf := r.count(); nf > 0 {
				fd.Fixes = make([]analysis.Fix, nf)
				for j := range fd.Fixes {
					fx := &fd.Fixes[j]
					fx.Title = r.str()
					fx.Safety = analysis.Safety(r.int())
					if fx.Safety != analysis.Safe && fx.Safety != analysis.Unsafe {
						return nil, false
					}
					fx.Path = r.str()
					if ne := r.count(); ne > 0 {
						fx.Edits = make([]analysis.Edit, ne)
						for k := range fx.Edits {
							fx.Edits[k] = analysis.Edit{Start: r.int(), End: r.int(), NewText: r.str()}
						}
					}
				}
			}
			if nr := r.count(); nr > 0 {
				fd.Related = make([]analysis.Related, nr)
				for j := range fd.Related {
					fd.Related[j] = analysis.Related{Start: r.int(), End: r.int(), Message: r.str(), Path: r.str()}
				}
			}
		}
	default:
		return nil, false
	}
	if r.bad || len(r.b) != 0 {
		return nil, false
	}
	return e, true
}

type entryWriter struct{ b []byte }

func (w *entryWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *entryWriter) int(v int)     { w.b = binary.AppendVarint(w.b, int64(v)) }
func (w *entryWriter) str(s string)  { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *entryWriter) bool(v bool) {
	if v {
		w.uint(1)
	} else {
		w.uint(0)
	}
}

// entryReader reads what entryWriter wrote; any error sets bad and reads zeros from then on.
type entryReader struct {
	b   []byte
	bad bool
}

func (r *entryReader) uint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *entryReader) int() int {
	if r.bad {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 || v < -1<<31 || v > 1<<31 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

// count reads a list length, which cannot exceed the bytes left (every element takes one).
func (r *entryReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *entryReader) sum(out *[32]byte) {
	if r.bad || len(r.b) < len(out) {
		r.bad = true
		return
	}
	copy(out[:], r.b)
	r.b = r.b[len(out):]
}

func (r *entryReader) str() string {
	n := r.count()
	if r.bad {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *entryReader) bool() bool {
	switch r.uint() {
	case 0:
		return false
	case 1:
		return true
	}
	r.bad = true
	return false
}
