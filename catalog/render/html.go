package render

import (
	"html"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// htmlRenderer writes a static site that opens from disk: every page carries its CSS
// inline, links between pages are relative, and nothing is loaded from the network (no
// scripts, fonts or images). The only absolute links are to pytorch.org's documentation.
//
// index.html is browsable by tag (the tag list) and by support level (a table with each
// case's level at the base and the newest recorded version, then the cases grouped as
// ExportDB groups them); each case is a card with an anchor named as on ExportDB's page
// (index.html#dynamic-shape-round); each tag has a page of its cases' cards.
type htmlRenderer struct{ opt Options }

const css = `
:root { --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --code: #f6f8fa; --line: #d1d9e0;
  --ok: #1a7f37; --ok-bg: #dafbe1; --no: #cf222e; --no-bg: #ffebe9; --link: #0969da;
  --hl-k: #cf222e; --hl-s: #0a3069; --hl-c: #59636e; --hl-n: #0550ae; --hl-b: #953800; --hl-d: #8250df; --hl-f: #6639ba; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --code: #151b23; --line: #3d444d;
    --ok: #3fb950; --ok-bg: #12261e; --no: #f85149; --no-bg: #25171c; --link: #4493f8;
    --hl-k: #ff7b72; --hl-s: #a5d6ff; --hl-c: #9198a1; --hl-n: #79c0ff; --hl-b: #ffa657; --hl-d: #d2a8ff; --hl-f: #d2a8ff; }
}
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.5;
  font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
nav { border-bottom: 1px solid var(--line); padding: .6rem 1.5rem; font-size: .9rem;
  display: flex; flex-wrap: wrap; gap: .2rem .9rem; align-items: baseline; }
nav a { white-space: nowrap; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; overflow-wrap: anywhere; }
h1 { margin-top: .5rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; margin-top: 2.5rem; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: .8rem;
  overflow-x: auto; line-height: 1.4; overflow-wrap: normal; }
:not(pre) > code { background: var(--code); border-radius: 4px; padding: .05em .3em; }
.py .k { color: var(--hl-k); font-weight: 600; } .py .s { color: var(--hl-s); } .py .c { color: var(--hl-c); font-style: italic; }
.py .n { color: var(--hl-n); } .py .b { color: var(--hl-b); } .py .d { color: var(--hl-d); } .py .f { color: var(--hl-f); }
.note { border-left: 4px solid var(--link); background: var(--code); padding: .5rem .9rem; }
.muted { color: var(--muted); }
.level { display: inline-block; border-radius: 1em; padding: 0 .6em; font-size: .8rem; font-weight: 600;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.level.SUPPORTED { color: var(--ok); background: var(--ok-bg); }
.level.NOT_SUPPORTED_YET { color: var(--no); background: var(--no-bg); }
.scroll { overflow-x: auto; }
.scroll table { overflow-wrap: normal; }
.scroll td:first-child code, .level { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
ul.tags { columns: 2; padding-left: 1.2rem; }
.case { border: 1px solid var(--line); border-radius: 8px; padding: 0 1.2rem 1rem; margin: 1.5rem 0; }
.case h3 { margin-bottom: .2rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.case h4 { margin: 1.2rem 0 .3rem; }
.case dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: .8rem 0; }
.case dt { color: var(--muted); }
.case dd { margin: 0; min-width: 0; }
.case .desc p, .case .desc ul { margin: .5rem 0; }
.history { margin: 0; padding-left: 1.2rem; }
@media (max-width: 40rem) {
  nav { padding: .5rem .8rem; font-size: .85rem; gap: .1rem .7rem; }
  main { padding: .8rem .8rem 3rem; }
  ul.tags { columns: 1; }
  .case { padding: 0 .8rem .8rem; }
  .case dl { grid-template-columns: 1fr; gap: 0; }
  .case dt { margin-top: .5rem; }
  th, td { padding: .3rem .4rem; }
  .levels thead { display: none; }
  .levels tr { display: block; padding: .4rem 0; border-bottom: 1px solid var(--line); }
  .levels td { display: inline-block; border: 0; padding: .1rem .8rem .1rem 0; }
  .levels td:first-child, .levels td:last-child { display: block; }
  .levels td[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-size: .8rem; }
  .case h3 { font-size: 1.05rem; }
}
`

func (r htmlRenderer) index(cat *catalog.Catalog) string {
	var b strings.Builder
	cases := exportdbCases(cat.Cases())
	latest := cat.LatestVersion()
	r.head(&b, "ExportDB", cat)
	b.WriteString("<h1>ExportDB</h1>\n")
	b.WriteString(`<div class="blurb">` + markdownHTML(strings.TrimSpace(exportdbBlurb)) + "</div>\n")
	b.WriteString(`<p class="note">` + esc(StrictModeNote) + "</p>\n")

	b.WriteString(`<h2 id="by-tag">By tag</h2>` + "\n<ul class=\"tags\">\n")
	pageTags := map[string]bool{}
	for _, t := range PageTags(cat) {
		pageTags[t.Name] = true
	}
	for _, t := range cat.Tags() {
		n := len(cat.WithTag(t.Name))
		if pageTags[t.Name] {
			b.WriteString(`<li><a href="` + esc(t.Name) + `.html">` + esc(t.Name) + `</a> <span class="muted">(` + plural(n, "case") + ")</span></li>\n")
		} else {
			b.WriteString(`<li>` + esc(t.Name) + ` <span class="muted">(no cases)</span></li>` + "\n")
		}
	}
	b.WriteString("</ul>\n")

	b.WriteString(`<h2 id="by-level">By support level</h2>` + "\n")
	b.WriteString(`<p>Levels in torch ` + catalog.BaseVersion.String() + ` (the ExportDB page) and in torch ` +
		latest.String() + ` (the newest version the catalog records). Cases that changed say when in their history.</p>` + "\n")
	b.WriteString("<div class=\"scroll\"><table class=\"levels\">\n<thead><tr><th>Case</th><th>torch " + catalog.BaseVersion.String() + "</th><th>torch " +
		latest.String() + "</th><th>Tags</th><th>Summary</th></tr></thead>\n<tbody>\n")
	for _, g := range byBaseLevel(cases) {
		for _, c := range g.Cases {
			b.WriteString(`<tr><td><a href="#` + anchor(c.Name) + `"><code>` + esc(c.Name) + `</code></a></td><td data-label="torch ` +
				catalog.BaseVersion.String() + `">` + levelBadge(c.Level) + `</td><td data-label="torch ` + latest.String() + `">` +
				levelBadge(c.LevelAt(latest)) + `</td><td data-label="tags">` + r.tagLinks(c.Tags) +
				"</td><td>" + inlineHTML(c.Summary) + "</td></tr>\n")
		}
	}
	b.WriteString("</tbody>\n</table></div>\n")
	if len(oursCases(cat)) > 0 {
		b.WriteString(`<p>More cases: <a href="` + OursPage + `.html">the cases exportdb-lsp adds</a>.</p>` + "\n")
	}

	for _, g := range byBaseLevel(cases) {
		b.WriteString(`<h2 id="` + anchor(strings.ToLower(g.Level.String())) + `">` + esc(g.Title) + "</h2>\n")
		b.WriteString(`<p class="muted">Support level in torch ` + catalog.BaseVersion.String() + ", as ExportDB lists it.</p>\n")
		for _, c := range g.Cases {
			r.card(&b, c, latest, false)
		}
	}
	b.WriteString(htmlFoot)
	return b.String()
}

func (r htmlRenderer) tag(cat *catalog.Catalog, t *catalog.Tag) string {
	var b strings.Builder
	r.head(&b, t.Name+" · ExportDB", cat)
	b.WriteString("<h1>" + esc(t.Name) + "</h1>\n")
	if t.Description != "" {
		b.WriteString("<p>" + esc(t.Description) + "</p>\n")
	}
	b.WriteString(`<p class="muted"><a href="index.html#by-tag">All tags</a> · <a href="` +
		esc(catalog.TagURL(t.Name, r.opt.DocVersion)) + `">This tag on pytorch.org</a></p>` + "\n")
	tagged := cat.WithTag(t.Name)
	for _, c := range append(exportdbCases(tagged), filterOrigin(tagged, catalog.FromExportDBLSP)...) {
		r.card(&b, c, cat.LatestVersion(), true)
	}
	b.WriteString(htmlFoot)
	return b.String()
}

func (r htmlRenderer) ours(cat *catalog.Catalog) string {
	var b strings.Builder
	r.head(&b, "Cases added by exportdb-lsp", cat)
	b.WriteString("<h1>Cases added by exportdb-lsp</h1>\n")
	b.WriteString(`<div class="blurb">` + markdownHTML(strings.TrimSpace(oursIntro())) + "</div>\n")
	b.WriteString(`<p class="note">` + esc(StrictModeNote) + "</p>\n")
	for _, g := range byBaseLevel(oursCases(cat)) {
		b.WriteString(`<h2 id="` + anchor(strings.ToLower(g.Level.String())) + `">` + esc(g.Title) + "</h2>\n")
		for _, c := range g.Cases {
			r.card(&b, c, cat.LatestVersion(), false)
		}
	}
	b.WriteString(htmlFoot)
	return b.String()
}

// head opens a page: the document head with the inline stylesheet and the navigation bar.
func (r htmlRenderer) head(b *strings.Builder, title string, cat *catalog.Catalog) {
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<title>" + esc(title) + "</title>\n<style>" + css + "</style>\n</head>\n<body>\n<nav>")
	b.WriteString(`<a href="index.html"><strong>ExportDB</strong></a>`)
	b.WriteString(`<a href="index.html#by-level">by level</a>`)
	for _, t := range PageTags(cat) {
		b.WriteString(`<a href="` + esc(t.Name) + `.html">` + esc(t.Name) + "</a>")
	}
	if len(oursCases(cat)) > 0 {
		b.WriteString(`<a href="` + OursPage + `.html">exportdb-lsp</a>`)
	}
	b.WriteString("</nav>\n<main>\n")
}

const htmlFoot = "</main>\n</body>\n</html>\n"

// card writes one case. On tag pages the title links to the case's card on the index
// page (or the page of ours); elsewhere it links to itself.
func (r htmlRenderer) card(b *strings.Builder, c *catalog.Case, latest catalog.Version, onTagPage bool) {
	id := anchor(c.Name)
	self := "#" + id
	if onTagPage {
		page := "index.html"
		if c.Origin != catalog.FromExportDB {
			page = OursPage + ".html"
		}
		self = page + self
	}
	b.WriteString(`<section class="case" id="` + id + `">` + "\n")
	b.WriteString(`<h3><a href="` + self + `">` + esc(c.Name) + "</a></h3>\n")
	b.WriteString(`<p class="muted">` + inlineHTML(c.Summary) + "</p>\n")
	b.WriteString(`<div class="desc">` + markdownHTML(c.Description) + "</div>\n<dl>\n")
	b.WriteString("<dt>Tags</dt><dd>" + r.tagLinks(c.Tags) + "</dd>\n")
	b.WriteString("<dt>Support level</dt><dd>" + levelBadge(c.Level) + " in torch " + catalog.BaseVersion.String())
	if l := c.LevelAt(latest); l != c.Level || len(c.History) > 0 {
		b.WriteString("; " + levelBadge(l) + " in torch " + latest.String())
	}
	b.WriteString("</dd>\n")
	if len(c.History) > 0 {
		b.WriteString("<dt>History</dt><dd>" + esc(LevelTimeline(c)) + "\n<ol class=\"history\">\n")
		for _, ch := range c.History {
			b.WriteString("<li><strong>" + ch.Version.String() + "</strong>")
			if ch.Level != nil {
				b.WriteString(" " + levelBadge(*ch.Level))
			}
			if ch.Name != "" {
				b.WriteString(" renamed <code>" + esc(ch.Name) + "</code>")
			}
			if ch.Note != "" {
				b.WriteString(" " + inlineHTML(ch.Note))
			}
			if ch.Result != "" {
				b.WriteString("<br><span class=\"muted\">Result:</span> <code>" + esc(ch.Result) + "</code>")
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ol></dd>\n")
	}
	if nt := NameTimeline(c); nt != "" {
		b.WriteString("<dt>Names</dt><dd>" + esc(nt) + "</dd>\n")
	}
	if al := otherAliases(c); len(al) > 0 {
		b.WriteString("<dt>Also known as</dt><dd>" + esc(strings.Join(al, ", ")) + "</dd>\n")
	}
	if len(c.Notes) > 0 {
		b.WriteString("<dt>Notes</dt><dd><ul class=\"history\">\n")
		for _, n := range c.Notes {
			b.WriteString("<li>" + inlineHTML(n) + "</li>\n")
		}
		b.WriteString("</ul></dd>\n")
	}
	label := "ExportDB entry on pytorch.org"
	if c.Origin != catalog.FromExportDB {
		label = "PyTorch documentation"
	}
	b.WriteString(`<dt>Link</dt><dd><a href="` + esc(c.URL(r.opt.DocVersion)) + `">` + label + "</a></dd>\n</dl>\n")
	b.WriteString("<h4>Original source code</h4>\n<pre class=\"py\"><code>" + highlightPython(strings.TrimRight(c.Example, "\n")) + "</code></pre>\n")
	b.WriteString("<h4>Result in torch " + catalog.BaseVersion.String() + "</h4>\n<pre><code>" +
		esc(strings.TrimRight(c.Result, "\n")) + "</code></pre>\n")
	if c.Rewrite != "" {
		b.WriteString("<h4>You can rewrite the example above to something like the following</h4>\n<pre class=\"py\"><code>" +
			highlightPython(strings.TrimRight(c.Rewrite, "\n")) + "</code></pre>\n")
	}
	b.WriteString("</section>\n")
}

func (r htmlRenderer) tagLinks(tags []string) string {
	if len(tags) == 0 {
		return `<span class="muted">none</span>`
	}
	links := make([]string, len(tags))
	for i, t := range tags {
		links[i] = `<a href="` + esc(t) + `.html">` + esc(t) + "</a>"
	}
	return strings.Join(links, ", ")
}

func levelBadge(l catalog.SupportLevel) string {
	return `<span class="level ` + l.String() + `">` + l.String() + "</span>"
}

func esc(s string) string { return html.EscapeString(s) }
