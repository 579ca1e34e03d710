package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// editCount is how many random edits a test makes: n, short with -short, or the number
// EXPORTDB_INCREMENTAL_EDITS says (for a longer search).
func editCount(n, short int) int {
	if testing.Short() {
		n = short
	}
	if v, err := strconv.Atoi(os.Getenv("EXPORTDB_INCREMENTAL_EDITS")); err == nil && v > 0 {
		n = v
	}
	return n
}

// TestIncrementalMatchesFull edits every rule fixture (and every member of the multi-file
// fixtures) at random, one edit after another as in an editor, and checks after each edit
// that re-linking incrementally from the previous text (Program.ReplaceFrom, the editor's
// keystroke path) and running the rules with the Local ones' findings kept from the previous
// analysis (Options.Incremental) gives exactly the findings, fixes and related places of
// linking the new text from scratch and running every rule on all of it, and the same surface.
func TestIncrementalMatchesFull(t *testing.T) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	clean, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	fixtures = append(fixtures, clean...)
	edits := editCount(40, 8) // per fixture
	p := syntax.NewParser()
	defer p.Close()
	reused := 0
	for i, path := range fixtures {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		base := torchsem.NewProgram(nil)
		rng := rand.New(rand.NewPCG(uint64(i), 13))
		opts := fixtureOptions(t, string(src))
		text := string(src)
		var prev *torchsem.File
		for step := 0; step < edits; step++ {
			text = randomEdit(rng, text)
			inc, ok := parseText(t, p, text, pysem.Module{})
			if !ok {
				prev = nil
				continue
			}
			full, _ := parseText(t, p, text, pysem.Module{})
			fi := base.ReplaceFrom(prev, inc)
			ff := torchsem.New(full)
			compareAnalyses(t, fmt.Sprintf("%s after edit %d", path, step+1), text, fi, ff, opts)
			reused += fi.Kept()
			prev = fi
		}
	}
	archives, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	for i, path := range archives {
		a, base := loadArchive(t, p, path)
		for j, m := range a.Files {
			mod, _ := pysem.ModuleOf(m.Name)
			rng := rand.New(rand.NewPCG(uint64(i), uint64(j)))
			opts := fixtureOptions(t, string(m.Data))
			text := string(m.Data)
			var prev *torchsem.File
			for step := 0; step < edits; step++ {
				text = randomEdit(rng, text)
				inc, ok := parseText(t, p, text, mod)
				if !ok {
					prev = nil
					continue
				}
				full, _ := parseText(t, p, text, mod)
				inc.Path, full.Path = m.Name, m.Name
				fi := base.ReplaceFrom(prev, inc)
				ff := base.Replace(full)
				where := fmt.Sprintf("%s:%s after edit %d", path, m.Name, step+1)
				compareAnalyses(t, where, text, fi, ff, opts)
				if fi.Surface() != ff.Surface() {
					t.Errorf("%s: the surfaces differ\n%s", where, text)
				}
				prev = fi
			}
		}
	}
	t.Logf("functions kept over all edits: %d", reused)
	if reused == 0 {
		t.Error("no edit kept any function's state: the incremental path never ran")
	}
}

func parseText(t *testing.T, p *syntax.Parser, text string, mod pysem.Module) (*pysem.File, bool) {
	t.Helper()
	pf, err := analysis.ParseModule(context.Background(), p, []byte(text), mod)
	if err != nil {
		return nil, false
	}
	return pf, true
}

// compareAnalyses runs every rule on both files (every severity), on inc with the findings
// kept from its previous analysis, and fails on any difference.
func compareAnalyses(t *testing.T, where, text string, inc, full *torchsem.File, opts analysis.Options) {
	t.Helper()
	opts.MinSeverity = analysis.Off
	rf := analysis.Analyze(context.Background(), full, All(), opts)
	opts.Incremental = true // the Local rules keep their findings for the next edit
	ri := analysis.Analyze(context.Background(), inc, All(), opts)
	for _, e := range append(ri.RuleErrors, rf.RuleErrors...) {
		t.Errorf("%s: rule %s panicked: %s", where, e.Rule, e.Panic)
	}
	if reflect.DeepEqual(ri.Findings, rf.Findings) {
		return
	}
	t.Errorf("%s: incremental and full analyses differ\nincremental:\n%s\nfull:\n%s\ntext:\n%s", where, dumpFindings(ri.Findings), dumpFindings(rf.Findings), text)
}

func dumpFindings(fs []analysis.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %d-%d %s %s: %s fixes=%d related=%d\n", f.Start, f.End, f.Severity, f.Case, f.Message, len(f.Fixes), len(f.Related))
	}
	return b.String()
}

// snippets are inserted by randomEdit: tokens that change what code means (names,
// calls, operators) as well as its layout.
var snippets = []string{"x", "h", "self", "1", " ", "\n", "\n    ", "(", ")", ":", ",", ".", "*", "[0]", ".shape[0]",
	"round(", "int(", ".item()", "torch.", "self.proj(", "return ", "if x:\n        ", "# ", "def ", "import math\n"}

// randomEdit applies one editor-like edit to text: an insertion, a deletion, a line
// duplicated or deleted, or an identifier replaced by another of the file.
func randomEdit(rng *rand.Rand, text string) string {
	if text == "" {
		return "x"
	}
	at := runeStart(text, rng.IntN(len(text)+1))
	switch rng.IntN(7) {
	case 6:
		if edited, ok := importEdit(rng, text); ok {
			return edited
		}
		return text[:at] + snippets[rng.IntN(len(snippets))] + text[at:]
	case 0, 1:
		return text[:at] + snippets[rng.IntN(len(snippets))] + text[at:]
	case 2:
		end := runeStart(text, min(len(text), at+1+rng.IntN(8)))
		return text[:at] + text[end:]
	case 3, 4:
		// replace the word at at by another word of the file
		words := strings.FieldsFunc(text, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
		if len(words) == 0 {
			return text
		}
		w := words[rng.IntN(len(words))]
		i := strings.LastIndexAny(text[:at], " \t\n()[],.:=+-*/")
		j := strings.IndexAny(text[at:], " \t\n()[],.:=+-*/")
		if j < 0 {
			j = len(text) - at
		}
		return text[:i+1] + w + text[at+j:]
	default:
		ls := strings.SplitAfter(text, "\n")
		k := rng.IntN(len(ls))
		if rng.IntN(2) == 0 {
			return strings.Join(append(ls[:k:k], ls[k+1:]...), "")
		}
		return strings.Join(append(ls[:k+1:k+1], ls[k:]...), "")
	}
}

// importEdit edits an import statement of text as a person adding or renaming imports
// does: a clause appended (of a module the file does not have, or one rebinding a name the
// file uses), an alias given, a statement moved over the next line, a line of imports
// added; ok is false when text has no import statement.
func importEdit(rng *rand.Rand, text string) (string, bool) {
	ls := strings.SplitAfter(text, "\n")
	var at []int
	for i, l := range ls {
		if strings.HasPrefix(l, "import ") || strings.HasPrefix(l, "from ") && strings.Contains(l, " import ") && !strings.Contains(l, "(") {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return text, false
	}
	k := at[rng.IntN(len(at))]
	line := strings.TrimRight(ls[k], "\n")
	nl := ls[k][len(line):]
	switch rng.IntN(5) {
	case 0:
		clauses := []string{", os", ", o", ", nn", ", torch", ", math as F", ", Dim"}
		if strings.HasPrefix(line, "import ") {
			clauses = []string{", os", ", o", ", torch.nn as nn", ", math as torch", ", numpy as np"}
		}
		ls[k] = line + clauses[rng.IntN(len(clauses))] + nl
	case 1:
		ls[k] = line + " as " + []string{"F", "nn", "alias", "torch"}[rng.IntN(4)] + nl
	case 2:
		if k+1 < len(ls) {
			ls[k], ls[k+1] = ls[k+1], ls[k]
		}
	case 3:
		added := []string{"from torch import nn as F\n", "import os\n", "from torch.export import Dim, export\n", "import torch.nn.functional as nn\n"}
		ls[k] += added[rng.IntN(len(added))]
	default:
		if i := strings.LastIndex(line, ","); i > 0 {
			ls[k] = line[:i] + nl // the last clause removed
		}
	}
	return strings.Join(ls, ""), true
}

// runeStart moves i back to the start of the character it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// declarationEdits change what an export call declares without changing anything else of
// its file: a wider range, a dim made static, a spec exportdb cannot read.
var declarationEdits = [][2]string{
	{"max=1024", "max=2048"},
	{"min=32", "min=64"},
	{`Dim("h"`, `Dim("height"`},
	{"dynamic_shapes=", "dynamic_shapes=None or "},
	{", strict=False", ", strict=True"},
}

// TestRedeclaredMatchesFull: when only what an export script declares changes, the editor
// keeps each model's analysis and reads the declarations again (Program.Redeclare). For every
// multi-file fixture and every declaration edit its scripts admit, the findings of each
// other member, analysed before the edit and again after Redeclare (the Local rules keep
// their findings where they read no declarations), are those of linking the edited project
// from scratch.
func TestRedeclaredMatchesFull(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	archives, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	edits := 0
	for _, path := range archives {
		a, _ := loadArchive(t, p, path)
		for si, script := range a.Files {
			for _, e := range declarationEdits {
				if !strings.Contains(string(script.Data), e[0]) {
					continue
				}
				edits++
				_, prog := loadArchive(t, p, path)
				opts := map[string]analysis.Options{}
				for _, m := range a.Files {
					o := fixtureOptions(t, string(m.Data))
					o.MinSeverity = analysis.Off
					o.Incremental = true
					opts[m.Name] = o
					if f := prog.File(moduleName(m.Name)); f != nil {
						analysis.Analyze(context.Background(), f, All(), o) // keeps the Local rules' findings
					}
				}
				text := strings.ReplaceAll(string(script.Data), e[0], e[1])
				mod, _ := pysem.ModuleOf(script.Name)
				pf, ok := parseText(t, p, text, mod)
				if !ok {
					t.Fatalf("%s: %s does not parse after %q -> %q", path, script.Name, e[0], e[1])
				}
				pf.Path = script.Name
				prog.Redeclare(prog.Replace(pf))

				fresh := *a
				fresh.Files = slices.Clone(a.Files)
				fresh.Files[si].Data = []byte(text)
				full := linkArchive(t, p, &fresh)
				for _, m := range a.Files {
					if m.Name == script.Name {
						continue
					}
					inc, ff := prog.File(moduleName(m.Name)), full.File(moduleName(m.Name))
					if inc == nil || ff == nil {
						continue
					}
					where := fmt.Sprintf("%s:%s after %s: %q -> %q", path, m.Name, script.Name, e[0], e[1])
					ri := analysis.Analyze(context.Background(), inc, All(), opts[m.Name])
					plain := opts[m.Name]
					plain.Incremental = false
					rf := analysis.Analyze(context.Background(), ff, All(), plain)
					if !reflect.DeepEqual(ri.Findings, rf.Findings) {
						t.Errorf("%s: redeclared and full analyses differ\nredeclared:\n%s\nfull:\n%s", where, dumpFindings(ri.Findings), dumpFindings(rf.Findings))
					}
				}
			}
		}
	}
	if edits < 5 {
		t.Errorf("only %d declaration edits apply to the fixtures", edits)
	}
}

// moduleName is the module a fixture member's path names.
func moduleName(path string) string {
	mod, _ := pysem.ModuleOf(path)
	return mod.Name
}

// linkArchive links the members of a as one project.
func linkArchive(t *testing.T, p *syntax.Parser, a *txtar.Archive) *torchsem.Program {
	t.Helper()
	var files []*pysem.File
	for _, m := range a.Files {
		mod, _ := pysem.ModuleOf(m.Name)
		pf, err := analysis.ParseModule(context.Background(), p, m.Data, mod)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		pf.Path = m.Name
		files = append(files, pf)
	}
	return torchsem.NewProgram(files)
}
