// Package config reads exportdb's project configuration: the [tool.exportdb] table of a
// pyproject.toml, or an exportdb.toml, found by walking up from a file. `exportdb check`
// and the language server both use it, so that the editor and CI judge a file alike.
//
// Start with Discover (the configuration in force for a file or directory), apply flags or
// editor settings with With, then ask Options for what analysis.Analyze needs for one file
// and Excluded for whether a path is skipped. Every problem in a configuration file is an
// *Error naming the file, the key and the line; nothing is silently ignored.
//
// The keys, under [tool.exportdb] in pyproject.toml or at the top level of exportdb.toml:
//
//	torch-version = "2.5"                 # or "auto": the torch pin of the project
//	strict = true                         # judge for torch.export(..., strict=True)
//	select = ["torch.cond", "dynamic_shape_round"]    # case names or tags; "ALL"
//	ignore = ["static_for_loop"]
//	exclude = ["build/", "third_party/**"]             # gitignore-style, relative to the file
//	cache-dir = ".exportdb_cache"         # exportdb check's result cache, relative to the file
//	[tool.exportdb.severity]              # per case (or tag) severity
//	dynamic_shape_if_guard = "error"
//	[tool.exportdb.per-file-ignores]      # glob -> case names or tags
//	"tests/**" = ["ALL"]
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// File names, in the order Discover prefers them within one directory.
const (
	ExportdbTOML  = "exportdb.toml"
	PyprojectTOML = "pyproject.toml"
)

// Config is the configuration in force for one file.
type Config struct {
	Path           string          // the pyproject.toml or exportdb.toml it came from; "" when none was found
	Root           string          // the directory holding Path (the project root); paths in the file are relative to it
	TorchVersion   string          // as written: "", "2.5", or "auto"
	Target         catalog.Version // resolved (auto: from the torch pin in pyproject dependencies or requirements*.txt next to Path; zero = newest)
	Strict         *bool
	Select         []string
	Ignore         []string
	Severity       map[string]analysis.Severity // per-case overrides
	Exclude        []string                     // gitignore-style globs
	PerFileIgnores map[string][]string          // glob -> case names or tags
	// Src lists the source roots (absolute): modules are named from them (project.go).
	Src []string
	// DynamicShapes declares dynamic dimensions of classes exported elsewhere, and DimRanges
	// the ranges of named dims (project.go).
	DynamicShapes []torchsem.ClassDims
	DimRanges     map[string][2]int
	// CacheDir is the directory of `exportdb check`'s result cache (absolute); "" for the
	// default.
	CacheDir string
}

// Error is an invalid configuration: it names the file, the key and the line.
//
// For an override passed to With (a command-line flag or an editor setting) File is "",
// Line is 0 and Key is the setting's name in configuration spelling ("torch-version",
// "severity.dynamic_shape_round"); the caller maps it to its own flag or setting name.
type Error struct {
	File string // the configuration file as given to Load or found by Discover; "" for overrides
	Line int    // 1-based line of the key (or of the offending array element); 0 when unknown
	Key  string // dotted TOML key, such as tool.exportdb.torch-version; "" for a TOML syntax error
	Msg  string
	Err  error // the underlying error of a file that could not be read, or nil
}

// Unwrap returns the underlying error of a file that could not be read (errors.Is(err,
// fs.ErrPermission) tells a directory or file we may not read).
func (e *Error) Unwrap() error { return e.Err }

// Error formats "pyproject.toml:12: tool.exportdb.torch-version: invalid torch version ...".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Discover returns the configuration in force for path (a file, which need not exist, or a
// directory): the first exportdb.toml, or pyproject.toml holding a [tool.exportdb] table,
// found walking up from path's directory to the filesystem root. In one directory
// exportdb.toml wins. Discover keeps no cache and no state; it reads the files each call.
//
// With no configuration file, Discover returns a Config with Path "" whose Root is the
// nearest directory holding a pyproject.toml or requirements*.txt (where torch-version
// "auto" looks), or "" when there is none.
//
// A pyproject.toml that does not mention exportdb is never parsed; one that does but is
// not valid TOML is an *Error (it may hold our table).
func Discover(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir := abs
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		dir = filepath.Dir(abs)
	}
	root := ""
	for {
		f, err := fileIn(dir)
		if err != nil {
			return nil, err
		}
		if f != "" {
			return Load(f)
		}
		if root == "" && hasProjectFile(dir) {
			root = dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return &Config{Root: root}, nil
		}
		dir = parent
	}
}

// fileIn returns the configuration file of dir itself, or "". A directory whose entries
// cannot be looked at (no search permission) is an *Error naming the directory, wrapping
// fs.ErrPermission.
func fileIn(dir string) (string, error) {
	ex := filepath.Join(dir, ExportdbTOML)
	switch fi, err := os.Stat(ex); {
	case err == nil && !fi.IsDir():
		if l, lerr := os.Lstat(ex); lerr == nil && l.Mode()&fs.ModeSymlink != 0 && !safefile.Inside(ex, dir) {
			break // a link out of the directory: skipped, as the .py walk skips one
		}
		return ex, nil
	case errors.Is(err, fs.ErrPermission):
		return "", &Error{File: dir, Msg: "cannot read directory: " + unwrapPath(err), Err: err}
	}
	py := filepath.Join(dir, PyprojectTOML)
	data, err := readFile(py, true)
	if err != nil {
		if absent(py, err) {
			return "", nil
		}
		return "", err
	}
	if !bytes.Contains(data, []byte("exportdb")) {
		return "", nil // cannot hold [tool.exportdb] in any spelling
	}
	var raw map[string]any
	if _, err := decodeTOML(py, string(data), &raw); err != nil {
		return py, nil // Load reports the syntax error: never ignore a file that may be ours
	}
	if _, ok := lookup(raw, "tool", "exportdb"); ok {
		return py, nil
	}
	return "", nil
}

func hasProjectFile(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, PyprojectTOML)); err == nil && !fi.IsDir() {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, "requirements*.txt"))
	return len(m) > 0
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Load parses one configuration file. A file named pyproject.toml is read for its
// [tool.exportdb] table (an error if it has none); any other name (exportdb.toml, or a file
// given with --config) holds the keys at its top level. It must be a regular file of at
// most MaxFileSize bytes.
func Load(file string) (*Config, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	data, err := readFile(file, false)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, &Error{File: file, Msg: "cannot read: " + unwrapPath(err), Err: err}
	}
	return parse(file, abs, data, filepath.Base(abs) == PyprojectTOML)
}

// Overrides are settings from flags or an editor that take precedence over the file. A
// nil slice or map, nil Strict and "" TorchVersion leave the file's value; a non-nil slice
// (even empty) replaces it. ExtendIgnore adds to Ignore; Severity entries (case name or
// tag -> level) are merged over the file's.
type Overrides struct {
	TorchVersion string
	Strict       *bool
	Select       []string
	Ignore       []string
	ExtendIgnore []string
	Severity     map[string]string
	Exclude      []string
}

// With returns a copy of c with o applied; c is not modified. A nil c is the empty
// configuration. Invalid settings are an *Error whose Key names the setting.
func (c *Config) With(o Overrides) (*Config, error) {
	if c == nil {
		c = &Config{}
	}
	n := c.clone()
	if o.TorchVersion != "" {
		if o.TorchVersion == "auto" && n.Root == "" {
			return nil, &Error{Key: "torch-version", Msg: "\"auto\": no project directory to read the torch pin from (no configuration file, pyproject.toml or requirements*.txt found)"}
		}
		v, err := parseTorchVersion(o.TorchVersion, n.Root)
		if err != nil {
			return nil, &Error{Key: "torch-version", Msg: err.Error()}
		}
		n.TorchVersion, n.Target = o.TorchVersion, v
	}
	if o.Strict != nil {
		b := *o.Strict
		n.Strict = &b
	}
	names := func(key string, list []string) ([]string, error) {
		for _, s := range list {
			if err := checkName(s); err != nil {
				return nil, &Error{Key: key, Msg: err.Error()}
			}
		}
		return append([]string{}, list...), nil
	}
	var err error
	if o.Select != nil {
		if n.Select, err = names("select", o.Select); err != nil {
			return nil, err
		}
	}
	if o.Ignore != nil {
		if n.Ignore, err = names("ignore", o.Ignore); err != nil {
			return nil, err
		}
	}
	if len(o.ExtendIgnore) > 0 {
		more, err := names("extend-ignore", o.ExtendIgnore)
		if err != nil {
			return nil, err
		}
		n.Ignore = append(n.Ignore, more...)
	}
	if len(o.Severity) > 0 {
		keys := make([]string, 0, len(o.Severity))
		for k := range o.Severity {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var entries []severityEntry
		for _, k := range keys {
			lv, err := analysis.ParseSeverity(o.Severity[k])
			if err != nil {
				return nil, &Error{Key: "severity." + k, Msg: err.Error()}
			}
			if err := checkSeverityName(k); err != nil {
				return nil, &Error{Key: "severity." + k, Msg: err.Error()}
			}
			entries = append(entries, severityEntry{k, lv})
		}
		if n.Severity == nil {
			n.Severity = map[string]analysis.Severity{}
		}
		expandSeverity(n.Severity, entries)
	}
	if o.Exclude != nil {
		for _, g := range o.Exclude {
			if err := checkPattern(g); err != nil {
				return nil, &Error{Key: "exclude", Msg: err.Error()}
			}
		}
		n.Exclude = append([]string{}, o.Exclude...)
	}
	return n, nil
}

func (c *Config) clone() *Config {
	n := *c
	if c.Strict != nil {
		b := *c.Strict
		n.Strict = &b
	}
	n.Select = cloneList(c.Select)
	n.Ignore = cloneList(c.Ignore)
	n.Exclude = cloneList(c.Exclude)
	if c.Severity != nil {
		n.Severity = make(map[string]analysis.Severity, len(c.Severity))
		for k, v := range c.Severity {
			n.Severity[k] = v
		}
	}
	if c.PerFileIgnores != nil {
		n.PerFileIgnores = make(map[string][]string, len(c.PerFileIgnores))
		for k, v := range c.PerFileIgnores {
			n.PerFileIgnores[k] = cloneList(v)
		}
	}
	return &n
}

func cloneList(l []string) []string {
	if l == nil {
		return nil
	}
	return append([]string{}, l...)
}

// Options returns the analysis options for one file: target version, strictness,
// select/ignore, severities, plus the per-file-ignores whose glob matches the file (its
// path relative to Root). The result shares nothing with c.
func (c *Config) Options(file string) analysis.Options {
	if c == nil {
		return analysis.Options{}
	}
	o := analysis.Options{
		Target:    c.Target,
		NonStrict: c.Strict != nil && !*c.Strict,
		Strict:    c.Strict != nil && *c.Strict,
		Select:    cloneList(c.Select),
		Ignore:    cloneList(c.Ignore),
	}
	if len(c.Severity) > 0 {
		o.Severity = make(map[string]analysis.Severity, len(c.Severity))
		for k, v := range c.Severity {
			o.Severity[k] = v
		}
	}
	if len(c.PerFileIgnores) == 0 {
		return o
	}
	rel, ok := c.rel(file)
	if !ok {
		return o
	}
	globs := make([]string, 0, len(c.PerFileIgnores))
	for g := range c.PerFileIgnores {
		globs = append(globs, g)
	}
	sort.Strings(globs)
	for _, g := range globs {
		if perFileMatch(g, rel) {
			o.Ignore = append(o.Ignore, c.PerFileIgnores[g]...)
		}
	}
	return o
}

// perFileMatch reports whether a per-file-ignores glob applies to rel. A directory pattern
// covers the files below it; a negated glob ("!src/**") applies to files it does not match.
func perFileMatch(glob, rel string) bool {
	p, ok, err := ParsePattern(glob)
	if !ok || err != nil {
		return false
	}
	neg := p.negate
	p.negate = false
	return Excludes([]Pattern{p}, rel, false) != neg
}

// Excluded reports whether path (a file or directory, absolute or relative to the working
// directory) is excluded by the exclude globs, matched against its path relative to Root.
// A path ending in a separator names a directory; otherwise Excluded asks the filesystem
// (a path that does not exist is taken for a file). Paths outside Root are never excluded.
func (c *Config) Excluded(path string) bool {
	if c == nil || len(c.Exclude) == 0 {
		return false
	}
	dir := strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator))
	rel, ok := c.rel(path)
	if !ok || rel == "." {
		return false
	}
	if !dir {
		dir = isDir(path)
	}
	pats := make([]Pattern, 0, len(c.Exclude))
	for _, g := range c.Exclude {
		if p, ok, err := ParsePattern(g); ok && err == nil {
			pats = append(pats, p)
		}
	}
	return Excludes(pats, rel, dir)
}

// rel returns path relative to Root, "/"-separated; ok is false outside Root.
func (c *Config) rel(path string) (string, bool) {
	if c.Root == "" {
		return "", false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	r, err := filepath.Rel(c.Root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// lookup walks nested tables.
func lookup(m map[string]any, keys ...string) (any, bool) {
	var v any = m
	for _, k := range keys {
		t, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = t[k]; !ok {
			return nil, false
		}
	}
	return v, true
}
