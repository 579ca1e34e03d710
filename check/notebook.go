package check

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/notebook"
)

// Jupyter notebooks. A *.ipynb file is checked as the virtual module of its Python code
// cells (package notebook): FileResult.Src is that module, and FileResult.nb maps its
// offsets back to cells. Positions in text, concise and json output are cell-relative
// (position.Cell is the 1-based cell number, as Jupyter users count cells, markdown cells
// included); SARIF and GitHub annotations point into the .ipynb file itself, where code
// scanning and pull requests show them, with the cell named alongside. Fixes are applied
// to the cells and written back into their sources (notebook.Rewrite): outputs, metadata
// and formatting are untouched.

// checkpointsDir is where Jupyter keeps autosaved copies of notebooks (and of .py files
// it edits); a walk never enters it: its files repeat the user's.
const checkpointsDir = ".ipynb_checkpoints"

// maxNotebookSize is the largest notebook file read. Outputs (plots, tables) make
// notebooks much larger than their code, whose module is held to syntax.MaxSourceSize
// like any source.
const maxNotebookSize = 128 << 20

const errNotebookTooLarge = "notebook is larger than 128 MiB"

// IsNotebook reports whether a file name is a Jupyter notebook's (*.ipynb).
func IsNotebook(name string) bool {
	return len(name) > len(".ipynb") && strings.EqualFold(name[len(name)-len(".ipynb"):], ".ipynb")
}

// notebookRead is a notebook as the run read it, for related places in it that findings
// in other files point to.
type notebookRead struct {
	file *notebook.Notebook
	mod  *notebook.Module
}

// notebookOf returns the notebook a related place in another file lies in, when that file
// is a notebook the run read (with the text the place refers to), else nil.
func (fr *FileResult) notebookOf(rel analysis.Related) *nbResult {
	if fr.run == nil || rel.Path == "" || !IsNotebook(rel.Path) {
		return nil
	}
	v, ok := fr.run.notebooks.Load(rel.Path)
	if !ok {
		return nil
	}
	nr := v.(*notebookRead)
	if string(nr.mod.Text) != string(rel.Src) {
		return nil
	}
	return newNBResult(nr.file, nr.mod)
}

// nbResult is the notebook of a FileResult.
type nbResult struct {
	file *notebook.Notebook // the file as read, or as written by --fix
	mod  *notebook.Module   // its module, which FileResult.Src is
	// lines[i] are the line start offsets of mod.Parts[i].Source, computed on demand;
	// rawLines those of the file.
	lines    map[int][]int
	rawLines []int
}

func newNBResult(file *notebook.Notebook, mod *notebook.Module) *nbResult {
	return &nbResult{file: file, mod: mod, lines: map[int][]int{}}
}

// partLines returns the line start offsets of part i's source.
func (n *nbResult) partLines(i int) []int {
	if ls, ok := n.lines[i]; ok {
		return ls
	}
	ls := lineStarts(n.mod.Parts[i].Source)
	n.lines[i] = ls
	return ls
}

func lineStarts(b []byte) []int {
	ls := []int{0}
	for i, c := range b {
		if c == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// pos converts an offset of the module to a cell position: cell number, line and column
// in the cell, byte offset in the cell's source.
func (n *nbResult) pos(off int) position {
	i, local := n.mod.Locate(off)
	if i < 0 {
		return position{Line: 1, Column: 1}
	}
	src := n.mod.Parts[i].Source
	ls := n.partLines(i)
	l := sort.Search(len(ls), func(k int) bool { return ls[k] > local }) - 1
	return position{Cell: n.mod.Parts[i].ID + 1, Line: l + 1, Column: utf8.RuneCount(src[ls[l]:local]) + 1, Offset: local}
}

// lineText returns the text of 1-based line l of cell (1-based) without its line ending.
func (n *nbResult) lineText(cell, l int) string {
	for i, p := range n.mod.Parts {
		if p.ID+1 != cell {
			continue
		}
		ls := n.partLines(i)
		if l < 1 || l > len(ls) {
			return ""
		}
		e := len(p.Source)
		if l < len(ls) {
			e = ls[l] - 1
		}
		s := ls[l-1]
		if e > s && p.Source[e-1] == '\r' {
			e--
		}
		return string(p.Source[s:e])
	}
	return ""
}

// clampEnd returns end, or the end of the cell holding start when end lies past it.
func (n *nbResult) clampEnd(start, end int) int {
	if i, _ := n.mod.Locate(start); i >= 0 {
		return min(end, n.mod.End(i))
	}
	return end
}

// cell returns the notebook cell of a part.
func (n *nbResult) cell(part int) *notebook.Cell {
	return &n.file.Cells[n.mod.Parts[part].ID]
}

// rawPos converts an offset of the module to a position in the .ipynb file (line and
// column in code points of its JSON text), the place the cell's source holds that text.
func (n *nbResult) rawPos(off int) position {
	raw := n.file.Bytes()
	at := 0
	if i, local := n.mod.Locate(off); i >= 0 {
		at = n.file.RawOffset(n.cell(i), local)
	}
	if n.rawLines == nil {
		n.rawLines = lineStarts(raw)
	}
	l := sort.Search(len(n.rawLines), func(k int) bool { return n.rawLines[k] > at }) - 1
	return position{Line: l + 1, Column: utf8.RuneCount(raw[n.rawLines[l]:at]) + 1, Offset: at}
}

// cellLocation is "cell 3:2:5", the text form of a cell position.
func cellLocation(p position) string {
	return fmt.Sprintf("cell %d:%d:%d", p.Cell, p.Line, p.Column)
}

// fixTarget is what the fix loop edits: a Python file's text, or a notebook's module,
// whose edits go into its cells.
type fixTarget struct {
	text []byte
	mod  *notebook.Module // nil for a Python file
}

// apply applies edits of the text.
func (ft fixTarget) apply(edits []analysis.Edit) (fixTarget, error) {
	if ft.mod == nil {
		next, err := analysis.ApplyEdits(ft.text, edits)
		return fixTarget{text: next}, err
	}
	m, err := ft.mod.Apply(edits)
	if err != nil {
		return fixTarget{}, err
	}
	return fixTarget{text: m.Text, mod: m}, nil
}

// errSyntax is why a fix that breaks the syntax is not applied.
var errSyntax = errors.New("it would introduce a syntax error")

// cellError is a source error (a NUL byte, ...) inside a notebook cell. The location says
// which cell and where, so the message does not repeat the byte offset, which is one of
// the virtual module.
type cellError struct{ fe *analysis.FileError }

func (e *cellError) Error() string { return e.fe.Reason }
func (e *cellError) Unwrap() error { return e.fe }

// readNotebook reads the notebook lf.src holds and makes lf.src its module. It reports
// false when there is nothing to analyse: a file error (in lf.err; lf.src keeps the file,
// for the error's position) or a notebook in another language than Python (lf.src nil).
func (lf *loadedFile) readNotebook() bool {
	raw := lf.src
	nb, err := notebook.Parse(raw)
	if err != nil {
		var ne *notebook.Error
		if errors.As(err, &ne) {
			err = &analysis.FileError{Offset: ne.Offset, Reason: ne.Reason}
		}
		lf.err = err
		return false
	}
	if !nb.Python() {
		lf.src = nil // an R or Julia notebook: nothing of ours in it
		return false
	}
	mod := nb.Module()
	lf.nb, lf.src = newNBResult(nb, mod), mod.Text
	return true
}

// notebookSourceError makes a source error of a notebook's module cell-relative.
func notebookSourceError(err error) error {
	var fe *analysis.FileError
	if errors.As(err, &fe) && fe.Offset >= 0 {
		return &cellError{fe}
	}
	return err
}

// fixedNotebook returns the notebook file after fixes: the old file with the sources of
// the cells that changed rewritten.
func fixedNotebook(nb *notebook.Notebook, mod *notebook.Module) []byte {
	sources := map[int]string{}
	for _, p := range mod.Parts {
		if string(p.Source) != nb.Cells[p.ID].Source {
			sources[p.ID] = string(p.Source)
		}
	}
	return nb.Rewrite(sources)
}

// notebookDiff is the unified diff of the cells fixes change, one per cell, each named
// "path:cell N" as the text format names cells.
func notebookDiff(path string, before, after *notebook.Module) string {
	var b strings.Builder
	for i, p := range after.Parts {
		old := before.Parts[i].Source
		if string(old) == string(p.Source) {
			continue
		}
		name := fmt.Sprintf("%s:cell %d", path, p.ID+1)
		b.WriteString(unifiedDiff(name, name, old, p.Source))
	}
	return b.String()
}

// sarifReplacements turns a fix's edits of the module into SARIF replacements in the
// .ipynb file: each cell it edits gets its source value replaced by the edited one, in
// the file's own JSON form. It reports false for a fix no cell can hold.
func (n *nbResult) sarifReplacements(edits []analysis.Edit) ([]sarifReplacement, bool) {
	byPart, err := n.mod.Split(edits)
	if err != nil {
		return nil, false
	}
	parts := make([]int, 0, len(byPart))
	for i := range byPart {
		parts = append(parts, i)
	}
	sort.Ints(parts)
	var out []sarifReplacement
	for _, i := range parts {
		src, err := analysis.ApplyEdits(n.mod.Parts[i].Source, byPart[i])
		if err != nil {
			return nil, false
		}
		c := n.cell(i)
		s, e := c.SourceSpan()
		out = append(out, sarifReplacement{
			DeletedRegion:   n.rawRegion(s, e),
			InsertedContent: sarifMessage{n.file.EncodeSource(c, string(src))},
		})
	}
	return out, true
}

// rawRegion is the SARIF region of the byte range [s, e) of the .ipynb file.
func (n *nbResult) rawRegion(s, e int) sarifRegion {
	raw := n.file.Bytes()
	if n.rawLines == nil {
		n.rawLines = lineStarts(raw)
	}
	at := func(off int) (int, int) {
		l := sort.Search(len(n.rawLines), func(k int) bool { return n.rawLines[k] > off }) - 1
		return l + 1, utf8.RuneCount(raw[n.rawLines[l]:off]) + 1
	}
	sl, sc := at(s)
	el, ec := at(e)
	return sarifRegion{StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec}
}
