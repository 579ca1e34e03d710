package render

import (
	"strings"
)

// The HTML site renders the Markdown that case descriptions and notes are written in (the
// docstrings of ExportDB's examples use code spans, bullet lists and fenced code) and
// highlights Python source, on the server side: the pages stay free of scripts.

// markdownHTML renders the Markdown subset the catalog's prose uses as HTML blocks:
// paragraphs separated by blank lines (a line break inside a paragraph is a soft break, which
// browsers show as a space; a line ending in two spaces or a backslash is a hard break),
// bullet lists ("- ", "* " or "+ ", indented up to three spaces, also right after a
// paragraph line), fenced code blocks (``` or ~~~; Python is highlighted unless another
// language is named) and, inside text, code spans. Everything else is text, escaped.
func markdownHTML(src string) string {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var b strings.Builder
	var para, items []string
	flushPara := func() {
		if len(para) == 0 {
			return
		}
		b.WriteString("<p>")
		for i, l := range para {
			hard := strings.HasSuffix(l, "  ") || strings.HasSuffix(l, `\`)
			l = strings.TrimRight(strings.TrimSpace(l), `\`)
			b.WriteString(inlineHTML(strings.TrimSpace(l)))
			if i < len(para)-1 {
				if hard {
					b.WriteString("<br>")
				}
				b.WriteString("\n")
			}
		}
		b.WriteString("</p>\n")
		para = para[:0]
	}
	flushList := func() {
		if len(items) == 0 {
			return
		}
		b.WriteString("<ul>\n")
		for _, it := range items {
			b.WriteString("<li>" + inlineHTML(it) + "</li>\n")
		}
		b.WriteString("</ul>\n")
		items = items[:0]
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		indent := len(l) - len(trimmed)
		if fence := fenceMarker(trimmed); fence != "" && indent < 4 {
			flushPara()
			flushList()
			lang := strings.TrimSpace(trimmed[len(fence):])
			var code []string
			for i++; i < len(lines); i++ {
				if t := strings.TrimLeft(lines[i], " "); strings.HasPrefix(t, fence) && strings.TrimSpace(t[len(fence):]) == "" {
					break
				}
				code = append(code, dedentBy(lines[i], indent))
			}
			text := strings.Join(code, "\n")
			if lang == "" || lang == "python" || lang == "py" {
				b.WriteString(`<pre class="py"><code>` + highlightPython(text) + "</code></pre>\n")
			} else {
				b.WriteString("<pre><code>" + esc(text) + "</code></pre>\n")
			}
			continue
		}
		if item, ok := bulletItem(trimmed); ok && indent < 4 {
			flushPara()
			items = append(items, item)
			continue
		}
		if strings.TrimSpace(l) == "" {
			flushPara()
			flushList()
			continue
		}
		if len(items) > 0 && indent > 0 {
			items[len(items)-1] += " " + strings.TrimSpace(l) // a wrapped list item
			continue
		}
		flushList()
		para = append(para, l)
	}
	flushPara()
	flushList()
	return b.String()
}

// fenceMarker returns the fence a line opens (``` or ~~~, three or more), or "".
func fenceMarker(line string) string {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(line) && line[n] == c {
			n++
		}
		if n >= 3 && (c == '~' || !strings.Contains(line[n:], "`")) {
			return line[:n]
		}
	}
	return ""
}

// bulletItem returns the text of a bullet list item line ("- text"), and whether it is one.
func bulletItem(line string) (string, bool) {
	if len(line) >= 2 && strings.IndexByte("-*+", line[0]) >= 0 && (line[1] == ' ' || line[1] == '\t') {
		return strings.TrimSpace(line[2:]), true
	}
	return "", false
}

// dedentBy removes up to n leading spaces.
func dedentBy(line string, n int) string {
	for n > 0 && strings.HasPrefix(line, " ") {
		line, n = line[1:], n-1
	}
	return line
}

// inlineHTML escapes text and renders its code spans: a run of backticks up to the next run
// of the same length (one leading and one trailing space are dropped when both are there);
// an unmatched run stays literal.
func inlineHTML(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(esc(s))
			return b.String()
		}
		n := i
		for n < len(s) && s[n] == '`' {
			n++
		}
		run := s[i:n]
		end := closingRun(s[n:], len(run))
		if end < 0 {
			b.WriteString(esc(s[:n]))
			s = s[n:]
			continue
		}
		b.WriteString(esc(s[:i]))
		code := strings.ReplaceAll(s[n:n+end], "\n", " ")
		if len(code) > 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.Trim(code, " ") != "" {
			code = code[1 : len(code)-1]
		}
		b.WriteString("<code>" + esc(code) + "</code>")
		s = s[n+end+len(run):]
	}
}

// closingRun returns the offset in s of the first run of exactly n backticks, or -1.
func closingRun(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		if j-i == n {
			return i
		}
		i = j
	}
	return -1
}

// pyKeywords and pyBuiltins are the names the highlighter marks.
var (
	pyKeywords = wordSet(`False None True and as assert async await break class continue def del elif else
		except finally for from global if import in is lambda nonlocal not or pass raise return try while
		with yield match case`)
	pyBuiltins = wordSet(`abs all any bool dict enumerate float getattr hasattr int isinstance len list map
		max min object print range repr round setattr sorted str sum super tuple type zip self cls`)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// highlightPython returns Python source as escaped HTML in which comments, strings, numbers,
// keywords, builtins, decorators and the names that def and class introduce are wrapped in
// <span class="c|s|n|k|b|d|f">. It is a lexer, not a parser: it never fails, and the text
// of its output (tags removed, entities decoded) is the input unchanged.
func highlightPython(src string) string {
	var b strings.Builder
	span := func(class, text string) {
		b.WriteString(`<span class="` + class + `">` + esc(text) + "</span>")
	}
	lineStart := true // only whitespace since the last newline
	nameNext := false // the previous word was def or class
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			b.WriteByte('\n')
			i++
			lineStart = true
			continue
		case c == ' ' || c == '\t':
			b.WriteByte(c)
			i++
			continue
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			span("c", src[i:i+j])
			i += j
		case c == '@' && lineStart:
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.') {
				j++
			}
			span("d", src[i:j])
			i = j
		case c == '"' || c == '\'':
			j := stringEnd(src, i)
			span("s", src[i:j])
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '.' || (src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E')) {
				j++
			}
			span("n", src[i:j])
			i = j
		case isIdentByte(c):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			word := src[i:j]
			if j < len(src) && (src[j] == '"' || src[j] == '\'') && len(word) <= 2 && strings.Trim(strings.ToLower(word), "rbuf") == "" {
				k := stringEnd(src, j) // a prefixed string: r"...", b'...', f"..."
				span("s", src[i:k])
				i = k
				break
			}
			switch {
			case nameNext:
				span("f", word)
			case pyKeywords[word]:
				span("k", word)
			case pyBuiltins[word]:
				span("b", word)
			default:
				b.WriteString(esc(word))
			}
			nameNext = word == "def" || word == "class"
			i = j
			lineStart = false
			continue
		default:
			b.WriteString(esc(src[i : i+1]))
			i++
		}
		lineStart = false
		nameNext = false
	}
	return b.String()
}

// isIdentByte reports whether c can be part of a Python name (non-ASCII bytes count: they
// belong to Unicode identifiers or to text the lexer passes through unchanged).
func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// stringEnd returns the offset just past the string literal whose quote is at src[i]: a
// triple-quoted string may span lines, a single-quoted one ends at its line; a backslash
// escapes the next byte; an unterminated string ends at the end of its line (or source).
func stringEnd(src string, i int) int {
	q := src[i]
	if strings.HasPrefix(src[i:], strings.Repeat(string(q), 3)) {
		delim := src[i : i+3]
		for j := i + 3; j < len(src); j++ {
			if src[j] == '\\' {
				j++
				continue
			}
			if strings.HasPrefix(src[j:], delim) {
				return j + 3
			}
		}
		return len(src)
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n':
			return j
		}
	}
	return len(src)
}
