package analysis

import (
	"context"
	"fmt"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Rule recognises one catalog case. Rules live one per file in analysis/rules and talk to
// the engine only through the Pass.
type Rule struct {
	// Name is the catalog case name; it is also the diagnostic code.
	Name string
	// Doc is Markdown in ruff's sections: What it does / Why is this bad / Example /
	// Use instead / Fix safety / References. Hover, `exportdb cases` and docs render it.
	Doc string
	// Undetectable, when not "", says why the case cannot be seen statically; Run is then nil.
	Undetectable string
	// HoverOnly: every finding is Recognized (a plain supported pattern that hover explains),
	// so the rule is skipped when only findings of severity hint or above are wanted (the
	// editor's per-keystroke diagnostics, check's default). Tests hold rules to it.
	HoverOnly bool
	// Local: the rule reports only from the callbacks of Traced, Calls, AllCalls and
	// Conditions, about what it can reach by name from the node visited, and the callbacks
	// in one unit (a module-level statement) share state only with those of units it names
	// or that name it. The engine then keeps its findings per unit and, after an edit, runs
	// the callbacks only in the units the edit can reach (local.go).
	// TestIncrementalMatchesFull holds rules to it.
	Local bool
	// Declarations: a Local rule's findings read what export calls and the configuration
	// declare (dims, strict=: torchsem's Dims and ExportsOf, Pass.StrictAt and
	// NotSupportedAt); its kept findings then hold only while the declarations are the same.
	// TestLocalRulesDeclarations holds rules to it.
	Declarations bool
	// Run inspects pass.File and calls pass.Report.
	Run func(pass *Pass)
}

// Pass is what a rule sees of one file.
type Pass struct {
	File   *File // the file's syntax tree is File.Tree
	Rule   *Rule
	Case   *catalog.Case // the rule's case; nil for engine codes
	Target catalog.Version

	opts *Options

	calls    *callIndex      // shared by the passes of one Analyze
	ctx      context.Context // the analysis's: done when a newer text supersedes it
	findings []*Finding      // stable pointers: a rule may add fixes to a finding after reporting others
	local    *localRun       // a Local rule's units and kept findings (local.go)
	// localUnits and localID make local when the pass starts (startLocal): on the worker
	// that runs it, so that the first Declarations rule reading the declarations does not
	// hold up the others
	localUnits *localUnits
	localID    int
}

// Canceled reports whether the analysis this pass belongs to was cancelled; a rule's long
// loop may stop when it is (its findings are then discarded). Traced looks for it itself.
func (p *Pass) Canceled() bool { return p.ctx != nil && p.ctx.Err() != nil }

// Report records a finding of the pass's rule. Start/End must lie within the source.
func (p *Pass) Report(f Finding) { p.report(f) }

// Reportf reports a finding spanning node n with a formatted message, and returns it so
// that the rule can add fixes and related places; the pointer stays valid for the rest of
// the pass (later reports do not move it).
func (p *Pass) Reportf(n NodeID, e Effect, format string, args ...any) *Finding {
	return p.report(Finding{Start: p.File.Tree.Start(n), End: p.File.Tree.End(n), Effect: e, Message: fmt.Sprintf(format, args...)})
}

func (p *Pass) report(f Finding) *Finding {
	if f.Case == "" {
		f.Case = p.Rule.Name
	}
	fd := &f
	p.findings = append(p.findings, fd)
	if p.local != nil {
		p.local.of = append(p.local.of, p.local.cur)
	}
	return fd
}

// Traced calls fn for every named node of kind k that lies in traced code, with the
// innermost function containing it. It stops early when the analysis is cancelled.
func (p *Pass) Traced(k syntax.Kind, fn func(n NodeID, owner *Function)) {
	i := 0
	p.each(p.File.Nodes(k), func(n NodeID) bool {
		if i++; i%pysem.CancelEvery == 0 && p.Canceled() {
			return false
		}
		if o := p.File.Owner(n); o != nil && p.File.Traced(o) {
			fn(n, o)
		}
		return true
	})
}

// NotSupportedAt reports whether the rule's case is NOT_SUPPORTED_YET at the target version
// in the export mode node n is judged for (see StrictAt).
func (p *Pass) NotSupportedAt(n NodeID) bool {
	return p.Case != nil && p.Case.LevelIn(p.Target, p.StrictAt(n)) == catalog.NotSupportedYet
}

// StrictAt reports whether node n is judged for strict-mode export: the mode the options fix,
// else the strict= of the export calls of the project that trace n's function (torch's
// default at the target where a call leaves it out; strict where any call is strict or
// passes a value that cannot be read), else strict, the mode ExportDB describes.
func (p *Pass) StrictAt(n NodeID) bool {
	switch {
	case p.opts.NonStrict:
		return false
	case p.opts.Strict:
		return true
	}
	fn := p.File.Owner(n)
	if fn == nil {
		fn = p.File.FuncAt(n)
	}
	if fn == nil {
		return true
	}
	calls := p.File.ExportsOf(fn)
	if len(calls) == 0 && fn.Class != nil {
		// a method export does not trace (__init__, a hook): judged by the class's exports
		if fwd := fn.Class.Methods["forward"]; fwd != nil {
			calls = p.File.ExportsOf(fwd)
		}
	}
	if len(calls) == 0 {
		return true
	}
	for _, d := range calls {
		if p.CallStrict(d.Strict, d.Site.Strict != NoNode) {
			return true
		}
	}
	return false
}

// CallStrict reports whether an export call traces in strict mode: the mode the options fix,
// else the call's strict= value (nil when it is not a literal), else, when the call leaves
// strict= out (given false), torch's default at the target. A value that cannot be read
// counts as strict.
func (p *Pass) CallStrict(value *bool, given bool) bool {
	switch {
	case p.opts.NonStrict:
		return false
	case p.opts.Strict:
		return true
	case value != nil:
		return *value
	case given:
		return true
	}
	return p.opts.DefaultStrict()
}

// TargetBefore reports whether the target torch version is older than major.minor.
func (p *Pass) TargetBefore(major, minor int) bool {
	return p.Target.Less(catalog.Version{Major: major, Minor: minor})
}
