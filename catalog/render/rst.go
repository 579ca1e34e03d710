package render

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// RST renders ExportDB's index page. The layout follows PyTorch's generator
// (docs/source/scripts/exportdb/generate_example_rst.py) to the byte: only cases of
// ExportDB appear, grouped by their level at catalog.BaseVersion, so that for the
// embedded catalog the result is the seed page. Cases exportdb-lsp adds go to OursPage.
func RST(cat *catalog.Catalog) string { return rstRenderer{}.index(cat) }

// RSTTag renders the page of one tag: its title and every case carrying it, ExportDB's
// first, each in the index page's format.
func RSTTag(cat *catalog.Catalog, tag string) string {
	t, ok := cat.Tag(tag)
	if !ok {
		t = &catalog.Tag{Name: tag}
	}
	return rstRenderer{}.tag(cat, t)
}

type rstRenderer struct{}

func (rstRenderer) index(cat *catalog.Catalog) string {
	var b strings.Builder
	b.WriteString(".. _torch.export_db:\n\nExportDB\n========\n\n")
	b.WriteString(exportdbBlurb)
	b.WriteString("\n\n.. toctree::\n    :maxdepth: 1\n    :caption: Tags\n\n    ")
	var names []string
	for _, t := range cat.Tags() {
		if t.Toctree {
			names = append(names, t.Name)
		}
	}
	b.WriteString(strings.Join(names, "\n    "))
	b.WriteString("\n\n")
	writeRSTLevels(&b, exportdbCases(cat.Cases()))
	b.WriteString("\n")
	return b.String()
}

// writeRSTLevels writes the "Supported" and "Not Supported Yet" sections as the generator
// does: "\n<title>\n<dashes>\n\n" + the cases joined by "\n\n" + "\n".
func writeRSTLevels(b *strings.Builder, cases []*catalog.Case) {
	for _, g := range byBaseLevel(cases) {
		b.WriteString("\n" + g.Title + "\n" + strings.Repeat("-", len(g.Title)) + "\n\n")
		cards := make([]string, len(g.Cases))
		for i, c := range g.Cases {
			cards[i] = rstCase(c)
		}
		b.WriteString(strings.Join(cards, "\n\n"))
		b.WriteString("\n")
	}
}

// tag follows the generator's tag pages: the title underlined with len+4 '=' and the
// cases joined by "\n\n". Cases of ours follow ExportDB's.
func (rstRenderer) tag(cat *catalog.Catalog, t *catalog.Tag) string {
	tagged := cat.WithTag(t.Name)
	cases := append(exportdbCases(tagged), filterOrigin(tagged, catalog.FromExportDBLSP)...)
	cards := make([]string, len(cases))
	for i, c := range cases {
		cards[i] = rstCase(c)
	}
	return t.Name + "\n" + strings.Repeat("=", len(t.Name)+4) + "\n" + strings.Join(cards, "\n\n")
}

func (rstRenderer) ours(cat *catalog.Catalog) string {
	const title = "Cases added by exportdb-lsp"
	var b strings.Builder
	b.WriteString(".. _exportdb_lsp_cases:\n\n" + title + "\n" + strings.Repeat("=", len(title)) + "\n\n")
	b.WriteString(oursIntro())
	b.WriteString("\n.. note::\n\n    " + StrictModeNote + "\n\n")
	// Tags outside ExportDB's toctree have pages too; this page's toctree reaches them.
	var extra []string
	for _, t := range PageTags(cat) {
		if !t.Toctree {
			extra = append(extra, t.Name)
		}
	}
	if len(extra) > 0 {
		b.WriteString(".. toctree::\n    :maxdepth: 1\n    :caption: More tags\n\n    ")
		b.WriteString(strings.Join(extra, "\n    "))
		b.WriteString("\n\n")
	}
	writeRSTLevels(&b, oursCases(cat))
	b.WriteString("\n")
	return b.String()
}

// rstCase renders one case as generate_example_rst does. A case of ours also names the
// PyTorch page it comes from, inside its note.
func rstCase(c *catalog.Case) string {
	tags := make([]string, len(c.Tags))
	for i, t := range c.Tags {
		tags[i] = ":doc:`" + t + " <" + t + ">`"
	}
	var b strings.Builder
	b.WriteString(c.Name + "\n" + strings.Repeat("^", len(c.Name)) + "\n\n")
	b.WriteString(".. note::\n\n    Tags: " + strings.Join(tags, ", ") + "\n\n")
	b.WriteString("    Support Level: " + c.Level.String() + "\n\n")
	if c.Origin != catalog.FromExportDB {
		b.WriteString("    Added by exportdb-lsp, from `PyTorch's documentation <" + c.URL("") + ">`__.\n\n")
	}
	b.WriteString("Original source code:\n\n.. code-block:: python\n\n")
	b.WriteString(indentBlock(c.Example))
	b.WriteString("\n\nResult:\n\n.. code-block::\n\n")
	b.WriteString(indentBlock(c.Result))
	b.WriteString("\n")
	if c.Rewrite != "" {
		b.WriteString("\n\nYou can rewrite the example above to something like the following:\n\n.. code-block:: python\n\n")
		b.WriteString(indentBlock(c.Rewrite))
		b.WriteString("\n\n")
	}
	return b.String()
}
