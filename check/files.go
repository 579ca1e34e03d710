package check

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// target is a file to analyse with the configuration in force for it.
type target struct {
	abs, path string
	cfg       *config.Config
	src       []byte // read from stdin; nil: read the file
	stdin     bool
}

// configs finds the configuration of each directory, with the overrides applied. It is used
// by the walk only (one goroutine).
type configs struct {
	fixed   *config.Config            // --config or --no-config: one configuration for all
	over    config.Overrides          //
	byDir   map[string]*config.Config // nil value: the directory's configuration is invalid
	byFile  map[string]*config.Config // by config file (or "root:" + Root without one), overrides applied
	errs    []error
	dirErrs []dirError      // directories that cannot be searched: their files are not checked
	seen    map[string]bool // error texts already recorded
}

// dirError is a directory that cannot be read.
type dirError struct {
	dir string
	err error
}

// newConfigs validates the overrides (so a bad flag is reported once, as a flag) and loads
// an explicit configuration.
func (r *runner) newConfigs() (*configs, error) {
	cs := &configs{over: r.o.Overrides, byDir: map[string]*config.Config{}, byFile: map[string]*config.Config{}, seen: map[string]bool{}}
	probe := cs.over
	if probe.TorchVersion == "auto" {
		probe.TorchVersion = "" // resolved per project root
	}
	if _, err := (&config.Config{}).With(probe); err != nil {
		return nil, err
	}
	switch {
	case r.o.ConfigFile != "":
		c, err := config.Load(r.o.ConfigFile)
		if err != nil {
			return nil, err
		}
		if cs.fixed, err = c.With(cs.over); err != nil {
			return nil, err
		}
	case r.o.NoConfig:
		c, err := (&config.Config{Root: r.cwd}).With(cs.over)
		if err != nil {
			return nil, err
		}
		cs.fixed = c
	}
	return cs, nil
}

// forDir returns the configuration for the files of dir, or nil (error recorded).
func (cs *configs) forDir(dir string) *config.Config {
	if cs.fixed != nil {
		return cs.fixed
	}
	if c, ok := cs.byDir[dir]; ok {
		return c
	}
	c, err := config.Discover(dir)
	var ce *config.Error
	if err != nil && errors.Is(err, fs.ErrPermission) && errors.As(err, &ce) && ce.File == dir {
		// a directory whose entries cannot be looked at: an error for it (the walk reports
		// it), not a configuration error that would stop the run
		cs.byDir[dir] = nil
		if !cs.seen["dir:"+dir] {
			cs.seen["dir:"+dir] = true
			cs.dirErrs = append(cs.dirErrs, dirError{dir, errors.New(ce.Msg)})
		}
		return nil
	}
	if err == nil {
		key := c.Path
		if key == "" {
			key = "root:" + c.Root
		}
		if done, ok := cs.byFile[key]; ok {
			c = done
		} else {
			c, err = c.With(cs.over)
			cs.byFile[key] = c // nil on error: reported once
		}
	}
	if err != nil {
		if !cs.seen[err.Error()] {
			cs.seen[err.Error()] = true
			cs.errs = append(cs.errs, err)
		}
		c = nil
	}
	cs.byDir[dir] = c
	return c
}

// discover expands the paths into the files to check, sorted and without duplicates.
// Paths that cannot be read become results carrying the error.
//
// A file named on the command line is checked whatever its extension (a *.ipynb file as a
// notebook, any other as Python) and even when a configured exclude or a .gitignore
// matches it (as ruff does), unless ForceExclude asks for the configured excludes to apply
// to it too; a directory is walked for *.py and *.ipynb files, skipping what .gitignore
// files and the configuration exclude, VCS metadata (.git, .hg, .svn, .jj), Jupyter's
// .ipynb_checkpoints and symbolic links to directories (never followed, so no cycles).
// A symbolic link to a file is checked as that file; a dangling one is reported.
func (r *runner) discover(cs *configs) ([]*target, []*FileResult) {
	w := &walker{r: r, cs: cs, seen: map[string]bool{}, byKey: map[fileKey]*target{}}
	for _, p := range r.o.Paths {
		abs := filepath.Clean(p)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(r.cwd, abs) // relative to WorkDir
		}
		fi, err := os.Stat(abs)
		if err != nil {
			if lfi, lerr := os.Lstat(abs); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
				err = fmt.Errorf("broken symbolic link: %w", err)
			}
			w.fail(abs, fmt.Errorf("cannot check: %w", err))
			continue
		}
		switch {
		case fi.IsDir():
			if r.o.ForceExclude && r.forceExcluded(abs, cs.forDir(abs), true) {
				continue
			}
			before := w.found
			w.walk(abs, stackAbove(abs))
			if w.found == before {
				r.warnings = append(r.warnings, fmt.Sprintf("no Python files to check in %s", r.display(abs)))
			}
		case fi.Mode().IsRegular():
			cfg := cs.forDir(filepath.Dir(abs))
			if r.o.ForceExclude && r.forceExcluded(abs, cfg, false) {
				continue
			}
			w.file(abs, cfg)
		default:
			w.fail(abs, errors.New("not a regular file or directory"))
		}
	}
	for _, de := range cs.dirErrs {
		w.fail(de.dir, de.err)
	}
	r.inputs, r.inputPaths = w.byKey, map[string]bool{}
	for _, t := range w.targets {
		r.inputPaths[t.abs] = true
	}
	return w.targets, w.errs
}

// forceExcluded reports whether the configuration excludes abs, a path named on the
// command line, or one of its parent directories below the configuration's root.
func (r *runner) forceExcluded(abs string, cfg *config.Config, isDir bool) bool {
	if cfg == nil {
		return false
	}
	p := abs
	if isDir {
		p += string(filepath.Separator)
	}
	if cfg.Excluded(p) {
		return true
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		rel, err := filepath.Rel(cfg.Root, dir)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return false
		}
		if cfg.Excluded(dir + string(filepath.Separator)) {
			return true
		}
	}
}

type walker struct {
	found   int // Python files the walks found, also those seen before
	r       *runner
	cs      *configs
	seen    map[string]bool
	byKey   map[fileKey]*target // each file once, whatever paths lead to it
	targets []*target
	errs    []*FileResult
}

func (w *walker) fail(abs string, err error) {
	if w.seen[abs] {
		return
	}
	w.seen[abs] = true
	w.errs = append(w.errs, &FileResult{Path: w.r.display(abs), Abs: abs, Err: cleanPathError(err)})
}

// file adds a file to check, once: a second path to a file already added (a symbolic link
// to it, a hard link, another spelling) is dropped, except that the file is then shown by
// a path that is not a symbolic link when there is one. Fixing a file through two paths
// would rewrite it twice.
func (w *walker) file(abs string, cfg *config.Config) {
	if w.seen[abs] || cfg == nil {
		return
	}
	w.seen[abs] = true
	t := &target{abs: abs, path: w.r.display(abs), cfg: cfg}
	if fi, err := os.Stat(abs); err == nil {
		if key, ok := keyOf(fi); ok {
			if prev := w.byKey[key]; prev != nil {
				if isLink(prev.abs) && !isLink(abs) {
					prev.abs, prev.path, prev.cfg = abs, t.path, cfg
				}
				return
			}
			w.byKey[key] = t
		}
	}
	w.targets = append(w.targets, t)
}

func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

func (w *walker) walk(dir string, parent ignoreStack) {
	cfgOf := func(path string) *config.Config { return w.cs.forDir(filepath.Dir(path)) }
	_ = walkTree(dir, parent, walkHooks{
		root:  resolvedRoot(dir),
		enter: func(dir string) { w.cs.forDir(dir) }, // records the directory's config error in walk order
		skip: func(path string, isDir bool) bool {
			cfg := cfgOf(path)
			if cfg == nil {
				return true // its directory cannot be read, or its configuration is invalid (reported)
			}
			if isDir {
				path += string(filepath.Separator)
			}
			return cfg.Excluded(path)
		},
		file: func(path string) error {
			w.found++
			w.file(path, cfgOf(path))
			return nil
		},
		fail:      w.fail,
		notebooks: true,
	})
}

// walkHooks are what a walk of a directory tree does besides applying .gitignore files.
type walkHooks struct {
	root  string                             // the walk's root with links resolved: links to files outside it are not followed
	enter func(dir string)                   // each directory walked, before its entries; may be nil
	skip  func(path string, isDir bool) bool // leaves out an entry .gitignore keeps; may be nil
	file  func(path string) error            // each *.py (and *.ipynb) file kept; an error stops the walk
	fail  func(path string, err error)       // what cannot be read; may be nil

	notebooks bool // *.ipynb files are kept too
}

// resolvedRoot is dir with symbolic links resolved, or dir itself when that fails.
func resolvedRoot(dir string) string {
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		return r
	}
	return dir
}

// linkInside reports whether the symbolic link path resolves to a file under root ("" allows
// any target).
func linkInside(path, root string) bool {
	if root == "" {
		return true
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// walkTree walks dir for *.py files (and *.ipynb with hooks.notebooks), in lexical order,
// with the .gitignore files in force above it (parent): it skips what .gitignore files and
// hooks.skip leave out, VCS metadata, .ipynb_checkpoints and symbolic links to
// directories (never followed, so no cycles); a symbolic link to a file under hooks.root
// counts as that file (one pointing elsewhere is skipped), and a dangling one with a name
// it looks for is reported to hooks.fail. It returns the first error of hooks.file.
func walkTree(dir string, parent ignoreStack, h walkHooks) error {
	fail := func(path string, err error) {
		if h.fail != nil {
			h.fail(path, err)
		}
	}
	skip := func(path string, isDir bool) bool { return h.skip != nil && h.skip(path, isDir) }
	// a directory whose entries cannot be looked at (no search permission) is one error,
	// not one per entry or a configuration error: the rest of the tree is checked
	if _, err := os.Lstat(dir + string(filepath.Separator) + "."); errors.Is(err, fs.ErrPermission) {
		fail(dir, fmt.Errorf("cannot read directory: %w", err))
		return nil
	}
	wanted := func(name string) bool {
		return strings.HasSuffix(name, ".py") || h.notebooks && IsNotebook(name)
	}
	stack, err := parent.push(dir)
	if err != nil {
		fail(filepath.Join(dir, ".gitignore"), fmt.Errorf("cannot read: %w", err))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		fail(dir, fmt.Errorf("cannot read directory: %w", err))
		return nil
	}
	if h.enter != nil {
		h.enter(dir)
	}
	for _, e := range entries {
		name := e.Name()
		full := filepath.Join(dir, name)
		isDir := e.IsDir()
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			fi, err := os.Stat(full)
			if err != nil {
				if wanted(name) && !stack.ignored(full, false) && !skip(full, false) {
					fail(full, fmt.Errorf("broken symbolic link: %w", err))
				}
				continue
			}
			if !fi.Mode().IsRegular() {
				continue // links to directories are not followed
			}
			if !linkInside(full, h.root) {
				continue // only files under the paths given are read
			}
			isDir = false
		case !isDir && !t.IsRegular():
			continue // sockets, pipes, devices
		}
		if isDir && (isVCSDir(name) || name == checkpointsDir) {
			continue
		}
		if stack.ignored(full, isDir) {
			continue
		}
		if isDir {
			if skip(full, true) {
				continue
			}
			if err := walkTree(full, stack, h); err != nil {
				return err
			}
			continue
		}
		if !wanted(name) || skip(full, false) {
			continue
		}
		if err := h.file(full); err != nil {
			return err
		}
	}
	return nil
}

// WalkOptions refine Walk.
type WalkOptions struct {
	// Skip, when not nil, leaves out more than the .gitignore files do: it is asked about
	// each directory below the root and each *.py file that .gitignore keeps (a skipped
	// directory is not entered). `exportdb check` skips what the configuration in force
	// in the entry's parent directory excludes (config.Config.Excluded, which wants a
	// directory's path with a trailing separator).
	Skip func(path string, isDir bool) bool
	// Error, when not nil, is told what cannot be read (a directory, a .gitignore, a
	// dangling symbolic link named *.py); the walk goes on.
	Error func(path string, err error)
	// Notebooks: find *.ipynb files too.
	Notebooks bool
}

// Walk calls fn with each Python file below the directory root that `exportdb check root`
// finds, in lexical order: *.py regular files (and symbolic links to them; *.ipynb too
// with opts.Notebooks), skipping what .gitignore files ignore (by git's rules, including
// the .gitignore files between the repository root and root, and the repository's
// .git/info/exclude), VCS metadata (.git, .hg, .svn, .jj), Jupyter's .ipynb_checkpoints,
// symbolic links to directories (never followed) and what opts.Skip leaves out. The paths
// are absolute. Walk stops at fn's first error and returns it.
func Walk(root string, opts WalkOptions, fn func(path string) error) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", root)
	}
	return walkTree(abs, stackAbove(abs), walkHooks{root: resolvedRoot(abs), skip: opts.Skip, file: fn, fail: opts.Error, notebooks: opts.Notebooks})
}

// cleanPathError drops the path an *fs.PathError repeats (the report names the file).
func cleanPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg := strings.Replace(err.Error(), pe.Op+" "+pe.Path+": ", "", 1)
		return errors.New(msg)
	}
	return err
}
