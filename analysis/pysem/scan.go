package pysem

import (
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

// logicalStatements returns the statements of src that may be imports, one string each:
// physical lines joined across brackets and backslash continuations, strings and comments
// removed, split at semicolons.
func logicalStatements(src []byte) []string {
	var out []string
	var cur strings.Builder
	depth := 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		for _, part := range strings.Split(s, ";") {
			part = strings.TrimSpace(part)
			if strings.HasPrefix(part, "import") || strings.HasPrefix(part, "from") {
				out = append(out, part)
			}
		}
	}
	n := len(src)
	for i := 0; i < n; i++ {
		c := src[i]
		switch {
		case c == '#':
			for i < n && src[i] != '\n' {
				i++
			}
			i--
		case c == '\'' || c == '"':
			i = skipString(src, i) - 1
			cur.WriteString(" s ") // a placeholder keeps the statement's shape
		case c == '\\' && i+1 < n && (src[i+1] == '\n' || src[i+1] == '\r'):
			i++
			if src[i] == '\r' && i+1 < n && src[i+1] == '\n' {
				i++
			}
			cur.WriteByte(' ')
		case c == '(' || c == '[' || c == '{':
			depth++
			cur.WriteByte(c)
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			cur.WriteByte(c)
		case c == '\n' || c == '\r':
			if depth == 0 {
				flush()
			} else {
				cur.WriteByte(' ')
			}
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
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
