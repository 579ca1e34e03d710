package render

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// CardOptions tunes Card.
type CardOptions struct {
	// Version is the torch version the card answers for; zero means catalog.BaseVersion.
	Version catalog.Version
	// Newest is the newest version the catalog records (Catalog.LatestVersion); when
	// Version is newer the card says the data stops there. Zero: not said.
	Newest catalog.Version
	// Color turns on ANSI bold and colours; leave it off unless writing to a terminal.
	Color bool
	// DocVersion is the pytorch.org documentation version of the link ("" is main).
	DocVersion string
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

// style applies ANSI codes when colour is on.
type style bool

func (s style) wrap(code, text string) string {
	if !s || text == "" {
		return text
	}
	return code + text + ansiReset
}

func (s style) heading(text string) string { return s.wrap(ansiBold+ansiCyan, text) }
func (s style) bold(text string) string    { return s.wrap(ansiBold, text) }
func (s style) dim(text string) string     { return s.wrap(ansiDim, text) }

func (s style) level(l catalog.SupportLevel) string {
	if l == catalog.Supported {
		return s.wrap(ansiBold+ansiGreen, l.String())
	}
	return s.wrap(ansiBold+ansiRed, l.String())
}

// Card renders one case for a terminal: description, tags, support level at
// opt.Version and its history, names, notes, the example, the result at opt.Version and
// at the base version, the rewrite, the link, and the strict-mode caveat.
func Card(c *catalog.Case, opt CardOptions) string {
	st := style(opt.Color)
	v := opt.Version
	if v.IsZero() {
		v = catalog.BaseVersion
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	field := func(label, value string) { line(st.bold(padRight(label, 15)) + value) }

	title := st.heading(c.Name)
	if c.Summary != "" {
		title += " " + st.dim("—") + " " + c.Summary
	}
	line(title)
	line("")
	for _, l := range strings.Split(c.Description, "\n") {
		line(strings.TrimRight("  "+l, " "))
	}
	line("")

	tags := "none"
	if len(c.Tags) > 0 {
		tags = strings.Join(c.Tags, ", ")
	}
	field("Tags", tags)
	lvl := st.level(c.LevelAt(v)) + " in torch " + v.String()
	if ns := c.LevelIn(v, false); ns != c.LevelAt(v) {
		lvl += " (strict; " + st.level(ns) + " with strict=False)"
	}
	switch {
	case v.Less(catalog.BaseVersion):
		lvl += st.dim(" (nothing before " + catalog.BaseVersion.String() + " is recorded; this is the " +
			catalog.BaseVersion.String() + " level)")
	case !opt.Newest.IsZero() && opt.Newest.Less(v):
		lvl += st.dim(" (the catalog records up to " + opt.Newest.String() + ")")
	}
	field("Support level", lvl)
	history := levelTimeline(c, st)
	if !strings.Contains(history, "→") && catalog.BaseVersion.Less(opt.Newest) {
		history += st.dim(" (no change recorded up to " + opt.Newest.String() + ")")
	}
	field("History", history)
	for _, ch := range c.History {
		if ch.Note != "" {
			field("", st.bold(padRight(ch.Version.String(), 6))+ch.Note)
		}
	}
	if nt := NameTimeline(c); nt != "" {
		field("Names", nt)
	}
	if al := otherAliases(c); len(al) > 0 {
		field("Also known as", strings.Join(al, ", "))
	}
	if name := c.NameAt(v); name != c.Name {
		field("Name in "+v.String(), name)
	}
	for i, n := range c.Notes {
		label := ""
		if i == 0 {
			label = "Notes"
		}
		field(label, "- "+n)
	}
	field("Link", c.URL(opt.DocVersion))
	line("")

	line(st.heading("Example") + st.dim(" ("+c.ExamplePath+")"))
	line(indentCode(c.Example))
	line("")
	base := catalog.BaseVersion.String()
	if r := c.ResultAt(v); r != c.Result && !v.Less(catalog.BaseVersion) {
		line(st.heading("Result in torch " + v.String()))
		line(indentCode(r))
		line("")
	}
	if c.Origin == catalog.FromExportDB {
		line(st.heading("Result in torch "+base) + st.dim(" (the ExportDB page)"))
	} else {
		line(st.heading("Result") + st.dim(" (from PyTorch's documentation)"))
	}
	line(indentCode(c.Result))
	line("")
	if c.Rewrite != "" {
		line(st.heading("Rewrite"))
		line(indentCode(c.Rewrite))
		line("")
	}
	line(st.dim("Note: " + StrictModeNote))
	return b.String()
}

// levelTimeline is LevelTimeline with each level coloured.
func levelTimeline(c *catalog.Case, st style) string { return timeline(c, st.level) }

// indentCode indents code by four spaces, leaving blank lines empty and dropping trailing
// newlines.
func indentCode(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "    " + l
		} else {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}
