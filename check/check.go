// Package check is `exportdb check`: the linter for terminals and CI. It finds Python
// files (honouring .gitignore and configured excludes), analyses them in parallel with
// the rules of analysis/rules under each file's configuration (package config, shared with
// the language server), applies fixes on request, and reports in text, concise, json,
// sarif or github format.
//
// Start with Run. Files: files.go (discovery), gitignore.go, analyze.go (workers and the
// fix loop), write.go (atomic writes), diff.go, and one format_*.go per output format.
//
// Exit status (Run's result):
//
//	0  nothing at or above the fail level (or --exit-zero)
//	1  a shown finding (at or above MinSeverity) at or above the fail level, after fixes;
//	   with --diff: a file would change
//	2  usage or configuration error, or a file that could not be read, analysed or
//	   written (the other files are still checked and reported); wins over 1, and
//	   --exit-zero does not hide it
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitError    = 2
)

// Format is an output format.
type Format string

// Output formats.
const (
	FormatText    Format = "text"    // ruff's full format: location, message, source line, caret
	FormatConcise Format = "concise" // one line per finding
	FormatJSON    Format = "json"
	FormatSARIF   Format = "sarif"  // SARIF 2.1.0
	FormatGitHub  Format = "github" // GitHub Actions workflow commands
	FormatGitLab  Format = "gitlab" // GitLab Code Quality report
	FormatJUnit   Format = "junit"  // JUnit XML
)

// Formats lists the formats, for usage messages.
var Formats = []Format{FormatText, FormatConcise, FormatJSON, FormatSARIF, FormatGitHub, FormatGitLab, FormatJUnit}

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q: want %s", s, strings.Join(names, ", "))
}

// Options configure one run.
type Options struct {
	Paths      []string // files and directories, relative to WorkDir; empty means "."; ["-"] reads Stdin
	ConfigFile string   // an explicit configuration file used for every path; "" discovers per directory
	NoConfig   bool     // ignore configuration files: defaults plus Overrides
	Overrides  config.Overrides

	// ForceExclude applies the configured excludes to the files and directories named in
	// Paths too (and to StdinFilename), as ruff's --force-exclude does: pre-commit and
	// editors name every file they check.
	ForceExclude bool

	// Stdin is read when Paths is ["-"] (or empty with StdinFilename set): one source,
	// reported as StdinFilename ("-" when empty), whose directory decides the
	// configuration. With Fix, the fixed source (or, when it cannot be fixed, the source as
	// read) goes to Stdout and the report to Stderr.
	Stdin         io.Reader
	StdinFilename string

	Format      Format
	OutputFile  string            // "" writes to Stdout; otherwise written atomically (relative to WorkDir)
	MinSeverity analysis.Severity // findings below are not shown; Off also shows hover-only recognitions
	FailLevel   analysis.Severity // exit 1 when a finding is at or above it (Hint..Error); zero means Error
	ExitZero    bool              // exit 0 even with findings (not with errors)

	Fix         bool // apply safe fixes in place
	UnsafeFixes bool // with Fix or Diff, unsafe fixes too
	Diff        bool // print the fixes as a unified diff instead of writing them
	AddIgnore   bool // add an "exportdb: ignore[...]" comment for every shown finding
	Color       bool // colour the text and concise formats (ANSI escapes)

	Statistics bool // print a count per case instead of each finding
	Quiet      bool // no summary, no progress; findings and errors only

	// NoCache turns the result cache off (cache.go). CacheDir is its directory (relative
	// to WorkDir); "" means the configuration's cache-dir, else DefaultCacheDirName in each
	// file's project root. Only runs with the built-in rules cache, and never stdin.
	NoCache  bool
	CacheDir string

	Rules   []*analysis.Rule // nil means rules.All()
	Jobs    int              // parallel workers; 0 means runtime.GOMAXPROCS(0)
	Version string           // the tool's version, for json and SARIF
	WorkDir string           // "" means the process's working directory; paths are shown relative to it

	Stdout, Stderr io.Writer

	trace *runTrace // tests: what the run served, parsed and analysed
}

// maxFixRounds bounds the fix loop: each round applies the non-overlapping fixes and
// analyses again, so that fixes skipped for overlapping can apply (ruff does the same).
const maxFixRounds = 10

// FileResult is the outcome for one file.
type FileResult struct {
	Path       string // as shown: relative to the working directory when inside it
	Abs        string
	Src        []byte               // the text findings refer to (after fixes); nil once not needed for output
	Findings   []analysis.Finding   // shown: at or above MinSeverity, sorted by position
	Failing    int                  // shown findings at or above the fail level
	Target     catalog.Version      // the torch version the file was judged for
	Err        error                // the file could not be read, analysed or written
	RuleErrors []analysis.RuleError // rules that panicked (their findings are dropped)
	Fixed      int                  // fixes applied (or, with Diff, that would be)
	Ignored    int                  // with AddIgnore: suppressions added
	Changed    bool                 // fixing changed the text
	Diff       string               // with Diff: the unified diff
	Notes      []string             // things the user should know (a fix skipped for breaking syntax)
	Output     []byte               // reading stdin with Fix: the fixed source, for Stdout

	cwd          string    // the run's working directory, for paths of related places in other files
	run          *runner   // the run (its notebooks), for related places in other files
	nb           *nbResult // a notebook's cells, which Src (their module) maps to; nil for a Python file
	lines        []int     // line start offsets of Src
	rendered     []byte    // Findings as the output format shows them, rendered by the worker
	renderedJSON bool      // rendered holds json elements of the findings list, joined by commas
}

// ErrorKind classifies FileResult.Err for reports.
func (r *FileResult) ErrorKind() string {
	var fe *analysis.FileError
	var we *writeError
	switch {
	case r.Err == nil:
		return ""
	case errors.As(r.Err, &fe):
		return "source"
	case errors.As(r.Err, &we):
		return "write"
	}
	return "io"
}

// Run checks the paths and writes the report; it returns the exit status.
func Run(ctx context.Context, o Options) int {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Format == "" {
		o.Format = FormatText
	}
	if o.FailLevel == analysis.Off {
		o.FailLevel = analysis.Error
	}
	builtin := o.Rules == nil
	if builtin {
		o.Rules = rules.All()
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(o.Stderr, "exportdb check: %v\n", err)
		return ExitError
	}
	cwd := o.WorkDir
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			fmt.Fprintf(o.Stderr, "exportdb check: %v\n", err)
			return ExitError
		}
	}
	cwd, _ = filepath.Abs(cwd)
	r := &runner{o: o, cwd: cwd, builtinRules: builtin}
	r.cache = r.newResultCache()

	cfgs, err := r.newConfigs()
	if err != nil {
		r.printConfigError(err)
		return ExitError
	}
	var targets []*target
	var walkErrs []*FileResult
	if o.stdinMode() {
		t, fail := r.stdinTarget(cfgs)
		if t != nil {
			targets = append(targets, t)
		}
		if fail != nil {
			walkErrs = append(walkErrs, fail)
		}
	} else {
		if len(r.o.Paths) == 0 {
			r.o.Paths = []string{"."}
		}
		targets, walkErrs = r.discover(cfgs)
	}
	if len(cfgs.errs) > 0 {
		if o.stdinMode() && o.Fix {
			r.writeStdinSource(nil)
		}
		for _, err := range cfgs.errs {
			r.printConfigError(err)
		}
		return ExitError
	}

	results := r.analyzeAll(ctx, targets)
	results = append(results, walkErrs...)
	sort.SliceStable(results, func(i, j int) bool { return pathLess(results[i].Path, results[j].Path) })
	r.warnVersions(results)
	if !o.Quiet {
		for _, w := range r.warnings {
			fmt.Fprintf(o.Stderr, "exportdb check: warning: %s\n", w)
		}
	}

	status := r.status(results)
	if err := r.output(results); err != nil {
		fmt.Fprintf(o.Stderr, "exportdb check: %v\n", err)
		status = ExitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(o.Stderr, "exportdb check: interrupted")
		status = ExitError
	}
	return status
}

func (o *Options) validate() error {
	stdin := o.stdinMode()
	if !stdin && slices.Contains(o.Paths, "-") {
		return errors.New("- (stdin) cannot be combined with other paths")
	}
	if !stdin && o.StdinFilename != "" {
		return errors.New("--stdin-filename names the source read from stdin: give - as the only PATH")
	}
	if stdin && o.Stdin == nil {
		return errors.New("no standard input to read")
	}
	if o.AddIgnore && (o.Fix || o.Diff) {
		return errors.New("--add-ignore cannot be combined with --fix or --diff")
	}
	if o.AddIgnore && stdin {
		return errors.New("--add-ignore writes files; it cannot read stdin")
	}
	if o.Diff && o.Format != FormatText {
		return fmt.Errorf("--diff prints a unified diff; it cannot be combined with --format %s", o.Format)
	}
	if o.Statistics && o.Format != FormatText && o.Format != FormatConcise && o.Format != FormatJSON {
		return fmt.Errorf("--statistics prints text or json; it cannot be combined with --format %s", o.Format)
	}
	if o.Diff && o.Statistics {
		return errors.New("--diff and --statistics cannot be combined")
	}
	if o.ConfigFile != "" && o.NoConfig {
		return errors.New("--config and --no-config cannot be combined")
	}
	if o.FailLevel < analysis.Hint || o.FailLevel > analysis.Error {
		return fmt.Errorf("invalid fail level %v: want error, warning, information or hint", o.FailLevel)
	}
	return nil
}

type runner struct {
	o            Options
	cwd          string
	builtinRules bool                // o.Rules is rules.All(): files rules.MayReport rules out are not parsed
	cache        *resultCache        // nil: the run does not cache
	warnings     []string            // printed on stderr before the report (not with Quiet)
	inputs       map[fileKey]*target // the files checked, by identity (the output file must be none of them)
	inputPaths   map[string]bool     // and by path, where files have no identity

	stdinSrc  []byte    // the source read from stdin
	stdinRest io.Reader // stdin past MaxSourceSize: copied to Stdout unread with --fix

	// notebooks are the notebooks read, by absolute path: a related place in another file
	// that is a notebook is shown in its cells (notebook.go)
	notebooks sync.Map // string -> *notebookRead
}

// warnVersions warns about target torch versions the catalog has no record of: a version
// newer than the newest it knows is judged as that one, an older one as ExportDB's base.
func (r *runner) warnVersions(results []*FileResult) {
	seen := map[catalog.Version]bool{}
	for _, fr := range results {
		v := fr.Target
		if v == (catalog.Version{}) || seen[v] {
			continue
		}
		seen[v] = true
		if msg, unknown := catalog.Default().Unrecorded(v); unknown {
			r.warnings = append(r.warnings, msg)
		}
	}
}

// status computes the exit status from the results.
func (r *runner) status(results []*FileResult) int {
	status := ExitOK
	for _, fr := range results {
		if fr.Err != nil || len(fr.RuleErrors) > 0 {
			return ExitError
		}
		if r.o.Diff {
			if fr.Changed {
				status = ExitFindings
			}
		} else if fr.Failing > 0 {
			status = ExitFindings
		}
	}
	if r.o.ExitZero {
		status = ExitOK
	}
	return status
}

// display returns path as shown: relative to the working directory when inside it.
func (r *runner) display(abs string) string { return displayPath(r.cwd, abs) }

// display shows a path of a related place in another file as the run shows paths.
func (fr *FileResult) display(abs string) string { return displayPath(fr.cwd, abs) }

func displayPath(cwd, abs string) string {
	if cwd == "" {
		return abs
	}
	rel, err := filepath.Rel(cwd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return abs
	}
	return rel
}

// pathLess orders paths by their "/"-separated form, the same on every platform.
func pathLess(a, b string) bool {
	return filepath.ToSlash(a) < filepath.ToSlash(b)
}

// printConfigError prints a configuration error, naming flags by their flag name and
// files relative to the working directory.
func (r *runner) printConfigError(err error) {
	var ce *config.Error
	if errors.As(err, &ce) {
		c := *ce
		if c.File == "" && c.Key != "" {
			c.Key = flagName(c.Key)
		} else if c.File != "" {
			if abs, err := filepath.Abs(c.File); err == nil {
				c.File = r.display(abs)
			}
		}
		err = &c
	}
	fmt.Fprintf(r.o.Stderr, "exportdb check: %v\n", err)
}

// flagName maps an override's configuration key to the flag that set it.
func flagName(key string) string {
	if strings.HasPrefix(key, "severity.") {
		return "--severity " + strings.TrimPrefix(key, "severity.")
	}
	return "--" + key
}

func jobs(n, files int) int {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if n > files {
		n = files
	}
	if n < 1 {
		n = 1
	}
	return n
}
