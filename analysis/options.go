package analysis

import (
	"slices"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Options control one analysis.
type Options struct {
	// Target is the torch version findings are judged for; zero means the newest version
	// the catalog knows.
	Target catalog.Version
	// NonStrict and Strict fix the export mode findings are judged for, in every file:
	// torch.export(..., strict=False) or strict=True. With neither, code that export calls of
	// the project trace is judged by their strict= (torch's default at the target when they
	// leave it out: strict before 2.7, non-strict from 2.7), and other code in strict mode,
	// which ExportDB describes. NonStrict wins when both are set.
	NonStrict bool
	Strict    bool
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
	// Incremental keeps the findings of the Local rules per unit of the file, so that the
	// next analysis of an edited text linked with torchsem.ReplaceFrom, or of the same text
	// after Redeclare, runs them only where the edit reaches (local.go): the editor's
	// keystrokes. It costs a copy of the findings; a file analysed once has no use for it.
	Incremental bool
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
	for _, strict := range o.modes() {
		if SeverityFor(k, target, strict, Recognized) >= o.MinSeverity {
			return false
		}
	}
	return true
}

// modes returns the export modes findings may be judged for: strict (true), non-strict.
func (o *Options) modes() []bool {
	switch {
	case o.NonStrict:
		return []bool{false}
	case o.Strict:
		return []bool{true}
	}
	return []bool{true, false}
}

// nonStrictDefaultFrom is the first torch release whose torch.export.export defaults to
// strict=False (PyTorch 2.7 release notes; pytorch/pytorch#148790).
var nonStrictDefaultFrom = catalog.Version{Major: 2, Minor: 7}

// DefaultStrict reports whether torch.export.export traces in strict mode at the target
// when a call leaves strict= out.
func (o *Options) DefaultStrict() bool {
	return o.TargetVersion().Less(nonStrictDefaultFrom)
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
			case s == name || (k != nil && (s == k.Name || slices.Contains(k.Aliases, s))):
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
