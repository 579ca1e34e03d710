package config

import (
	"errors"
	"path"
	"strings"
)

// Pattern is one gitignore-style pattern, compiled: a line of a .gitignore file, an
// `exclude` entry or a `per-file-ignores` key. The syntax is git's (gitignore(5)):
//
//   - a leading "!" negates (re-includes); "\!" and "\#" start a literal ! or #;
//   - a trailing "/" matches directories only;
//   - a pattern with a "/" at the start or in the middle is anchored to its base directory;
//     one without matches at any depth ("*.pyc", "build/");
//   - "*" and "?" do not match "/"; "[a-z]" and "[!a-z]" are character classes;
//   - "**/" leading matches in every directory, "/**" trailing matches everything inside,
//     "/**/" matches zero or more directories; other "**" are plain "*"s.
//
// Trailing unescaped spaces are dropped, as git does.
type Pattern struct {
	text    string   // as written, for messages
	negate  bool     // "!pattern"
	dirOnly bool     // "pattern/"
	segs    []string // "/"-separated; "**" matches any number of segments
}

// ParsePattern compiles one pattern line. ok is false for lines that hold no pattern (blank
// lines, comments, a lone "!" or "/"); err is set for a malformed character class.
func ParsePattern(line string) (p Pattern, ok bool, err error) {
	p.text = line
	s := strings.TrimSuffix(line, "\r")
	if s == "" || s[0] == '#' {
		return p, false, nil
	}
	// trailing spaces are ignored unless escaped with a backslash
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\\ ") {
		s = s[:len(s)-1]
	}
	if strings.HasPrefix(s, "!") {
		p.negate = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") {
		p.dirOnly = true
		s = strings.TrimSuffix(s, "/")
	}
	anchored := strings.Contains(s, "/")
	s = strings.TrimPrefix(s, "/")
	if s == "" {
		return p, false, nil
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" {
			continue // "a//b" is "a/b"
		}
		if seg != "**" {
			seg = bangClass(seg)
			if _, err := path.Match(seg, ""); err != nil {
				return p, false, errors.New("malformed pattern " + quote(line) + ": unbalanced [ ] or a trailing backslash")
			}
		}
		p.segs = append(p.segs, seg)
	}
	if !anchored && (len(p.segs) == 0 || p.segs[0] != "**") {
		p.segs = append([]string{"**"}, p.segs...)
	}
	return p, true, nil
}

// bangClass turns fnmatch's "[!...]" negated class into path.Match's "[^...]".
func bangClass(seg string) string {
	if !strings.Contains(seg, "[!") {
		return seg
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '\\' && i+1 < len(seg) {
			b.WriteByte(c)
			b.WriteByte(seg[i+1])
			i++
			continue
		}
		b.WriteByte(c)
		if c == '[' && i+1 < len(seg) && seg[i+1] == '!' {
			b.WriteByte('^')
			i++
		}
	}
	return b.String()
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.text }

// Negated reports whether the pattern starts with "!" (re-includes what it matches).
func (p Pattern) Negated() bool { return p.negate }

// Match reports whether the pattern matches rel, a "/"-separated path relative to the
// pattern's base directory ("src/model.py"), naming a directory when isDir. It ignores
// negation: Negated says what a match means.
func (p Pattern) Match(rel string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	rel = strings.Trim(rel, "/")
	if rel == "" || rel == "." {
		return false
	}
	return matchSegs(p.segs, strings.Split(rel, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			if len(rest) == 0 {
				return len(name) > 0 // "a/**" matches what is inside a, not a itself
			}
			for i := 0; i <= len(name); i++ {
				if matchSegs(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// Excludes applies a list of patterns sharing one base directory the way git applies one
// .gitignore file: the last pattern that matches decides (a negated one re-includes), and a
// path inside an excluded directory stays excluded whatever later patterns say. rel is
// "/"-separated and relative to the base; isDir says whether rel itself is a directory.
func Excludes(pats []Pattern, rel string, isDir bool) bool {
	rel = strings.Trim(rel, "/")
	if rel == "" || rel == "." || len(pats) == 0 {
		return false
	}
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		if _, ex := Decide(pats, strings.Join(parts[:i], "/"), true); ex {
			return true
		}
	}
	_, ex := Decide(pats, rel, isDir)
	return ex
}

// Decide is the verdict of one .gitignore-style list for rel alone, parents not
// considered: matched is false when no pattern matches; otherwise excluded says whether the
// last matching pattern excludes (true) or re-includes (false). Tools that walk a tree and
// prune excluded directories (so parents are already known to be kept) combine the
// verdicts of nested files with it, deeper files overriding.
func Decide(pats []Pattern, rel string, isDir bool) (matched, excluded bool) {
	for i := len(pats) - 1; i >= 0; i-- {
		if pats[i].Match(rel, isDir) {
			return true, !pats[i].negate
		}
	}
	return false, false
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
