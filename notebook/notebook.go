// Package notebook reads Jupyter notebooks (nbformat 4 .ipynb files) for exportdb: the
// code cells of a notebook become one virtual Python module that analysis reads like a
// file, positions in that module map back to cells, and fixes are written back into the
// cells' sources without touching anything else in the file.
//
// Start with Parse (the notebook file, with the byte span of every cell's source), then
// Notebook.Module (the virtual module: Module, module.go) and Notebook.Rewrite (write-back,
// write.go). IPython syntax that is not Python (line magics, shell escapes, help, cell
// magics) is blanked out of the module by Neutralize (ipython.go), keeping every byte
// offset, so that it neither breaks the parse nor produces findings.
//
// The language server does not read .ipynb files: its client sends the cells (LSP
// notebook document sync) and it builds a Module from them with NewPart and Assemble.
package notebook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Cell types of nbformat 4.
const (
	Code     = "code"
	Markdown = "markdown"
	Raw      = "raw"
)

// Notebook is a parsed .ipynb file. It keeps the file's bytes: Rewrite splices new cell
// sources into them.
type Notebook struct {
	Cells []Cell
	// Language is the notebook's language from its metadata (language_info.name, else
	// kernelspec.language), lowercased; "" when the metadata does not say.
	Language string

	raw   []byte
	nl    string // the file's line ending: "\n" or "\r\n"
	unit  string // one level of the file's indentation ("" in a file on one line)
	ascii bool   // the file escapes non-ASCII characters (json.dump(ensure_ascii=True))
	// compact: the file puts no space after a colon (minified), so none after a comma
	compact bool
}

// Cell is one cell of a notebook.
type Cell struct {
	Index  int    // 0-based position in the notebook's cells array (users see Index+1)
	Type   string // Code, Markdown, Raw, or whatever else the file says
	Source string // the cell's text: the source string, or its list of lines joined
	// Language is the cell's own language when its metadata names one (VS Code writes
	// metadata.vscode.languageId for a cell whose language differs from the notebook's);
	// "" otherwise.
	Language string

	src  span     // the source value in the file
	list bool     // the source is a list of strings (else one string)
	toks []span   // the string tokens of the source, in order
	text []string // the decoded text of each token
}

// Python reports whether the notebook's code is Python: its metadata says so, or says
// nothing.
func (nb *Notebook) Python() bool { return isPython(nb.Language) }

// Python reports whether c is a code cell in Python (Jupyter runs code cells in the
// notebook's kernel unless the cell's metadata names another language).
func (c *Cell) Python() bool { return c.Type == Code && isPython(c.Language) }

func isPython(lang string) bool {
	return lang == "" || lang == "python" || strings.HasPrefix(lang, "python") || lang == "ipython" || strings.HasPrefix(lang, "ipython")
}

// Bytes returns the file's bytes as parsed.
func (nb *Notebook) Bytes() []byte { return nb.raw }

// Error is a notebook that cannot be read: not UTF-8, not JSON, not nbformat 4, or a cell
// whose source is not text. Offset is the byte offset in the file where the problem is,
// or -1.
type Error struct {
	Offset int
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// Parse reads a notebook file. Every problem is an *Error; Parse never guesses at what a
// malformed file meant, so a notebook it accepts can be written back losslessly.
func Parse(raw []byte) (*Notebook, error) {
	body := 0
	if len(raw) >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf {
		body = 3 // a UTF-8 byte order mark: kept, and skipped by the JSON reader
	}
	if !utf8.Valid(raw) {
		at := 0
		for at < len(raw) {
			r, n := utf8.DecodeRune(raw[at:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			at += n
		}
		return nil, &Error{Offset: at, Reason: "notebook is not valid UTF-8"}
	}
	if !json.Valid(raw[body:]) {
		var v any
		err := json.Unmarshal(raw[body:], &v)
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, &Error{Offset: body + max(int(se.Offset)-1, 0), Reason: "notebook is not valid JSON: " + se.Error()}
		case errors.Is(err, io.ErrUnexpectedEOF) || err != nil && strings.Contains(err.Error(), "unexpected end"):
			return nil, &Error{Offset: len(raw), Reason: "notebook is not valid JSON: unexpected end of file"}
		}
		return nil, &Error{Offset: -1, Reason: "notebook is not valid JSON"}
	}
	s := scanner{raw}
	top := s.ws(body)
	if raw[top] != '{' {
		return nil, &Error{Offset: top, Reason: "not a notebook: the file holds " + kind(raw[top]) + ", not a JSON object"}
	}
	nb := &Notebook{raw: raw, nl: "\n"}
	if strings.Contains(string(raw), "\r\n") {
		nb.nl = "\r\n"
	}
	ms := s.members(top)
	nb.unit = indentUnit(raw, top, ms)
	if len(ms) > 0 {
		ke := s.stringEnd(ms[0].keyAt)
		nb.compact = string(raw[ke:ms[0].val.start]) == ":"
	}
	nb.ascii = escapesNonASCII(raw)

	v, ok := last(ms, "nbformat")
	if !ok {
		return nil, &Error{Offset: top, Reason: "not a notebook: no nbformat key"}
	}
	if f := string(raw[v.val.start:v.val.end]); f != "4" {
		if raw[v.val.start] == '"' || raw[v.val.start] == '{' || raw[v.val.start] == '[' {
			return nil, &Error{Offset: v.val.start, Reason: fmt.Sprintf("not a notebook: nbformat is %s, want the number 4", kind(raw[v.val.start]))}
		}
		return nil, &Error{Offset: v.val.start, Reason: fmt.Sprintf("nbformat %s is not supported (want 4); convert the notebook with `jupyter nbconvert --to notebook --nbformat 4`", f)}
	}
	if md, ok := last(ms, "metadata"); ok && raw[md.val.start] == '{' {
		nb.Language = metadataLanguage(raw[md.val.start:md.val.end])
	}
	cells, ok := last(ms, "cells")
	if !ok {
		return nil, &Error{Offset: top, Reason: "not a notebook: no cells key"}
	}
	if raw[cells.val.start] != '[' {
		return nil, &Error{Offset: cells.val.start, Reason: "not a notebook: cells is " + kind(raw[cells.val.start]) + ", want an array"}
	}
	for i, el := range s.elems(cells.val.start) {
		c, err := parseCell(s, i, el)
		if err != nil {
			return nil, err
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb, nil
}

func parseCell(s scanner, i int, el span) (Cell, error) {
	raw := s.b
	c := Cell{Index: i}
	where := fmt.Sprintf("cell %d", i+1)
	if raw[el.start] != '{' {
		return c, &Error{Offset: el.start, Reason: fmt.Sprintf("%s is %s, want an object", where, kind(raw[el.start]))}
	}
	ms := s.members(el.start)
	ct, ok := last(ms, "cell_type")
	if !ok {
		return c, &Error{Offset: el.start, Reason: where + " has no cell_type"}
	}
	if raw[ct.val.start] != '"' {
		return c, &Error{Offset: ct.val.start, Reason: fmt.Sprintf("%s: cell_type is %s, want a string", where, kind(raw[ct.val.start]))}
	}
	c.Type, _ = decodeString(raw[ct.val.start:ct.val.end])
	src, ok := last(ms, "source")
	if !ok {
		return c, &Error{Offset: el.start, Reason: where + " has no source"}
	}
	c.src = src.val
	switch raw[src.val.start] {
	case '"':
		c.toks = []span{src.val}
	case '[':
		c.list = true
		for j, e := range s.elems(src.val.start) {
			if raw[e.start] != '"' {
				return c, &Error{Offset: e.start, Reason: fmt.Sprintf("%s: source line %d is %s, want a string", where, j+1, kind(raw[e.start]))}
			}
			c.toks = append(c.toks, e)
		}
	default:
		return c, &Error{Offset: src.val.start, Reason: fmt.Sprintf("%s: source is %s, want a string or a list of strings", where, kind(raw[src.val.start]))}
	}
	var b strings.Builder
	for _, t := range c.toks {
		text, err := decodeString(raw[t.start:t.end])
		if err != nil {
			return c, &Error{Offset: t.start, Reason: where + ": source " + err.Error()}
		}
		c.text = append(c.text, text)
		b.WriteString(text)
	}
	c.Source = b.String()
	if md, ok := last(ms, "metadata"); ok && raw[md.val.start] == '{' {
		var m struct {
			VSCode struct {
				LanguageID string `json:"languageId"`
			} `json:"vscode"`
		}
		if json.Unmarshal(raw[md.val.start:md.val.end], &m) == nil {
			c.Language = strings.ToLower(m.VSCode.LanguageID)
		}
	}
	return c, nil
}

// metadataLanguage reads the notebook's language from its metadata object.
func metadataLanguage(md []byte) string {
	var m struct {
		LanguageInfo struct {
			Name any `json:"name"`
		} `json:"language_info"`
		Kernelspec struct {
			Language any `json:"language"`
		} `json:"kernelspec"`
	}
	if json.Unmarshal(md, &m) != nil {
		return ""
	}
	for _, v := range []any{m.LanguageInfo.Name, m.Kernelspec.Language} {
		if s, ok := v.(string); ok && s != "" {
			return strings.ToLower(s)
		}
	}
	return ""
}

// indentUnit is the whitespace before the first key of the top-level object, after the
// last line break: one level of the file's indentation (nbformat writes one space).
func indentUnit(raw []byte, top int, ms []member) string {
	if len(ms) == 0 {
		return ""
	}
	gap := string(raw[top+1 : ms[0].keyAt])
	i := strings.LastIndexAny(gap, "\n\r")
	if i < 0 {
		return ""
	}
	return gap[i+1:]
}

// escapesNonASCII reports whether a file holds only ASCII bytes and at least one \u
// escape of a non-ASCII character: it was written with ensure_ascii=True.
func escapesNonASCII(raw []byte) bool {
	seen := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c >= 0x80 {
			return false
		}
		if c == '\\' && i+1 < len(raw) {
			if raw[i+1] == 'u' && i+5 < len(raw) && hex4(raw[i+2:i+6]) >= 0x80 {
				seen = true
			}
			i++
		}
	}
	return seen
}
