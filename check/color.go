package check

import "github.com/exportdb-lsp/exportdb-lsp/analysis"

// palette colours the text and concise formats with ANSI escapes when on (Options.Color);
// off, every method returns its text unchanged. The scheme follows ruff's and rustc's:
// bold paths, severities and case names in the severity's colour, blue gutters, green
// fix markers.
type palette bool

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
)

func (p palette) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + ansiReset
}

func (p palette) path(s string) string   { return p.paint(ansiBold, s) }
func (p palette) gutter(s string) string { return p.paint(ansiBold+ansiBlue, s) }
func (p palette) fix(s string) string    { return p.paint(ansiGreen, s) }
func (p palette) dim(s string) string    { return p.paint(ansiDim, s) }
func (p palette) bold(s string) string   { return p.paint(ansiBold, s) }

// severity colours s in the colour of sev.
func (p palette) severity(sev analysis.Severity, s string) string {
	switch sev {
	case analysis.Error:
		return p.paint(ansiBold+ansiRed, s)
	case analysis.Warning:
		return p.paint(ansiBold+ansiYellow, s)
	case analysis.Information:
		return p.paint(ansiBold+ansiBlue, s)
	case analysis.Hint:
		return p.paint(ansiBold+ansiCyan, s)
	}
	return p.paint(ansiDim, s)
}
