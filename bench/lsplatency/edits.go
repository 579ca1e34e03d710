package main

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// edit is one single-character change: insert ins at off, or delete the del bytes at off.
type edit struct {
	off int
	del int
	ins string
}

// apply returns text after the edit.
func (e edit) apply(text string) string {
	return text[:e.off] + e.ins + text[e.off+e.del:]
}

// change is the edit as an incremental TextDocumentContentChangeEvent on text, with
// UTF-16 positions (what VS Code sends; rangeLength is deprecated and left out).
func (e edit) change(text string) map[string]any {
	return map[string]any{
		"range": map[string]any{"start": position(text, e.off), "end": position(text, e.off+e.del)},
		"text":  e.ins,
	}
}

// position converts a byte offset to an LSP position in UTF-16 code units.
func position(text string, off int) map[string]int {
	start := strings.LastIndexByte(text[:off], '\n') + 1
	line := strings.Count(text[:start], "\n")
	char := 0
	for _, r := range text[start:off] {
		if r == utf8.RuneError {
			char++
			continue
		}
		char += len(utf16.Encode([]rune{r}))
	}
	return map[string]int{"line": line, "character": char}
}

// site is a place where a word is typed and then deleted again, one character at a time.
type site struct {
	off  int
	word string
}

// planEdits plans n single-character edits on text: a word typed into an assignment in a
// forward method near the middle of the file and deleted again with backspace, alternating
// with an arithmetic tail typed at the end of that line (which leaves the line invalid
// for two keystrokes: "x + " is a syntax error until the 1 is typed); every fifth word goes
// elsewhere: the first and the last forward of the file, and the first import line. Each
// word is deleted after it is typed, so the text returns to the original after every
// 2*len(word) edits.
func planEdits(text string, n int) ([]edit, []site, error) {
	fwd := forwardAssignments(text)
	if len(fwd) == 0 {
		return nil, nil, errors.New("no assignment statement inside a forward method to type into")
	}
	mid := fwd[0]
	for _, a := range fwd {
		if abs(a.nameEnd-len(text)/2) < abs(mid.nameEnd-len(text)/2) {
			mid = a
		}
	}
	main := []site{{mid.nameEnd, "_new"}, {mid.lineEnd, " + 1"}}
	others := []site{{fwd[0].nameEnd, "_tmp"}, {fwd[len(fwd)-1].nameEnd, "_out"}}
	if m := regexp.MustCompile(`(?m)^import [\w.]+$`).FindStringIndex(text); m != nil {
		others = append(others, site{m[1], ", os"})
	}
	var plan []edit
	for k := 0; len(plan) < n; k++ {
		s := main[k%2]
		if k%5 == 4 {
			s = others[(k/5)%len(others)]
		}
		for j := 0; j < len(s.word); j++ {
			plan = append(plan, edit{off: s.off + j, ins: s.word[j : j+1]})
		}
		for j := len(s.word) - 1; j >= 0; j-- {
			plan = append(plan, edit{off: s.off + j, del: 1})
		}
	}
	return plan[:n], append(main, others...), nil
}

// assignment is a one-line `name = expr` statement in a forward method's body.
type assignment struct {
	nameEnd int // byte offset just past the name
	lineEnd int // byte offset of the line's newline
}

var (
	forwardRE = regexp.MustCompile(`^(\s+)def forward\(`)
	assignRE  = regexp.MustCompile(`^(\s+)([A-Za-z_]\w*) = (.+)$`)
)

// forwardAssignments finds, for each forward method, the first one-line assignment of its
// body whose expression has balanced brackets and is complete on its line, in file order.
func forwardAssignments(text string) []assignment {
	var out []assignment
	lines := strings.SplitAfter(text, "\n")
	offs := make([]int, len(lines)+1)
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l)
	}
	for i := 0; i < len(lines); i++ {
		m := forwardRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent := len(m[1])
		depth := 0
		for j := i; j < len(lines); j++ {
			l := strings.TrimRight(lines[j], "\r\n")
			trimmed := strings.TrimSpace(l)
			if j > i && trimmed != "" && depth == 0 && len(l)-len(strings.TrimLeft(l, " \t")) <= indent {
				break // end of the method
			}
			if j > i && depth == 0 {
				if a := assignRE.FindStringSubmatch(l); a != nil && len(a[1]) > indent && complete(a[3]) {
					out = append(out, assignment{nameEnd: offs[j] + len(a[1]) + len(a[2]), lineEnd: offs[j] + len(l)})
					break
				}
			}
			depth += bracketDepth(l)
		}
	}
	return out
}

// complete reports whether an expression is whole on its line: balanced brackets, no
// comment or string (brackets inside them are not counted), no continuation.
func complete(expr string) bool {
	if strings.ContainsAny(expr, "#'\"\\") || bracketDepth(expr) != 0 {
		return false
	}
	last := expr[len(expr)-1]
	return strings.IndexByte(":,([{", last) < 0
}

func bracketDepth(s string) int {
	d := 0
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			d++
		case ')', ']', '}':
			d--
		}
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
