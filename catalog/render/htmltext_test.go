package render

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

func TestMarkdownHTML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"soft breaks join a paragraph", "one\ntwo", "<p>one\ntwo</p>\n"},
		{"blank lines separate paragraphs", "one\n\n\ntwo", "<p>one</p>\n<p>two</p>\n"},
		{"hard breaks", "one  \ntwo\\\nthree", "<p>one<br>\ntwo<br>\nthree</p>\n"},
		{"code spans", "use `allow_in_graph` and ``a ` b``", "<p>use <code>allow_in_graph</code> and <code>a ` b</code></p>\n"},
		{"a code span with its padding", "`` `x` ``", "<p><code>`x`</code></p>\n"},
		{"an unmatched backtick is text", "a ` b", "<p>a ` b</p>\n"},
		{"text is escaped", "x < y & `a<b>`", "<p>x &lt; y &amp; <code>a&lt;b&gt;</code></p>\n"},
		{"a list after a paragraph line", "must be:\n- a list\n- `true_fn`\n\nNOTE: x",
			"<p>must be:</p>\n<ul>\n<li>a list</li>\n<li><code>true_fn</code></li>\n</ul>\n<p>NOTE: x</p>\n"},
		{"indented bullets and a wrapped item", "rules:\n  - one\n    continued\n  * two", "<p>rules:</p>\n<ul>\n<li>one continued</li>\n<li>two</li>\n</ul>\n"},
		{"a fence is Python", "see\n```\ndef f(y):\n    return y  # c\n```\nafter",
			"<p>see</p>\n<pre class=\"py\"><code><span class=\"k\">def</span> <span class=\"f\">f</span>(y):\n    <span class=\"k\">return</span> y  <span class=\"c\"># c</span></code></pre>\n<p>after</p>\n"},
		{"another language is not highlighted", "~~~text\ndef <x>\n~~~", "<pre><code>def &lt;x&gt;</code></pre>\n"},
		{"an unclosed fence runs to the end", "```\nx = 1", "<pre class=\"py\"><code>x = <span class=\"n\">1</span></code></pre>\n"},
		{"a dash without a space is text", "-1 is a size", "<p>-1 is a size</p>\n"},
		{"empty", "", ""},
	} {
		if got := markdownHTML(tc.in); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestHighlightPython(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"import torch", `<span class="k">import</span> torch`},
		{"class M(torch.nn.Module):", `<span class="k">class</span> <span class="f">M</span>(torch.nn.Module):`},
		{"    @torch.compile\n    def f(self): pass", `    <span class="d">@torch.compile</span>` + "\n" + `    <span class="k">def</span> <span class="f">f</span>(<span class="b">self</span>): <span class="k">pass</span>`},
		{`x = r"a\"b" + 'c' # done`, `x = <span class="s">r&#34;a\&#34;b&#34;</span> + <span class="s">&#39;c&#39;</span> <span class="c"># done</span>`},
		{"y = 1e-3 + .5 + 0x1F", `y = <span class="n">1e-3</span> + <span class="n">.5</span> + <span class="n">0x1F</span>`},
		{"a @ b", "a @ b"},
		{"\"\"\"doc\nstring\"\"\"\nx", `<span class="s">&#34;&#34;&#34;doc` + "\nstring" + `&#34;&#34;&#34;</span>` + "\nx"},
		{"s = 'unterminated\nnext", `s = <span class="s">&#39;unterminated</span>` + "\nnext"},
		{"len(x) if x is None else x", `<span class="b">len</span>(x) <span class="k">if</span> x <span class="k">is</span> <span class="k">None</span> <span class="k">else</span> x`},
		{"café = 1", "café = <span class=\"n\">1</span>"},
	} {
		if got := highlightPython(tc.in); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// TestHighlightKeepsText: over every example and rewrite of the catalog, and over hostile
// inputs, the highlighted HTML shows exactly the source: no text lost, added or reordered.
func TestHighlightKeepsText(t *testing.T) {
	srcs := []string{"", "'", `"""`, `r"\`, "@", "1e", "x = '''a\\''' b", "\x00\xff", "# only a comment"}
	for _, c := range catalog.Default().Cases() {
		srcs = append(srcs, c.Example, c.Rewrite)
	}
	for _, src := range srcs {
		out := highlightPython(src)
		if got := html.UnescapeString(tagRE.ReplaceAllString(out, "")); got != src {
			t.Errorf("highlighting changes the text of %q:\n%q", src[:min(len(src), 60)], got)
		}
		if strings.Count(out, "<span") != strings.Count(out, "</span>") {
			t.Errorf("unbalanced spans for %q", src[:min(len(src), 60)])
		}
	}
}

// TestDescriptionsKeepTheirWords: rendering a description as Markdown loses no word.
func TestDescriptionsKeepTheirWords(t *testing.T) {
	for _, c := range catalog.Default().Cases() {
		got := html.UnescapeString(tagRE.ReplaceAllString(markdownHTML(c.Description), ""))
		for _, w := range strings.Fields(strings.NewReplacer("`", " ", "```", " ").Replace(c.Description)) {
			if strings.HasPrefix(w, "-") && len(w) == 1 || w == "*" || w == "+" {
				continue // list markers
			}
			if !strings.Contains(got, w) {
				t.Errorf("%s: the rendered description lacks %q", c.Name, w)
			}
		}
	}
}

// FuzzHighlightPython: any input highlights without a panic and keeps its text.
func FuzzHighlightPython(f *testing.F) {
	for _, c := range catalog.Default().Cases() {
		f.Add(c.Example)
	}
	f.Add(`r"\`)
	f.Fuzz(func(t *testing.T, src string) {
		if got := html.UnescapeString(tagRE.ReplaceAllString(highlightPython(src), "")); got != src {
			t.Fatalf("text changed: %q -> %q", src, got)
		}
	})
}

// FuzzMarkdownHTML: any input renders without a panic, with balanced elements.
func FuzzMarkdownHTML(f *testing.F) {
	for _, c := range catalog.Default().Cases() {
		f.Add(c.Description)
	}
	f.Add("```\n- `a")
	f.Fuzz(func(t *testing.T, src string) {
		out := markdownHTML(src)
		for _, tag := range []string{"p", "ul", "li", "pre", "code", "span"} {
			if o, c := strings.Count(out, "<"+tag+">")+strings.Count(out, "<"+tag+" "), strings.Count(out, "</"+tag+">"); o != c {
				t.Fatalf("%d <%s> and %d </%s> for %q:\n%s", o, tag, c, tag, src, out)
			}
		}
	})
}
