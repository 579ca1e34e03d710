package pysem

import (
	"bytes"
	"strings"
)

// ScanImports lists the qualified names the import statements of src refer to (as Import.Qual,
// ImportedModules and StarImports would after a parse: "torch", "pkg.layers.PatchEmbed",
// relative imports resolved against mod), without parsing: a scan of the source's logical
// lines that skips strings and comments. It may list more than a parse would (an import in
// a string it misreads), never less for code that parses; `exportdb check` uses it to tell,
// before parsing anything, which files import each other.
func ScanImports(src []byte, mod Module) []string {
	var out []string
	for _, stmt := range logicalStatements(src) {
		out = appendImports(out, stmt, mod)
	}
	return out
}

// logicalStatements returns the statements of src that may be imports, one string each,
// with strings and comments removed and lines joined across brackets and backslashes. A
// line is looked at only when it starts (after indentation, or after "x:" on one line) with
// "import" or "from"; every other line is skipped at memchr speed. A line inside a string
// that happens to read like an import is taken for one: the scan may list too much,
// never too little.
func logicalStatements(src []byte) []string {
	var out []string
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\f') {
			j++
		}
		rest := src[j:]
		if hasKeyword(rest, "import") || hasKeyword(rest, "from") {
			stmt, next := statementAt(src, j)
			if stmt != "" {
				out = append(out, stmt)
			}
			i = next
			continue
		}
		// a compound statement with a simple one after its colon: try: import x
		if k := bytes.IndexByte(rest[:lineLen(rest)], ':'); k >= 0 {
			line := rest[k+1 : lineLen(rest)]
			after := bytes.TrimLeft(line, " \t")
			if hasKeyword(after, "import") || hasKeyword(after, "from") {
				stmt, next := statementAt(src, j+k+1+len(line)-len(after))
				if stmt != "" {
					out = append(out, stmt)
				}
				i = next
				continue
			}
		}
		nl := bytes.IndexByte(src[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return out
}

// lineLen is the length of b's first line.
func lineLen(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i
	}
	return len(b)
}

// statementAt reads the logical statement starting at src[i]: up to its end at a newline
// outside brackets, a semicolon or a comment; it returns it and where scanning goes on.
func statementAt(src []byte, i int) (string, int) {
	var cur []byte
	depth := 0
	n := len(src)
	for ; i < n; i++ {
		c := src[i]
		switch {
		case c == '#':
			for i < n && src[i] != '\n' {
				i++
			}
			i--
		case c == '\'' || c == '"':
			i = skipString(src, i) - 1
			cur = append(cur, " s "...) // a placeholder keeps the statement's shape
		case c == '\\' && i+1 < n && (src[i+1] == '\n' || src[i+1] == '\r'):
			i++
			if src[i] == '\r' && i+1 < n && src[i+1] == '\n' {
				i++
			}
			cur = append(cur, ' ')
		case c == '(' || c == '[' || c == '{':
			depth++
			cur = append(cur, c)
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			cur = append(cur, c)
		case c == '\n' || c == '\r':
			if depth == 0 {
				return strings.TrimSpace(string(cur)), i + 1
			}
			cur = append(cur, ' ')
		case c == ';' && depth == 0:
			return strings.TrimSpace(string(cur)), i + 1
		default:
			cur = append(cur, c)
		}
	}
	return strings.TrimSpace(string(cur)), n
}

// hasKeyword reports whether b starts with the keyword kw followed by a non-identifier byte.
func hasKeyword(b []byte, kw string) bool {
	if len(b) < len(kw) || string(b[:len(kw)]) != kw {
		return false
	}
	if len(b) == len(kw) {
		return true
	}
	c := b[len(kw)]
	return !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80)
}

// skipString returns the index just past the string literal starting at src[i] (a quote;
// prefixes such as f or rb are ordinary letters before it), handling triple quotes and
// escapes. An unterminated single-quoted string ends at the line's end.
func skipString(src []byte, i int) int {
	q := src[i]
	n := len(src)
	if i+2 < n && src[i+1] == q && src[i+2] == q {
		for j := i + 3; j < n; j++ {
			if src[j] == '\\' {
				j++
				continue
			}
			if src[j] == q && j+2 < n && src[j+1] == q && src[j+2] == q {
				return j + 3
			}
		}
		return n
	}
	for j := i + 1; j < n; j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n', '\r':
			return j
		}
	}
	return n
}

// appendImports adds the names an import statement refers to.
func appendImports(out []string, stmt string, mod Module) []string {
	fields := strings.FieldsFunc(stmt, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '(' || r == ')' })
	if len(fields) < 2 {
		return out
	}
	switch fields[0] {
	case "import":
		for i := 1; i < len(fields); i++ {
			if fields[i] == "as" {
				i++ // skip the alias
				continue
			}
			if isDotted(fields[i]) {
				out = append(out, fields[i])
			}
		}
	case "from":
		from := fields[1]
		level := len(from) - len(strings.TrimLeft(from, "."))
		base := from
		if level > 0 {
			rest := from[level:]
			if rest != "" && !isDotted(rest) {
				return out
			}
			base = ResolveRelative(mod, level, rest)
		} else if !isDotted(from) {
			return out
		}
		if len(fields) < 3 || fields[2] != "import" {
			return out
		}
		out = append(out, base)
		for i := 3; i < len(fields); i++ {
			if fields[i] == "as" {
				i++
				continue
			}
			if fields[i] == "*" || !isDotted(fields[i]) {
				continue
			}
			out = append(out, joinQual(base, fields[i]))
		}
	}
	return out
}

func isDotted(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !isIdentifier(part) {
			return false
		}
	}
	return true
}
