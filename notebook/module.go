package notebook

import (
	"errors"
	"fmt"
	"sort"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// Part is one code cell in a Module.
type Part struct {
	// ID identifies the cell to the caller: its index in the notebook (check) or in the
	// client's cell list (the language server).
	ID     int
	Source []byte  // the cell's text as written
	Code   []byte  // Neutralize(Source): the same length, IPython syntax blanked
	Magics []Range // the ranges Neutralize blanked; fixes never edit them
}

// NewPart makes the part of one code cell.
func NewPart(id int, source []byte) Part {
	code, magics := Neutralize(source)
	return Part{ID: id, Source: source, Code: code, Magics: magics}
}

// Module is the virtual Python module of a notebook's code cells: their neutralised code
// in order, each followed by a line break when it does not end with one (so the next cell
// starts on a line of its own). A name a cell defines is visible in the cells after it,
// as when the notebook runs top to bottom. Offsets in Text map to cells with Locate.
type Module struct {
	Text  []byte
	Parts []Part
	// Starts[i] is the offset of Parts[i] in Text; it ends at Starts[i]+len(Source).
	Starts []int
}

// Assemble builds the module of parts, in order.
func Assemble(parts []Part) *Module {
	n := 0
	for _, p := range parts {
		n += len(p.Code) + 1
	}
	m := &Module{Text: make([]byte, 0, n), Parts: parts, Starts: make([]int, len(parts))}
	for i, p := range parts {
		m.Starts[i] = len(m.Text)
		m.Text = append(m.Text, p.Code...)
		if len(p.Code) == 0 || p.Code[len(p.Code)-1] != '\n' {
			m.Text = append(m.Text, '\n')
		}
	}
	return m
}

// Cells returns where each part starts in Text, numbered ID+1: a part's ID is its cell's
// index in the notebook, markdown cells counted, so the numbers are those users see
// ("cell 3").
func (m *Module) Cells() []analysis.Cell {
	cells := make([]analysis.Cell, len(m.Parts))
	for i, p := range m.Parts {
		cells[i] = analysis.Cell{Start: m.Starts[i], Number: p.ID + 1}
	}
	return cells
}

// End returns the offset in Text just past part i's source (the separator line break, if
// any, follows it).
func (m *Module) End(i int) int { return m.Starts[i] + len(m.Parts[i].Source) }

// Locate returns the part holding offset off of Text and the offset within its source.
// An offset on a separator maps to the end of the part before it; one at a boundary to
// the start of the part after it. It returns -1 when the module has no part.
func (m *Module) Locate(off int) (part, local int) {
	if len(m.Parts) == 0 {
		return -1, 0
	}
	i := sort.SearchInts(m.Starts, off+1) - 1
	if i < 0 {
		i = 0
	}
	local = min(max(off-m.Starts[i], 0), len(m.Parts[i].Source))
	return i, local
}

// ErrCrossesCells is returned by Apply for an edit that spans two cells or lies on the
// line break between them: no cell could hold its result.
var ErrCrossesCells = errors.New("the edit spans more than one cell")

// ErrTouchesMagic is returned by Apply for an edit of an IPython magic's text.
var ErrTouchesMagic = errors.New("the edit changes an IPython magic")

// Split maps edits of Text to edits of the parts' sources: the result holds, for each part
// (by index), its edits in source offsets. An edit must lie within one part and leave its
// magics alone. An insertion at a boundary between two parts goes to the later one.
func (m *Module) Split(edits []analysis.Edit) (map[int][]analysis.Edit, error) {
	out := map[int][]analysis.Edit{}
	for _, e := range edits {
		i, _ := m.Locate(e.Start)
		if i < 0 || e.Start < m.Starts[i] || e.End > m.End(i) || e.End < e.Start {
			return nil, fmt.Errorf("edit [%d,%d): %w", e.Start, e.End, ErrCrossesCells)
		}
		s, en := e.Start-m.Starts[i], e.End-m.Starts[i]
		for _, mg := range m.Parts[i].Magics {
			if s < mg.End && mg.Start < en {
				return nil, fmt.Errorf("edit [%d,%d): %w", e.Start, e.End, ErrTouchesMagic)
			}
		}
		out[i] = append(out[i], analysis.Edit{Start: s, End: en, NewText: e.NewText})
	}
	return out, nil
}

// Apply applies edits of Text to the cells and returns the module of the edited cells
// (magics neutralised again). m is not modified.
func (m *Module) Apply(edits []analysis.Edit) (*Module, error) {
	byPart, err := m.Split(edits)
	if err != nil {
		return nil, err
	}
	parts := append([]Part(nil), m.Parts...)
	for i, es := range byPart {
		src, err := analysis.ApplyEdits(parts[i].Source, es)
		if err != nil {
			return nil, err
		}
		parts[i] = NewPart(parts[i].ID, src)
	}
	return Assemble(parts), nil
}

// Module returns the module of the notebook's Python code cells; each Part's ID is the
// cell's Index.
func (nb *Notebook) Module() *Module {
	var parts []Part
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.Python() {
			parts = append(parts, NewPart(c.Index, []byte(c.Source)))
		}
	}
	return Assemble(parts)
}
