package render

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

const seedPath = "../testdata/exportdb_index.rst"

func readSeed(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, gl, wl)
		}
	}
	return "no line differs"
}

func TestRSTIsTheSeed(t *testing.T) {
	got, want := RST(catalog.Default()), readSeed(t)
	if got != want {
		t.Fatalf("RST(Default()) differs from %s (%d bytes, want %d); first difference at %s",
			seedPath, len(got), len(want), firstDiff(got, want))
	}
}

func pageMap(t *testing.T, cat *catalog.Catalog, f Format) map[string]string {
	t.Helper()
	pages, err := Pages(cat, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, p := range pages {
		if _, dup := m[p.Name]; dup {
			t.Fatalf("page %s written twice", p.Name)
		}
		m[p.Name] = string(p.Content)
	}
	return m
}

// wantPageNames is index plus one page per toctree tag, as the seed's toctree names them.
func wantPageNames(cat *catalog.Catalog, ext string) []string {
	names := []string{"index." + ext}
	for _, tg := range cat.Tags() {
		if tg.Toctree {
			names = append(names, tg.Name+"."+ext)
		}
	}
	slices.Sort(names)
	return names
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rstCaseNames returns the case titles of an RST page: lines underlined with '^'.
func rstCaseNames(page string) []string {
	lines := strings.Split(page, "\n")
	var out []string
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] != "" && lines[i+1] == strings.Repeat("^", len(lines[i])) {
			out = append(out, lines[i])
		}
	}
	return out
}

func caseNames(cases []*catalog.Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.Name
	}
	return out
}

func TestRSTPages(t *testing.T) {
	cat := exportDBOnly(t)
	pages := pageMap(t, cat, FormatRST)
	if got, want := keys(pages), wantPageNames(cat, "rst"); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	if pages["index.rst"] != readSeed(t) {
		t.Errorf("index.rst differs from the seed at %s", firstDiff(pages["index.rst"], readSeed(t)))
	}
	for _, tg := range cat.Tags() {
		if !tg.Toctree {
			continue
		}
		page := pages[tg.Name+".rst"]
		if !strings.HasPrefix(page, tg.Name+"\n"+strings.Repeat("=", len(tg.Name)+4)+"\n") {
			t.Errorf("%s.rst: title is %q", tg.Name, page[:min(len(page), 60)])
		}
		if got, want := rstCaseNames(page), caseNames(cat.WithTag(tg.Name)); !slices.Equal(got, want) {
			t.Errorf("%s.rst has cases %v, want %v", tg.Name, got, want)
		}
		if RSTTag(cat, tg.Name) != page {
			t.Errorf("RSTTag(%s) differs from its page", tg.Name)
		}
	}
	// Every card on a tag page is the card of the index page, byte for byte.
	page := pages["python.builtin.rst"]
	for _, name := range rstCaseNames(page) {
		k, _ := cat.Lookup(name)
		if !strings.Contains(page, rstCase(k)) || !strings.Contains(pages["index.rst"], rstCase(k)) {
			t.Errorf("%s: the tag page and the index do not share its card", name)
		}
	}
}

// withOurs returns the embedded catalog plus one case of exportdb-lsp's own, tagged with
// a tag outside the seed's toctree.
func withOurs(t *testing.T) *catalog.Catalog {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(catalog.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(catalog.FS(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := fs.ReadFile(catalog.FS(), "tags.toml")
	if err != nil {
		t.Fatal(err)
	}
	m["tags.toml"] = &fstest.MapFile{Data: tags}
	m["cases/zz_our_case/case.toml"] = &fstest.MapFile{Data: []byte(`origin = "exportdb-lsp"
tags = ["python.standard-library", "torch.mutation"]
support_level = "NOT_SUPPORTED_YET"
doc_url = "https://pytorch.org/docs/main/export.html"

[[history]]
version = "2.12"
support_level = "SUPPORTED"
note = "Works from 2.12."
`)}
	m["cases/zz_our_case/example.py"] = &fstest.MapFile{Data: []byte("import copy\nimport torch\n\n\nclass OurCase(torch.nn.Module):\n    \"\"\"\n    copy.deepcopy in forward.\n    \"\"\"\n\n    def forward(self, x):\n        return copy.deepcopy(x)\n")}
	m["cases/zz_our_case/result.txt"] = &fstest.MapFile{Data: []byte("Unsupported: copy.deepcopy")}
	cat, err := catalog.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// exportDBOnly returns the embedded catalog without the cases exportdb-lsp adds: the seed's
// pages are checked against it.
func exportDBOnly(t *testing.T) *catalog.Catalog {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(catalog.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(catalog.FS(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, f := range m {
		if strings.HasSuffix(p, "/case.toml") && strings.Contains(string(f.Data), `origin = "exportdb-lsp"`) {
			dir := strings.TrimSuffix(p, "case.toml")
			for q := range m {
				if strings.HasPrefix(q, dir) {
					delete(m, q)
				}
			}
		}
	}
	cat, err := catalog.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestCasesOfOursKeepTheIndex(t *testing.T) {
	cat := withOurs(t)
	if got := RST(cat); got != readSeed(t) {
		t.Fatalf("a case of ours changed index.rst: %s", firstDiff(got, readSeed(t)))
	}
	for _, f := range Formats {
		pages := pageMap(t, cat, f)
		ext := string(f)
		ours, ok := pages[OursPage+"."+ext]
		if !ok {
			t.Fatalf("%s: no %s page for the case of ours; pages %v", f, OursPage, keys(pages))
		}
		if !strings.Contains(ours, "zz_our_case") {
			t.Errorf("%s: %s page lacks the case", f, OursPage)
		}
		std, ok := pages["python.standard-library."+ext]
		if !ok || !strings.Contains(std, "zz_our_case") {
			t.Errorf("%s: no python.standard-library page with the case (ok=%v)", f, ok)
		}
		if mut := pages["torch.mutation."+ext]; strings.Index(mut, "zz_our_case") < strings.Index(mut, "user_input_mutation") {
			t.Errorf("%s: torch.mutation page should list the case of ours after ExportDB's", f)
		}
		if f != FormatRST && !strings.Contains(pages["index."+ext], OursPage+"."+ext) {
			t.Errorf("%s: index does not link %s", f, OursPage)
		}
	}
	ours := pageMap(t, cat, FormatRST)[OursPage+".rst"]
	for _, want := range []string{"    python.standard-library\n", "https://pytorch.org/docs/main/export.html", "Not Supported Yet\n-----------------\n"} {
		if !strings.Contains(ours, want) {
			t.Errorf("%s.rst lacks %q", OursPage, want)
		}
	}
	// Without cases of ours there is no such page.
	if _, ok := pageMap(t, exportDBOnly(t), FormatRST)[OursPage+".rst"]; ok {
		t.Errorf("%s.rst written for a catalog without cases of ours", OursPage)
	}
}

var mdHeadingRE = regexp.MustCompile(`^(#{1,6}) (.+)$`)

// mdHeadings returns the texts of the headings of a Markdown page at one level, skipping
// fenced code.
func mdHeadings(page, level string) []string {
	var out []string
	inFence := false
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
			continue
		}
		if m := mdHeadingRE.FindStringSubmatch(l); !inFence && m != nil && m[1] == level {
			out = append(out, m[2])
		}
	}
	return out
}

func TestMarkdown(t *testing.T) {
	cat := exportDBOnly(t)
	pages := pageMap(t, cat, FormatMarkdown)
	if got, want := keys(pages), wantPageNames(cat, "md"); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	index := pages["index.md"]
	if got := mdHeadings(index, "##"); !slices.Equal(got, []string{"Tags", "Supported", "Not Supported Yet"}) {
		t.Errorf("index.md sections %v", got)
	}
	got := mdHeadings(index, "###")
	want := rstCaseNames(readSeed(t)) // the seed's order: Supported, then Not Supported Yet
	if !slices.Equal(got, want) {
		t.Errorf("index.md cases\n got %v\nwant %v", got, want)
	}
	for _, tg := range cat.Tags() {
		if !tg.Toctree {
			continue
		}
		if !strings.Contains(index, "]("+tg.Name+".md)") {
			t.Errorf("index.md does not link %s.md", tg.Name)
		}
		page := pages[tg.Name+".md"]
		if !strings.HasPrefix(page, "# "+tg.Name+"\n") {
			t.Errorf("%s.md title: %q", tg.Name, page[:min(len(page), 40)])
		}
		if got, want := mdHeadings(page, "##"), caseNames(cat.WithTag(tg.Name)); !slices.Equal(got, want) {
			t.Errorf("%s.md has cases %v, want %v", tg.Name, got, want)
		}
	}
	for name, page := range pages {
		if strings.Count(page, "\n```")%2 != 0 {
			t.Errorf("%s: unbalanced code fences", name)
		}
	}
	for _, want := range []string{StrictModeNote, "Support history: 2.2 NOT_SUPPORTED_YET → 2.12 SUPPORTED",
		"Names: 2.2 torch_sym_min → 2.11 unsupported_operator", "You can rewrite the example above",
		"(https://pytorch.org/docs/main/generated/exportdb/index.html#dynamic-shape-round)"} {
		if !strings.Contains(index, want) {
			t.Errorf("index.md lacks %q", want)
		}
	}
}

var (
	hrefRE   = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	idRE     = regexp.MustCompile(`id="([^"]*)"`)
	remoteRE = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+`)
)

func TestHTML(t *testing.T) {
	cat := exportDBOnly(t)
	pages, err := Pages(cat, FormatHTML, Options{DocVersion: "2.5"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	ids := map[string]map[string]bool{}
	for _, p := range pages {
		byName[p.Name] = string(p.Content)
		ids[p.Name] = map[string]bool{}
		for _, m := range idRE.FindAllStringSubmatch(string(p.Content), -1) {
			if ids[p.Name][m[1]] {
				t.Errorf("%s: id %q used twice", p.Name, m[1])
			}
			ids[p.Name][m[1]] = true
		}
	}
	if got, want := keys(byName), wantPageNames(cat, "html"); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	index := byName["index.html"]
	for _, c := range cat.Cases() {
		if !ids["index.html"][anchor(c.Name)] {
			t.Errorf("index.html has no card #%s", anchor(c.Name))
		}
	}
	for _, tg := range cat.Tags() {
		if tg.Toctree && !strings.Contains(index, `href="`+tg.Name+`.html"`) {
			t.Errorf("index.html does not link %s.html", tg.Name)
		}
		if tg.Toctree {
			var got []string
			for _, m := range regexp.MustCompile(`<section class="case" id="([^"]+)"`).FindAllStringSubmatch(byName[tg.Name+".html"], -1) {
				got = append(got, m[1])
			}
			var want []string
			for _, c := range cat.WithTag(tg.Name) {
				want = append(want, anchor(c.Name))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s.html has cards %v, want %v", tg.Name, got, want)
			}
		}
	}
	for name, page := range byName {
		if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
			t.Errorf("%s: not a whole HTML document", name)
		}
		for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url("} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: contains %q; the site must be self-contained", name, bad)
			}
		}
		for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
			ref := m[1]
			if remoteRE.MatchString(ref) {
				if !strings.HasPrefix(ref, "https://pytorch.org/docs/2.5/") {
					t.Errorf("%s: remote reference %q; only pytorch.org docs links are allowed", name, ref)
				}
				continue
			}
			if strings.HasPrefix(m[0], "src=") {
				t.Errorf("%s: loads %q", name, ref)
			}
			file, frag, _ := strings.Cut(ref, "#")
			if file == "" {
				file = name
			}
			if _, ok := byName[file]; !ok {
				t.Errorf("%s: link %q to a page the site does not have", name, ref)
			} else if frag != "" && !ids[file][frag] {
				t.Errorf("%s: link %q to a missing anchor", name, ref)
			}
		}
		// Outside links and tags, no remote URL appears anywhere (CSS, text).
		for _, u := range regexp.MustCompile(`https?://[^\s"<]+`).FindAllString(page, -1) {
			if !strings.HasPrefix(u, "https://pytorch.org/") {
				t.Errorf("%s: mentions %q", name, u)
			}
		}
	}
	for _, want := range []string{esc(StrictModeNote), "torch 2.13", "2.2 NOT_SUPPORTED_YET → 2.10 SUPPORTED",
		"&lt;function sym_min at 0x7fee4a397040&gt;",
		// descriptions render their Markdown; examples are highlighted; the navigation wraps
		"<li>match arguments of <code>true_fn</code> and <code>false_fn</code></li>",
		"<p>NOTE: If the <code>pred</code> is test on a dim with batch size &lt; 2, it will be specialized.</p>",
		`<pre class="py"><code><span class="k">import</span> torch`,
		"flex-wrap: wrap", `<div class="scroll"><table class="levels">`} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

func TestCard(t *testing.T) {
	cat := catalog.Default()
	sym, _ := cat.Lookup("unsupported_operator")
	opt := CardOptions{Version: catalog.MustParseVersion("2.11"), Newest: cat.LatestVersion()}
	plain := Card(sym, opt)
	if strings.Contains(plain, "\x1b") {
		t.Error("plain card has ANSI escapes")
	}
	for _, want := range []string{
		"torch_sym_min", sym.Description, "torch.operator", "NOT_SUPPORTED_YET in torch 2.11",
		"2.2 NOT_SUPPORTED_YET → 2.12 SUPPORTED", "2.2 torch_sym_min → 2.11 unsupported_operator",
		"Result in torch 2.11", "Unsupported: torch.* op returned non-Tensor\n",
		"Result in torch 2.2", "<function sym_min at 0x7fee4a397040>",
		"    import torch\n", "https://pytorch.org/docs/main/generated/exportdb/index.html#torch-sym-min",
		StrictModeNote,
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("card lacks %q:\n%s", want, plain)
		}
	}
	if strings.Count(plain, "describe strict mode") != 1 {
		t.Errorf("the strict-mode note should be said once")
	}
	opt.Color = true
	color := Card(sym, opt)
	if !strings.Contains(color, ansiGreen) || !strings.Contains(color, ansiRed) || !strings.Contains(color, ansiReset) {
		t.Error("coloured card has no colours")
	}
	if stripANSI(color) != plain {
		t.Errorf("the coloured card says something else than the plain one:\n%s", firstDiff(stripANSI(color), plain))
	}

	tr, _ := cat.Lookup("type_reflection_method")
	if c := Card(tr, CardOptions{}); !strings.Contains(c, "Rewrite\n    class TypeReflectionMethodRewrite") ||
		!strings.Contains(c, "SUPPORTED in torch 2.2") || strings.Contains(c, "Result in torch 2.2 (") == false {
		t.Errorf("type_reflection_method card:\n%s", c)
	}
	round, _ := cat.Lookup("dynamic_shape_round")
	c := Card(round, CardOptions{Version: catalog.MustParseVersion("2.0"), Newest: cat.LatestVersion()})
	if !strings.Contains(c, "nothing before 2.2 is recorded") || strings.Contains(c, "Result in torch 2.0") {
		t.Errorf("card before the base version:\n%s", c)
	}
	c = Card(round, CardOptions{Version: catalog.MustParseVersion("3.0"), Newest: cat.LatestVersion()})
	if !strings.Contains(c, "records up to 2.13") || !strings.Contains(c, "Constraints violated (dim0_x)!") {
		t.Errorf("card after the newest version:\n%s", c)
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }

func TestTimelines(t *testing.T) {
	cat := catalog.Default()
	for name, want := range map[string][2]string{
		"torch_sym_min":       {"2.2 NOT_SUPPORTED_YET → 2.12 SUPPORTED; non-strict: 2.2 NOT_SUPPORTED_YET → 2.11 SUPPORTED", "2.2 torch_sym_min → 2.11 unsupported_operator"},
		"model_attr_mutation": {"2.2 NOT_SUPPORTED_YET → 2.10 SUPPORTED", ""},
		"dynamic_shape_round": {"2.2 NOT_SUPPORTED_YET", ""},
		"static_if":           {"2.2 SUPPORTED", ""},
	} {
		k, _ := cat.Lookup(name)
		if got := LevelTimeline(k); got != want[0] {
			t.Errorf("LevelTimeline(%s) = %q, want %q", name, got, want[0])
		}
		if got := NameTimeline(k); got != want[1] {
			t.Errorf("NameTimeline(%s) = %q, want %q", name, got, want[1])
		}
	}
}

func TestFence(t *testing.T) {
	if got := fence("a\n", "python"); got != "```python\na\n```\n" {
		t.Errorf("fence = %q", got)
	}
	if got := fence("x = '```'\n", ""); got != "````\nx = '```'\n````\n" {
		t.Errorf("fence around backticks = %q", got)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"rst": FormatRST, "md": FormatMarkdown, "markdown": FormatMarkdown, "HTML": FormatHTML} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf) succeeded")
	}
	if _, err := Pages(catalog.Default(), Format("pdf"), Options{}); err == nil {
		t.Error("Pages(pdf) succeeded")
	}
}
