package render

import (
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// mdRenderer writes the RST pages' content as Markdown (GitHub flavour): the same pages,
// sections and cases, fenced code, plus each case's level history and a link to its
// ExportDB entry.
type mdRenderer struct{ opt Options }

func (r mdRenderer) index(cat *catalog.Catalog) string {
	var b strings.Builder
	b.WriteString("# ExportDB\n\n")
	b.WriteString(exportdbBlurb)
	b.WriteString("\n> **Note:** " + StrictModeNote + "\n\n")
	b.WriteString("## Tags\n\n")
	for _, t := range cat.Tags() {
		if t.Toctree {
			b.WriteString("- [" + t.Name + "](" + t.Name + ".md)\n")
		}
	}
	for _, g := range byBaseLevel(exportdbCases(cat.Cases())) {
		b.WriteString("\n## " + g.Title + "\n\n")
		b.WriteString("Support level in torch " + catalog.BaseVersion.String() + ", as ExportDB lists it.\n")
		for _, c := range g.Cases {
			b.WriteString("\n")
			r.card(&b, c, "###")
		}
	}
	if len(oursCases(cat)) > 0 {
		b.WriteString("\n## More cases\n\nSee [the cases exportdb-lsp adds](" + OursPage + ".md).\n")
	}
	return b.String()
}

func (r mdRenderer) tag(cat *catalog.Catalog, t *catalog.Tag) string {
	var b strings.Builder
	b.WriteString("# " + t.Name + "\n\n")
	if t.Description != "" {
		b.WriteString(t.Description + "\n\n")
	}
	b.WriteString("[All tags](index.md#tags)\n")
	tagged := cat.WithTag(t.Name)
	for _, c := range append(exportdbCases(tagged), filterOrigin(tagged, catalog.FromExportDBLSP)...) {
		b.WriteString("\n")
		r.card(&b, c, "##")
	}
	return b.String()
}

func (r mdRenderer) ours(cat *catalog.Catalog) string {
	var b strings.Builder
	b.WriteString("# Cases added by exportdb-lsp\n\n")
	b.WriteString(oursIntro())
	b.WriteString("\n> **Note:** " + StrictModeNote + "\n")
	for _, g := range byBaseLevel(oursCases(cat)) {
		b.WriteString("\n## " + g.Title + "\n")
		for _, c := range g.Cases {
			b.WriteString("\n")
			r.card(&b, c, "###")
		}
	}
	return b.String()
}

// card writes one case under a heading of the given level ("##", "###").
func (r mdRenderer) card(b *strings.Builder, c *catalog.Case, heading string) {
	b.WriteString(heading + " " + c.Name + "\n\n")
	tags := make([]string, len(c.Tags))
	for i, t := range c.Tags {
		tags[i] = "[" + t + "](" + t + ".md)"
	}
	b.WriteString("Tags: " + strings.Join(tags, ", ") + "\n\n")
	b.WriteString("Support Level: " + c.Level.String() + "\n\n")
	if len(c.History) > 0 {
		b.WriteString("Support history: " + LevelTimeline(c) + "\n\n")
		for _, ch := range c.History {
			if ch.Note != "" {
				b.WriteString("- " + ch.Version.String() + ": " + ch.Note + "\n")
			}
		}
		b.WriteString("\n")
	}
	if nt := NameTimeline(c); nt != "" {
		b.WriteString("Names: " + nt + "\n\n")
	}
	if al := otherAliases(c); len(al) > 0 {
		b.WriteString("Also known as: " + strings.Join(al, ", ") + "\n\n")
	}
	if len(c.Notes) > 0 {
		b.WriteString("Notes:\n\n")
		for _, n := range c.Notes {
			b.WriteString("- " + n + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("Original source code:\n\n" + fence(c.Example, "python") + "\n")
	b.WriteString("Result:\n\n" + fence(c.Result, "") + "\n")
	if c.Rewrite != "" {
		b.WriteString("You can rewrite the example above to something like the following:\n\n" + fence(c.Rewrite, "python") + "\n")
	}
	label := "ExportDB entry"
	if c.Origin != catalog.FromExportDB {
		label = "PyTorch documentation"
	}
	b.WriteString("[" + label + "](" + c.URL(r.opt.DocVersion) + ")\n")
}

// fence wraps code in a fenced block longer than any backtick run inside it. Trailing
// newlines are dropped: the fence ends the last line.
func fence(code, lang string) string {
	longest, run := 0, 0
	for _, r := range code {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + strings.TrimRight(code, "\n") + "\n" + f + "\n"
}

// plural spells "1 case", "2 cases".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
