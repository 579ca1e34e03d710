// Package render turns the catalog into documents: PyTorch's ExportDB index page and its
// tag pages in reStructuredText, the same pages in Markdown and as a static HTML site, and
// the terminal card that `exportdb cases NAME` prints.
//
// Start with Pages, which returns every file of one format. RST renders the index page
// alone; for the cases of PyTorch's ExportDB it is byte-identical to the page PyTorch's
// generator wrote (catalog/testdata/exportdb_index.rst). Card renders one case for a
// terminal.
package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Format is an output format of Pages.
type Format string

const (
	FormatRST      Format = "rst"
	FormatMarkdown Format = "md"
	FormatHTML     Format = "html"
)

// Formats lists the formats Pages accepts.
var Formats = []Format{FormatRST, FormatMarkdown, FormatHTML}

// ParseFormat reads a format name: rst, md (or markdown) or html.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "rst":
		return FormatRST, nil
	case "md", "markdown":
		return FormatMarkdown, nil
	case "html":
		return FormatHTML, nil
	}
	return "", fmt.Errorf("invalid format %q: want rst, md or html", s)
}

// Options tunes Pages.
type Options struct {
	// DocVersion is the pytorch.org documentation version links point to: "main" (the
	// default when empty), "2.5", ... The RST index has no such links and ignores it.
	DocVersion string
}

// Page is one file of a rendered catalog.
type Page struct {
	Name    string // file name inside the output directory, e.g. "torch.cond.rst"
	Content []byte
}

// OursPage is the base name of the page for cases exportdb-lsp adds to ExportDB's. It is
// written only when such cases exist, so that the index page stays the seed page.
const OursPage = "exportdb-lsp"

// StrictModeNote is said once on every card and every index page outside the RST index,
// which must stay PyTorch's page byte for byte.
const StrictModeNote = "ExportDB's results describe strict mode (torch.export.export(..., strict=True)); " +
	"torch.export.export defaults to non-strict mode since about torch 2.7, where some results differ."

// Pages renders the whole catalog in format f: the index page, one page per tag (named as
// the seed's toctree names them) and, when the catalog has cases of its own, OursPage.
// Pages are returned in a stable order: index first, tags in registry order, OursPage last.
func Pages(cat *catalog.Catalog, f Format, opt Options) ([]Page, error) {
	if opt.DocVersion == "" {
		opt.DocVersion = "main"
	}
	var r renderer
	switch f {
	case FormatRST:
		r = rstRenderer{}
	case FormatMarkdown:
		r = mdRenderer{opt: opt}
	case FormatHTML:
		r = htmlRenderer{opt: opt}
	default:
		return nil, fmt.Errorf("invalid format %q: want rst, md or html", f)
	}
	ext := "." + string(f)
	pages := []Page{{Name: "index" + ext, Content: []byte(r.index(cat))}}
	for _, t := range PageTags(cat) {
		pages = append(pages, Page{Name: t.Name + ext, Content: []byte(r.tag(cat, t))})
	}
	if len(oursCases(cat)) > 0 {
		pages = append(pages, Page{Name: OursPage + ext, Content: []byte(r.ours(cat))})
	}
	return pages, nil
}

// renderer is one format's set of pages.
type renderer interface {
	index(cat *catalog.Catalog) string
	tag(cat *catalog.Catalog, t *catalog.Tag) string
	ours(cat *catalog.Catalog) string
}

// PageTags returns the tags that get a page, in registry order: every tag of the seed's
// toctree (the index links them all) and any other tag that a case carries.
func PageTags(cat *catalog.Catalog) []*catalog.Tag {
	var out []*catalog.Tag
	for _, t := range cat.Tags() {
		if t.Toctree || len(cat.WithTag(t.Name)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// exportdbCases returns the cases of PyTorch's ExportDB page, sorted by name.
func exportdbCases(cases []*catalog.Case) []*catalog.Case {
	return filterOrigin(cases, catalog.FromExportDB)
}

// oursCases returns the cases exportdb-lsp adds, sorted by name.
func oursCases(cat *catalog.Catalog) []*catalog.Case {
	return filterOrigin(cat.Cases(), catalog.FromExportDBLSP)
}

func filterOrigin(cases []*catalog.Case, o catalog.Origin) []*catalog.Case {
	var out []*catalog.Case
	for _, c := range cases {
		if c.Origin == o {
			out = append(out, c)
		}
	}
	return out
}

// levelGroup is the cases of one support level at catalog.BaseVersion.
type levelGroup struct {
	Level catalog.SupportLevel
	Title string // "Supported", "Not Supported Yet": ExportDB's section titles
	Cases []*catalog.Case
}

// byBaseLevel groups cases as the ExportDB page does: Supported first, then Not Supported
// Yet, by their level at catalog.BaseVersion, keeping the input order inside a group.
// Empty groups are left out.
func byBaseLevel(cases []*catalog.Case) []levelGroup {
	groups := []levelGroup{
		{Level: catalog.Supported, Title: levelTitle(catalog.Supported)},
		{Level: catalog.NotSupportedYet, Title: levelTitle(catalog.NotSupportedYet)},
	}
	for _, c := range cases {
		for i := range groups {
			if groups[i].Level == c.Level {
				groups[i].Cases = append(groups[i].Cases, c)
			}
		}
	}
	var out []levelGroup
	for _, g := range groups {
		if len(g.Cases) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// levelTitle spells a level as PyTorch's generator titles its section:
// NOT_SUPPORTED_YET -> "Not Supported Yet".
func levelTitle(l catalog.SupportLevel) string {
	words := strings.Split(strings.ToLower(l.String()), "_")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// LevelTimeline spells the support level history of c, one "version LEVEL" step per level
// change, in strict mode ("2.2 NOT_SUPPORTED_YET → 2.12 SUPPORTED"), followed by the
// non-strict history when the mode changes the level ("; non-strict: 2.2 ... → 2.11 ...").
func LevelTimeline(c *catalog.Case) string {
	return timeline(c, func(l catalog.SupportLevel) string { return l.String() })
}

// timeline is LevelTimeline with each level spelled by level.
func timeline(c *catalog.Case, level func(catalog.SupportLevel) string) string {
	steps := func(strict bool) string {
		out := []string{catalog.BaseVersion.String() + " " + level(c.Level)}
		cur := c.Level
		for _, ch := range c.History {
			if l := c.LevelIn(ch.Version, strict); l != cur {
				cur = l
				out = append(out, ch.Version.String()+" "+level(cur))
			}
		}
		return strings.Join(out, " → ")
	}
	s := steps(true)
	if c.ModeDiffers() {
		s += "; non-strict: " + steps(false)
	}
	return s
}

// NameTimeline spells the names ExportDB gave c over time ("2.2 torch_sym_min → 2.11
// unsupported_operator"), or "" when the name never changed.
func NameTimeline(c *catalog.Case) string {
	steps := []string{catalog.BaseVersion.String() + " " + c.Name}
	cur := c.Name
	for _, ch := range c.History {
		if ch.Name != "" && ch.Name != cur {
			cur = ch.Name
			steps = append(steps, ch.Version.String()+" "+cur)
		}
	}
	if len(steps) == 1 {
		return ""
	}
	return strings.Join(steps, " → ")
}

// otherAliases returns the aliases of c that its name history does not already mention.
func otherAliases(c *catalog.Case) []string {
	seen := map[string]bool{}
	for _, ch := range c.History {
		seen[ch.Name] = true
	}
	var out []string
	for _, a := range c.Aliases {
		if !seen[a] {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// anchor is the id ExportDB's page gives a case: the name with '_' replaced by '-'.
func anchor(name string) string { return strings.ReplaceAll(name, "_", "-") }

// indentBlock indents every line of s by four spaces, blank lines included, as PyTorch's
// generator does ("\n".join("    " + l for l in s.split("\n"))).
func indentBlock(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// exportdbBlurb is the introduction of PyTorch's ExportDB page, verbatim (typo included).
const exportdbBlurb = `ExportDB is a centralized dataset of supported and unsupported export cases.
It is targeted towards users who want to understand specifically what types of
code are supported, the subtleties of export, and how to modify their existing
code to be compatible with export. Note that this is not an exhaustive set of
everything that is supported by exportdb, but it covers the
most common and confusing use cases that users will run into.

If you have a feature that you think needs a stronger guarantee from us to
support in export please create an issue in the pytorch/pytorch repo wih a module:export tag.
`

// oursIntro introduces the page of cases exportdb-lsp adds.
func oursIntro() string {
	return "These cases are not part of PyTorch's ExportDB. exportdb-lsp adds them from PyTorch's\n" +
		"export documentation; each one links to the page it comes from. Support levels are for\n" +
		"torch " + catalog.BaseVersion.String() + " like ExportDB's; each case's history says what changed since.\n"
}
