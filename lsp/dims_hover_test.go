package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"
)

// dimsProject is a txtar fixture of a project (testdata/dims/*.txtar): its files, with ⟨name⟩
// markers stripped, and the "want" member's expectations, marker -> lines the hover at the
// marker must contain ("-": no dims card there).
type dimsProject struct {
	files map[string]string         // path -> text
	marks map[string]markAt         // marker -> where
	want  map[string][]string       // marker -> expected lines
	order []string                  // markers in the order "want" lists them
	ends  map[string]map[string]int // path -> marker -> end offset (⟨/name⟩)
}

type markAt struct {
	path string
	off  int
}

func loadDimsProject(t *testing.T, name string) *dimsProject {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "dims", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := txtar.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p := &dimsProject{files: map[string]string{}, marks: map[string]markAt{}, want: map[string][]string{}, ends: map[string]map[string]int{}}
	for _, f := range a.Files {
		if f.Name == "want" {
			for _, line := range strings.Split(string(f.Data), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				name, rest, _ := strings.Cut(line, " ")
				if _, seen := p.want[name]; !seen {
					p.order = append(p.order, name)
				}
				p.want[name] = append(p.want[name], strings.TrimSpace(rest))
			}
			continue
		}
		text, marks := fixture(t, string(f.Data))
		p.files[f.Name] = text
		p.ends[f.Name] = map[string]int{}
		for m, off := range marks {
			if strings.HasPrefix(m, "/") {
				p.ends[f.Name][m[1:]] = off
				continue
			}
			if _, dup := p.marks[m]; dup {
				t.Fatalf("marker %s in two files", m)
			}
			p.marks[m] = markAt{f.Name, off}
		}
	}
	for m := range p.marks {
		if _, ok := p.want[m]; !ok && len(p.want) > 0 {
			t.Errorf("marker %s has no expectation in want", m)
		}
	}
	return p
}

// hoverDims opens every file of the project that holds a marker and checks the hover at
// each marker against the expectations, in the given encoding.
func hoverDims(t *testing.T, p *dimsProject, dir string, c *testClient) {
	t.Helper()
	opened := map[string]bool{}
	for _, m := range p.order {
		at, ok := p.marks[m]
		if !ok {
			t.Fatalf("want lists %s, which no file marks", m)
		}
		uri := pathToURI(filepath.Join(dir, filepath.FromSlash(at.path)))
		text := p.files[at.path]
		if !opened[at.path] {
			opened[at.path] = true
			c.open(uri, text)
			c.diagsFor(uri, 1)
		}
		h := hoverAt(t, c, uri, text, at.off)
		card := ""
		if h != nil {
			card = h.Contents.Value
		}
		dims := ""
		if i := strings.Index(card, "### exportdb: dims"); i >= 0 {
			dims = card[i:]
		}
		t.Logf("%s:\n%s", m, card)
		for _, w := range p.want[m] {
			switch {
			case w == "-":
				if dims != "" {
					t.Errorf("%s: want no dims card, got:\n%s", m, card)
				}
			case !strings.Contains(card, w):
				t.Errorf("%s: hover lacks %q:\n%s", m, w, card)
			}
		}
		if end, ok := p.ends[at.path][m]; ok && h != nil && !strings.Contains(card, "### exportdb: `") {
			if want := rangeAt(text, at.off, end, c.enc); h.Range == nil || *h.Range != want {
				t.Errorf("%s: hover range %+v, want %+v", m, h.Range, want)
			}
		}
	}
}

// TestHoverDims: hover on size expressions of a model, its layers and a helper says what
// the export call in another file declares of each dimension they read, in every position
// encoding (the line of 高さ and 幅 has CJK and an emoji before the hovered name).
func TestHoverDims(t *testing.T) {
	p := loadDimsProject(t, "project.txtar")
	for _, enc := range []string{"utf-16", "utf-8", "utf-32"} {
		t.Run(enc, func(t *testing.T) {
			dir := testfs.WriteTree(t, p.files)
			c := newTestClient(t)
			caps := capsNeovim07()
			if enc != "utf-16" {
				caps.PositionEncodings = []string{enc}
			}
			c.initialize(initParams{Capabilities: caps, WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
			if c.enc.String() != enc {
				t.Fatalf("negotiated %s, want %s", c.enc, enc)
			}
			c.waitIndexed()
			hoverDims(t, p, dir, c)
		})
	}
}
