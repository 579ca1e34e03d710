package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/check"
)

const checkUsage = `usage: exportdb check [flags] [PATH...]

Report the torch.export problems of ExportDB's catalog in Python files. PATH is a file or
a directory (default "."); directories are searched for *.py files, honouring .gitignore
files and the configured excludes. PATH - reads the source from stdin (name it with
--stdin-filename; with --fix the fixed source goes to stdout and the report to stderr).
Configuration: [tool.exportdb] in pyproject.toml or an exportdb.toml, found walking up
from each file; flags override it.

Exit status: 0 nothing at or above --fail-level; 1 findings at or above it (with --diff:
a file would change); 2 usage, configuration or I/O errors, including files that could not
be read or analysed (the others are still checked). --exit-zero turns 1 into 0, not 2.

flags:
`

// runCheck implements `exportdb check`: flags to check.Options.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", checkUsage, stdout, stderr)
	format := fs.String("format", "text", "output `FORMAT`: "+formatList())
	fs.alias("output-format", "format")
	outputFile := fs.String("output-file", "", "write the report to `FILE` (atomically) instead of stdout")
	color := fs.String("color", "auto", "colour the text output: `WHEN` is auto (when stdout is a terminal; NO_COLOR and FORCE_COLOR are honoured), always or never")
	minSeverity := fs.String("min-severity", "hint", "show findings at or above `LEVEL`: error, warning, information, hint, or off (also the hover-only recognitions of supported code)")
	failLevel := fs.String("fail-level", "error", "exit 1 when a finding is at or above `LEVEL`: error, warning, information or hint")
	exitZero := fs.Bool("exit-zero", false, "exit 0 even when findings reach the fail level (errors still exit 2)")
	fix := fs.Bool("fix", false, "apply safe fixes in place (atomic writes), then report what remains; with - (stdin), print the fixed source on stdout")
	unsafeFixes := fs.Bool("unsafe-fixes", false, "with --fix or --diff, apply unsafe fixes too (they may change behaviour)")
	diff := fs.Bool("diff", false, "print the fixes as a unified diff instead of writing them")
	addIgnore := fs.Bool("add-ignore", false, "add an '# exportdb: ignore[case]' comment for every finding shown, so that the code checks clean from now on")
	statistics := fs.Bool("statistics", false, "print the number of findings per case instead of each finding")
	quiet := fs.Bool("quiet", false, "print findings and errors only: no summary, no progress")
	fs.alias("q", "quiet")
	torchVersion := fs.String("torch-version", "", "judge for this torch `VERSION` (2.5), or auto (the project's torch pin); default: the configuration, else the newest")
	strict := fs.Bool("strict", false, "judge every file for torch.export(..., strict=True) (default: the strict= of the export calls that trace the code, torch's default where they leave it out, strict mode elsewhere)")
	nonStrict := fs.Bool("non-strict", false, "judge every file for torch.export(..., strict=False)")
	sel := fs.String("select", "", "check only these comma-separated `CASES` or tags (replaces the configuration's select)")
	ignore := fs.String("ignore", "", "do not check these comma-separated `CASES` or tags (replaces the configuration's ignore)")
	extendIgnore := fs.String("extend-ignore", "", "also ignore these comma-separated `CASES` or tags")
	exclude := fs.String("exclude", "", "comma-separated gitignore-style `GLOBS` to skip (replaces the configuration's exclude)")
	forceExclude := fs.Bool("force-exclude", false, "apply the excludes to files named on the command line too (for pre-commit and editors, which name every file)")
	var severity severityFlag
	fs.Var(&severity, "severity", "override a case's (or tag's) severity, `CASE=LEVEL`; repeatable or comma-separated")
	configFile := fs.String("config", "", "use this configuration `FILE` for every path instead of discovering one")
	noConfig := fs.Bool("no-config", false, "ignore configuration files")
	stdinFilename := fs.String("stdin-filename", "", "with PATH -, the `PATH` of the source read from stdin: it names the file in the report and selects its configuration")
	threads := fs.Int("threads", 0, "analyse `N` files in parallel (default: GOMAXPROCS, all cores)")
	noCache := fs.Bool("no-cache", false, "neither read nor write the result cache (also EXPORTDB_NO_CACHE=1)")
	cacheDir := fs.String("cache-dir", "", "keep the result cache in `DIR` (also EXPORTDB_CACHE_DIR; default: the configuration's cache-dir, else .exportdb_cache in the project root)")

	fs.completeValues("format", false, formatNames()...)
	fs.completeValues("color", false, colorModes...)
	levels := []string{"error", "warning", "information", "hint"}
	fs.completeValues("min-severity", false, append(levels, "off")...)
	fs.completeValues("fail-level", false, levels...)
	fs.completeValues("torch-version", false, append(torchVersions(), "auto")...)
	selectors := append(append([]string{"ALL"}, ruleNames()...), tagNames()...)
	for _, name := range []string{"select", "ignore", "extend-ignore"} {
		fs.completeValues(name, true, selectors...)
	}
	for _, name := range []string{"output-file", "config", "stdin-filename", "cache-dir"} {
		fs.completeFiles(name)
	}

	paths, err := fs.parse(args)
	if err != nil {
		return exitForParse(err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "exportdb check: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'exportdb check --help' for usage.")
		return 2
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	o := check.Options{
		Paths:       paths,
		ConfigFile:  *configFile,
		NoConfig:    *noConfig,
		OutputFile:  *outputFile,
		ExitZero:    *exitZero,
		Fix:         *fix,
		UnsafeFixes: *unsafeFixes,
		Diff:        *diff,
		AddIgnore:   *addIgnore,
		Statistics:  *statistics,
		Quiet:       *quiet,
		Jobs:        *threads,
		NoCache:     *noCache || envTrue("EXPORTDB_NO_CACHE"),
		CacheDir:    *cacheDir,
		Version:     version,
		Stdout:      stdout,
		Stderr:      stderr,

		ForceExclude:  *forceExclude,
		StdinFilename: *stdinFilename,
	}
	if o.CacheDir == "" {
		o.CacheDir = os.Getenv("EXPORTDB_CACHE_DIR")
	}
	if slices.Contains(paths, "-") || len(paths) == 0 && *stdinFilename != "" {
		o.Stdin = os.Stdin
	}
	colorOut := stdout
	switch {
	case *outputFile != "":
		colorOut = nil // auto never colours a file
	case o.Stdin != nil && *fix:
		colorOut = stderr // stdout carries the fixed source, the report goes to stderr
	}
	if o.Color, err = colorEnabled(*color, colorOut); err != nil {
		return usageErr("--color: %v", err)
	}
	if o.Format, err = check.ParseFormat(*format); err != nil {
		if s := closest(*format, formatNames(), 1); len(s) > 0 {
			return usageErr("--format: %v; did you mean %s?", err, s[0])
		}
		return usageErr("--format: %v", err)
	}
	if o.MinSeverity, err = analysis.ParseSeverity(*minSeverity); err != nil {
		return usageErr("--min-severity: %v", err)
	}
	if o.FailLevel, err = analysis.ParseSeverity(*failLevel); err != nil || o.FailLevel == analysis.Off {
		return usageErr("--fail-level: invalid level %q: want error, warning, information or hint", *failLevel)
	}
	if *unsafeFixes && !*fix && !*diff {
		return usageErr("--unsafe-fixes needs --fix or --diff")
	}
	if *strict && *nonStrict {
		return usageErr("--strict and --non-strict cannot be combined")
	}
	if *strict || *nonStrict {
		b := *strict
		o.Overrides.Strict = &b
	}
	o.Overrides.TorchVersion = *torchVersion
	if set["select"] {
		o.Overrides.Select = commaList(*sel)
	}
	if set["ignore"] {
		o.Overrides.Ignore = commaList(*ignore)
	}
	o.Overrides.ExtendIgnore = commaList(*extendIgnore)
	if set["exclude"] {
		o.Overrides.Exclude = commaList(*exclude)
	}
	if len(severity) > 0 {
		o.Overrides.Severity = severity
	}

	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	// The workers spend most of their time in tree-sitter, in cgo calls of about a
	// millisecond. While every P is in a cgo call, Go's sysmon wakes every 20 µs to retake
	// them and preempts a worker each time; one spare P lets it back off. At 2 threads on 2
	// cores: a third of the context switches and 8% less CPU (bench/compare-ast-grep.sh).
	if runtime.GOMAXPROCS(0) <= o.Jobs {
		runtime.GOMAXPROCS(o.Jobs + 1)
	}
	// A run keeps little (rendered findings), so the default heap goal is small and the
	// collector runs often; twice the headroom costs about 8 MB on 2,000 files and saves
	// 4% of the time. GOGC, when set, still rules.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return check.Run(ctx, o)
}

// envTrue reports whether the environment variable name is set to a true value (1, true,
// yes, on).
func envTrue(name string) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(name))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// commaList splits "a, b,,c" into [a b c]; "" is an empty, non-nil list.
func commaList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// severityFlag collects --severity CASE=LEVEL values.
type severityFlag map[string]string

func (f *severityFlag) String() string { return "" }

func (f *severityFlag) Set(v string) error {
	if *f == nil {
		*f = severityFlag{}
	}
	for _, item := range commaList(v) {
		name, level, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("want CASE=LEVEL, got %q", item)
		}
		(*f)[strings.TrimSpace(name)] = strings.TrimSpace(level)
	}
	return nil
}
