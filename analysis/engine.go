package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Options control one analysis.
type Options struct {
	// Target is the torch version findings are judged for; zero means the newest version
	// the catalog knows.
	Target catalog.Version
	// NonStrict judges for torch.export(..., strict=False). ExportDB describes strict mode.
	NonStrict bool
	// Select limits analysis to these case names or tags; empty selects every case.
	Select []string
	// Ignore removes case names or tags. A case name is more specific than a tag; between
	// equally specific entries, Ignore wins.
	Ignore []string
	// Severity overrides the policy's severity per case name.
	Severity map[string]Severity
	// Catalog is the catalog to judge against; nil means catalog.Default().
	Catalog *catalog.Catalog
	// MinSeverity lets the engine skip rules that cannot report a finding at or above it
	// (HoverOnly rules whose case is supported at the target and has no severity override).
	// Findings below it may still be returned; callers filter. Off runs every rule.
	MinSeverity Severity
	// Workers runs the rules on this many goroutines (0 or 1: sequentially). The editor uses
	// every core for the one file being typed in; check parallelises over files instead.
	Workers int
}

// skips reports whether rule r cannot produce a finding at or above opts.MinSeverity.
func (o *Options) skips(r *Rule, k *catalog.Case, target catalog.Version) bool {
	if o.MinSeverity == Off || !r.HoverOnly {
		return false
	}
	if s, ok := o.Severity[r.Name]; ok {
		return s < o.MinSeverity
	}
	return SeverityFor(k, target, !o.NonStrict, Recognized) < o.MinSeverity
}

func (o *Options) catalog() *catalog.Catalog {
	if o.Catalog != nil {
		return o.Catalog
	}
	return catalog.Default()
}

// TargetVersion is the version findings are judged for.
func (o *Options) TargetVersion() catalog.Version {
	if o.Target.IsZero() {
		return o.catalog().LatestVersion()
	}
	return o.Target
}

// Enabled reports whether the case named name is selected and not ignored.
func (o *Options) Enabled(name string) bool {
	k, _ := o.catalog().Lookup(name)
	match := func(list []string) int {
		best := 0
		for _, s := range list {
			switch {
			case s == name || (k != nil && (s == k.Name || contains(k.Aliases, s))):
				return 2
			case k != nil && k.HasTag(s):
				best = 1
			case s == "ALL" || s == "all":
				if best < 1 {
					best = 1
				}
			}
		}
		return best
	}
	sel, ign := 1, match(o.Ignore)
	if len(o.Select) > 0 {
		sel = match(o.Select)
		if sel == 0 {
			return false
		}
	}
	return ign == 0 || sel > ign
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FileError says why a file could not be analysed at all.
type FileError struct {
	Offset int // byte offset of the problem, or -1
	Reason string
}

func (e *FileError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s (at byte %d)", e.Reason, e.Offset)
	}
	return e.Reason
}

// CheckSource returns a *FileError when src cannot be a Python source file: larger than
// syntax.MaxSourceSize, not UTF-8, or containing NUL bytes (Python refuses both).
func CheckSource(src []byte) error {
	if len(src) > syntax.MaxSourceSize {
		return &FileError{Offset: -1, Reason: syntax.ErrTooLarge.Error()}
	}
	if ok, at := syntax.ValidUTF8(src); !ok {
		return &FileError{Offset: at, Reason: "file is not valid UTF-8"}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &FileError{Offset: i, Reason: "file contains a NUL byte"}
	}
	return nil
}

// SourceError returns the *FileError for a parser's refusal of a source (too large, too
// deeply nested, too complex to parse within its budget); any other error, such as a
// cancellation, is returned as it is.
func SourceError(err error) error {
	var de *syntax.DepthError
	switch {
	case errors.As(err, &de):
		return &FileError{Offset: de.Offset, Reason: de.Error()}
	case errors.Is(err, syntax.ErrTooComplex), errors.Is(err, syntax.ErrTooLarge):
		return &FileError{Offset: -1, Reason: err.Error()}
	}
	return err
}

// Parse checks and parses src and builds its module model. It keeps no tree-sitter tree
// for incremental reparsing (the editor's documents use syntax.Parser.Parse and Reparse).
func Parse(ctx context.Context, p *syntax.Parser, src []byte) (*File, error) {
	if err := CheckSource(src); err != nil {
		return nil, err
	}
	t, err := p.ParseTree(ctx, src)
	if err != nil {
		return nil, SourceError(err)
	}
	return NewFileContext(ctx, t)
}

// RuleError records a rule that panicked; its findings for the file are dropped.
type RuleError struct {
	Rule  string
	Panic string
	Stack string
}

// Result is the outcome of analysing one file.
type Result struct {
	Findings   []Finding // sorted by Start, End, Case
	RuleErrors []RuleError
}

// Analyze runs the enabled rules over f and returns their findings with severities set,
// suppressions applied, sorted by position. Findings of severity Off are included (hover
// explains them); callers filter by severity.
func Analyze(ctx context.Context, f *File, rules []*Rule, opts Options) Result {
	cat := opts.catalog()
	target := opts.TargetVersion()
	var res Result
	var skipped []string // rules not run because of MinSeverity
	sup := parseSuppressions(f)
	var passes []*Pass
	calls := newCallIndex(f)
	for _, r := range rules {
		if r.Run == nil || !opts.Enabled(r.Name) {
			continue
		}
		k, _ := cat.Lookup(r.Name)
		if opts.skips(r, k, target) {
			skipped = append(skipped, r.Name)
			continue
		}
		passes = append(passes, &Pass{File: f, Tree: f.Tree, Rule: r, Case: k, Target: target, Strict: !opts.NonStrict, calls: calls, ctx: ctx})
	}
	errs := make([]*RuleError, len(passes))
	nl := f.Tree.Newline()
	runPasses(ctx, passes, errs, opts.Workers)
	if ctx.Err() != nil {
		return res
	}
	for i, pass := range passes {
		if errs[i] != nil {
			res.RuleErrors = append(res.RuleErrors, *errs[i])
			continue
		}
		for _, fd := range pass.findings {
			if fd.Start < 0 || fd.End > len(f.Src) || fd.Start > fd.End {
				continue
			}
			fd.Severity = SeverityFor(pass.Case, target, pass.Strict, fd.Effect)
			if s, ok := opts.Severity[fd.Case]; ok {
				fd.Severity = s
			}
			if sup.suppresses(f, &fd) {
				continue
			}
			for i := range fd.Fixes {
				SortEdits(fd.Fixes[i].Edits)
				adaptNewlines(f.Src, fd.Fixes[i].Edits, nl)
			}
			fd.Related = append(fd.Related, chainRelated(f, &fd)...)
			res.Findings = append(res.Findings, fd)
		}
	}
	res.Findings = append(res.Findings, sup.unused(f, &opts, skipped)...)
	slices.SortStableFunc(res.Findings, func(a, b Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		return strings.Compare(a.Case, b.Case)
	})
	return res
}

// runPasses runs every pass, on up to workers goroutines, recording panics in errs. Results
// are merged by the caller in rule order, so the output does not depend on scheduling.
func runPasses(ctx context.Context, passes []*Pass, errs []*RuleError, workers int) {
	if workers <= 1 || len(passes) < 2 {
		// sequential: facts stay lazy, computed only for the functions rules ask about
		for i, p := range passes {
			if ctx.Err() != nil {
				return
			}
			errs[i] = runRule(p)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(passes)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(passes) || ctx.Err() != nil {
					return
				}
				errs[i] = runRule(passes[i])
			}
		}()
	}
	wg.Wait()
}

func runRule(p *Pass) (rerr *RuleError) {
	defer func() {
		if r := recover(); r != nil {
			rerr = &RuleError{Rule: p.Rule.Name, Panic: fmt.Sprint(r), Stack: string(debug.Stack())}
		}
	}()
	p.Rule.Run(p)
	return nil
}

// adaptNewlines writes the line breaks of the edits' new text with the file's line ending
// (rules write "\n": a fix that adds lines to a "\r\n" or "\r" file must not mix endings),
// and moves an edit boundary that falls between the "\r" and "\n" of a line ending before
// the "\r" (a rule finds the end of a line at its "\n").
func adaptNewlines(src []byte, edits []Edit, nl string) {
	if nl == "\n" {
		return
	}
	splits := func(k int) bool { return k > 0 && k < len(src) && src[k-1] == '\r' && src[k] == '\n' }
	for i := range edits {
		e := &edits[i]
		if splits(e.End) {
			e.End--
		}
		if splits(e.Start) {
			e.Start--
		}
		t := e.NewText
		if !strings.ContainsAny(t, "\r\n") {
			continue
		}
		t = strings.ReplaceAll(t, "\r\n", "\n")
		t = strings.ReplaceAll(t, "\r", "\n")
		e.NewText = strings.ReplaceAll(t, "\n", nl)
	}
}

// ApplyEdits returns src with the edits applied. Edits must lie within src and not overlap;
// an edit identical to one already applied is applied once (fixes of several findings may
// share an edit, such as one import rewrite for every call site; go/analysis merges these
// the same way).
func ApplyEdits(src []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	SortEdits(sorted)
	var out bytes.Buffer
	last := 0
	for i, e := range sorted {
		if isDuplicateEdit(sorted[:i], e) {
			continue
		}
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("edit [%d,%d) overlaps another or lies outside the %d-byte source", e.Start, e.End, len(src))
		}
		out.Write(src[last:e.Start])
		out.WriteString(e.NewText)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// SortEdits orders edits by position, keeping their order otherwise; an insertion comes
// before a replacement starting where it is inserted (an import added at the top of a file
// whose first statement a fix rewrites), which is the order the edits apply in: LSP
// clients apply a fix's edits in the order given when their ranges touch.
func SortEdits(edits []Edit) {
	slices.SortStableFunc(edits, func(a, b Edit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		ai, bi := a.End == a.Start, b.End == b.Start
		switch {
		case ai && !bi:
			return -1
		case bi && !ai:
			return 1
		}
		return 0
	})
}

// isDuplicateEdit reports whether e equals an edit of done (sorted by Start) with its Start.
func isDuplicateEdit(done []Edit, e Edit) bool {
	for i := len(done) - 1; i >= 0 && done[i].Start == e.Start; i-- {
		if done[i] == e {
			return true
		}
	}
	return false
}
