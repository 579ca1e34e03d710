// Package analysis finds, in Python source, the patterns that ExportDB catalogs. It knows
// nothing about LSP or the command line: input is a file's bytes, output is Findings with
// byte ranges.
//
// Start with Analyze (or Parse then Analyze for incremental use). A File holds the syntax
// tree and its module model (imports, nn.Module classes, the code forward reaches); rules in
// analysis/rules see it through a Pass and report Findings.
package analysis

import (
	"fmt"
	"strings"
)

// Severity is how loudly a finding is shown. Off findings are recognised (hover explains
// them) but not shown as diagnostics.
type Severity int

// Severities, weakest first.
const (
	Off Severity = iota
	Hint
	Information
	Warning
	Error
)

var severityNames = [...]string{"off", "hint", "information", "warning", "error"}

// String returns the lowercase name used in configuration and output.
func (s Severity) String() string {
	if s >= Off && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name; "info" and "warn" are accepted.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none":
		return Off, nil
	case "hint":
		return Hint, nil
	case "information", "info":
		return Information, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Off, fmt.Errorf("invalid severity %q: want error, warning, information, hint or off", s)
}

// Effect is what a pattern does to an export when its case is supported at the target
// version. The severity policy (severity.go) turns it into a Severity; a case that is
// NOT_SUPPORTED_YET at the target always gives Error.
type Effect int

const (
	// Recognized: a plain supported pattern, explained on hover only.
	Recognized Effect = iota
	// Note: worth a hint (for example a static loop that export unrolls).
	Note
	// Caveat: exports, with a consequence the user should know (information).
	Caveat
	// Changes: exports but silently changes meaning, or breaks once a dim is dynamic (warning).
	Changes
	// Fails: export fails (error).
	Fails
	// Unread: exportdb cannot read something the user wrote (a declaration built by a call,
	// a model it cannot resolve) and judges without it (information, whatever the case's
	// support level: the note is about the tool's knowledge, not about export).
	Unread
)

// Safety says whether applying a fix keeps behaviour.
type Safety int

const (
	// Safe fixes keep behaviour; they join fix-all and check --fix.
	Safe Safety = iota
	// Unsafe fixes may change behaviour; their title says how.
	Unsafe
)

// String returns "safe" or "unsafe".
func (s Safety) String() string {
	if s == Unsafe {
		return "unsafe"
	}
	return "safe"
}

// Edit replaces the bytes [Start, End) of the source with NewText.
type Edit struct {
	Start, End int
	NewText    string
}

// Fix is one way to rewrite a finding's code: non-overlapping edits, applied together.
type Fix struct {
	Title  string // a verb phrase: "replace round() with floor division"
	Edits  []Edit
	Safety Safety
	// Path and Src name the file the edits apply to when it is not the finding's own (the
	// dynamic_shapes of an export call in another file), with that file's text; both are
	// empty for a fix of the finding's file. The editor applies such a fix; check --fix
	// leaves it (Elsewhere).
	Path string
	Src  []byte
}

// Elsewhere reports whether the fix edits another file than the finding's.
func (fx *Fix) Elsewhere() bool { return fx.Path != "" }

// Related points at another place that matters to a finding (say, the __init__ where a
// buffer belongs, or the call in another file through which export reaches the code).
type Related struct {
	Start, End int
	Message    string
	// Path is the file the place lies in when it is not the finding's own file, and Src
	// that file's text (for positions); both are empty for a place in the finding's file.
	Path string
	Src  []byte
}

// Finding is one recognised case in one place.
type Finding struct {
	Case       string // catalog case name, or an engine code such as UnusedSuppression
	Start, End int    // byte range in the source
	Message    string // what is wrong here: lowercase start, no trailing period
	Effect     Effect
	Severity   Severity // set by the engine from Effect, the target version and the config
	Fixes      []Fix
	Related    []Related
	Deprecated bool // the finding is about a deprecated API (editors strike it through)
}

// Engine codes: findings that are not catalog cases.
const (
	// UnusedSuppression is reported for an "exportdb: ignore" comment that suppresses nothing.
	UnusedSuppression = "unused_suppression"
)
