package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"weak"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"
)

// TestRelinkMatchesFull edits the members of every multi-file fixture one after another, as
// a user edits an open helper: most edits change what a module-level function returns
// (retEdit), the others are random. After each edit the program is re-linked from the
// previous one (Program.Relink, the editor's path when an open neighbour changes what it
// returns) and, when Relink can follow the change, each other file replaced in the
// re-linked program as the editor replaces the document it analyses (Relink's skip) must
// have the findings of linking the project anew.
func TestRelinkMatchesFull(t *testing.T) {
	edits := editCount(30, 6)
	p := syntax.NewParser()
	defer p.Close()
	archives, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	relinked, refused, again, carried, carriedOwn := 0, 0, 0, 0, 0
	for i, path := range archives {
		a, _ := loadArchive(t, p, path)
		texts := make([]string, len(a.Files))
		for j, m := range a.Files {
			texts[j] = string(m.Data)
		}
		parse := func(j int) *pysem.File {
			mod, _ := pysem.ModuleOf(a.Files[j].Name)
			pf, ok := parseText(t, p, texts[j], mod)
			if !ok {
				return nil
			}
			pf.Path = a.Files[j].Name
			return pf
		}
		link := func() *torchsem.Program {
			var files []*pysem.File
			for j := range a.Files {
				if pf := parse(j); pf != nil {
					files = append(files, pf)
				}
			}
			return torchsem.NewProgram(files)
		}
		base := link()
		rng := rand.New(rand.NewPCG(uint64(i), 29))
		for step := 0; step < edits; step++ {
			j := rng.IntN(len(a.Files))
			mod, _ := pysem.ModuleOf(a.Files[j].Name)
			if mod.Name == "" || base.File(mod.Name) == nil {
				continue
			}
			if rng.IntN(4) == 0 {
				texts[j] = randomEdit(rng, texts[j])
			} else {
				texts[j] = retEdit(rng, texts[j])
			}
			pf := parse(j)
			full := link()
			if pf == nil {
				base = full
				continue
			}
			where := fmt.Sprintf("%s after edit %d of %s", path, step+1, a.Files[j].Name)
			rp, ok := base.Relink(pf, "")
			if !ok {
				refused++
				base = full
				continue
			}
			relinked++
			// each other file as the editor analyses it: its document left out of the
			// re-link, then replaced in the program (the files Relink keeps or links again
			// are read through it, never analysed themselves)
			for k, m := range a.Files {
				mk, _ := pysem.ModuleOf(m.Name)
				ff := full.File(mk.Name)
				if k == j || mk.Name == "" || ff == nil {
					continue
				}
				sp, ok := base.Relink(pf, mk.Name)
				if !ok {
					t.Errorf("%s: Relink followed the change, but not with %s left out", where, m.Name)
					continue
				}
				pk := parse(k)
				if pk == nil {
					continue
				}
				opts := fixtureOptions(t, string(m.Data)) // the options its header set (an edit may have broken the header)
				compareAnalyses(t, where+": "+m.Name, texts[k], sp.Replace(pk), ff, opts)
				again++
				// the document's analysis before the helper's edit, against the program
				// the re-link started from, whose units ReplaceFrom keeps where they name
				// nothing the re-link changed (with the Local rules' findings)
				// (a Replace of it, or the program's own file of the module, as a document
				// linked with its neighbours from scratch is)
				prev, own := base.File(mk.Name), true
				if step%2 == 0 || prev == nil || prev.Program() != base || string(prev.Src) != texts[k] {
					prev, own = base.Replace(pk), false
				}
				inc := opts
				inc.Incremental, inc.MinSeverity = true, analysis.Off
				analysis.Analyze(context.Background(), prev, All(), inc)
				nf := sp.ReplaceFrom(prev, pk)
				compareAnalyses(t, where+": "+m.Name+" kept across the re-link", texts[k], nf, ff, opts)
				if nf.Kept() > 0 {
					carried++
					if own {
						carriedOwn++
					}
				}
			}
			base = rp
		}
	}
	t.Logf("edits re-linked: %d, refused: %d, documents replaced after a re-link: %d, of which kept units of their previous analysis: %d (from the program's own file: %d)", relinked, refused, again, carried, carriedOwn)
	if relinked == 0 || again == 0 {
		t.Error("no edit was re-linked: the test never ran Relink's path")
	}
	if carried == 0 || carriedOwn == 0 {
		t.Error("no document kept units across a re-link: the test never ran ReplaceFrom's path for a rebased program")
	}
}

// TestReplaceMatchesLink: the editor links a document with its neighbours once, then
// replaces it in that program at every keystroke (Program.Replace keeps the other files as
// they were linked, with the document's previous text). Replacing each member of every
// multi-file fixture by its own text must give the findings of the project linked from
// scratch: a rule that follows another file's names into the document must land in its
// current text, not in the one that file was linked with.
func TestReplaceMatchesLink(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	archives, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	for _, path := range archives {
		a, prog := loadArchive(t, p, path)
		for _, m := range a.Files {
			mod, _ := pysem.ModuleOf(m.Name)
			pf, ok := parseText(t, p, string(m.Data), mod)
			if !ok || mod.Name == "" {
				continue
			}
			pf.Path = m.Name
			opts := fixtureOptions(t, string(m.Data))
			replaced := prog.Replace(pf)
			compareAnalyses(t, path+": "+m.Name, string(m.Data), replaced, prog.File(mod.Name), opts)
			// and again in the program the replacement made, as the next keystroke does
			again, _ := parseText(t, p, string(m.Data), mod)
			again.Path = m.Name
			twice := replaced.Program().Replace(again)
			compareAnalyses(t, path+": "+m.Name+" twice", string(m.Data), twice, prog.File(mod.Name), opts)
			// what the other files read of it is the same too (values passed and returned
			// name the same inputs): Relink compares these to stop
			want, _ := prog.File(mod.Name).Surfaces()
			for i, f := range []*torchsem.File{replaced, twice} {
				if got, _ := f.Surfaces(); got != want {
					t.Errorf("%s: %s replaced %d times: its structure surface differs from the one of the project linked from scratch", path, m.Name, i+1)
				}
			}
		}
	}
}

var (
	topDefRE = regexp.MustCompile(`^def (\w+)\(([^)]*)\)`)
	returnRE = regexp.MustCompile(`^(    )return (.+)$`)
)

// retEdit replaces the expression of a return statement of a module-level function (at
// random) by another one built from the function's parameters: what the function returns
// changes, nothing else does. The text is unchanged when it has no such return.
func retEdit(rng *rand.Rand, text string) string {
	lines := strings.Split(text, "\n")
	type ret struct {
		line   int
		params []string
	}
	var rets []ret
	var params []string
	in := false
	for i, l := range lines {
		if m := topDefRE.FindStringSubmatch(l); m != nil {
			in, params = true, nil
			for _, p := range strings.Split(m[2], ",") {
				p = strings.TrimSpace(p)
				if k := strings.IndexAny(p, ":="); k >= 0 {
					p = strings.TrimSpace(p[:k])
				}
				if p != "" && !strings.HasPrefix(p, "*") {
					params = append(params, p)
				}
			}
			continue
		}
		if l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' && l[0] != ')' {
			in = false
		}
		if in && returnRE.MatchString(l) {
			rets = append(rets, ret{i, params})
		}
	}
	if len(rets) == 0 {
		return text
	}
	r := rets[rng.IntN(len(rets))]
	p := "16"
	if len(r.params) > 0 {
		p = r.params[rng.IntN(len(r.params))]
	}
	exprs := []string{
		p, p + ".shape[-1]", p + ".shape[0]", "16", "None", "int(" + p + ")", "round(" + p + " / 2)",
		p + " * 2", p + " // 4", "(" + p + ", " + p + ")", p + ".size(1)", "len(" + p + ")", "math.ceil(" + p + ")",
	}
	m := returnRE.FindStringSubmatch(lines[r.line])
	lines[r.line] = m[1] + "return " + exprs[rng.IntN(len(exprs))]
	return strings.Join(lines, "\n")
}

// relinkArchive parses relinkProject, with a parser closed when the test ends.
func relinkArchive(t *testing.T) (*syntax.Parser, *txtar.Archive) {
	t.Helper()
	p := syntax.NewParser()
	t.Cleanup(p.Close)
	a, err := txtar.Parse([]byte(relinkProject))
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// TestRelinkFollowsReturns: a helper two files away from the model changes what it returns,
// and the model's finding follows through a layer that passes the value on, with Relink
// linking only the files that name what changed.
func TestRelinkFollowsReturns(t *testing.T) {
	p, a := relinkArchive(t)
	var helper *txtar.File
	for i, m := range a.Files {
		if strings.HasSuffix(m.Name, "helpers.py") {
			helper = &a.Files[i]
		}
	}
	base := torchsem.NewProgram(archiveFiles(t, p, "relinkProject", a))
	roundLine := func(prog *torchsem.Program) int {
		f := prog.File("proj.models.net")
		res := linkedFindings(t, f)
		n := 0
		for _, fd := range res {
			if fd.Case == "dynamic_shape_round" {
				n++
			}
		}
		return n
	}
	if n := roundLine(base); n != 1 {
		t.Fatalf("the model has %d round() findings before the edit, want 1", n)
	}
	for step, to := range []string{"16", "x.shape[-1]", "16"} {
		text := strings.Replace(string(helper.Data), "return x.shape[-1]", "return "+to, 1)
		mod, _ := pysem.ModuleOf(helper.Name)
		pf, _ := parseText(t, p, text, mod)
		pf.Path = helper.Name
		rp, ok := base.Relink(pf, "")
		if !ok {
			t.Fatalf("edit %d (return %s): Relink did not follow a change of what feat_size returns", step+1, to)
		}
		want := 1
		if to == "16" {
			want = 0
		}
		if n := roundLine(rp); n != want {
			t.Errorf("edit %d (return %s): the model has %d round() findings, want %d", step+1, to, n, want)
		}
		// the files that use nothing that changed are the base's, not linked again: mlp
		// imports feat_size but calls only Scale, the package re-exports it unused
		for _, m := range []string{"proj.layers.norm", "proj.layers.mlp", "proj.layers", "export"} {
			if rp.File(m) != base.File(m) {
				t.Errorf("edit %d: %s was linked again, though it uses nothing of the helper that changed", step+1, m)
			}
		}
		// head calls it by the name the package re-exports it as
		for _, m := range []string{"proj.layers.helpers", "proj.layers.blocks", "proj.layers.pool", "proj.layers.head", "proj.models.net"} {
			if rp.File(m) == base.File(m) {
				t.Errorf("edit %d: %s was not linked again", step+1, m)
			}
		}
		base = rp
	}
	// a change of a class's attributes is not followed: the project is linked anew
	text := strings.Replace(string(helper.Data), "self.k = 3", "self.k = x", 1)
	mod, _ := pysem.ModuleOf(helper.Name)
	pf, _ := parseText(t, p, text, mod)
	if _, ok := base.Relink(pf, ""); ok {
		t.Error("Relink followed a change of a class's attributes")
	}
}

// TestRebasesKeepNoChain: the editor rebases an open model's program at every edit of its
// helper (Relink, then ReplaceFrom from the model's last analysis). The programs of earlier
// rebases must become garbage: a chain of them (through the re-linked files' programs, the
// import index they share, or what ReplaceFrom compares) would grow the server's heap by a
// neighbourhood's re-linked files per edit.
func TestRebasesKeepNoChain(t *testing.T) {
	p, a := relinkArchive(t)
	for i, m := range a.Files {
		if strings.HasSuffix(m.Name, "net.py") {
			// a class that names nothing of the helper: kept by every rebase
			a.Files[i].Data = append(slices.Clip(m.Data), "\n\nclass Head(nn.Module):\n    def forward(self, x):\n        return x.flatten(1)\n"...)
		}
	}
	files := archiveFiles(t, p, "relinkProject", a)
	var helper, model *pysem.File
	for _, pf := range files {
		switch {
		case strings.HasSuffix(pf.Path, "helpers.py"):
			helper = pf
		case strings.HasSuffix(pf.Path, "net.py"):
			model = pf
		}
	}
	helperText := string(helper.Src)
	base := torchsem.NewProgram(files)
	root := base
	last := base.File(model.Module.Name)
	var gone []weak.Pointer[torchsem.Program]
	const edits = 12
	for step := range edits {
		to := "16"
		if step%2 == 1 {
			to = "x.shape[-1]"
		}
		pf, _ := parseText(t, p, strings.Replace(helperText, "return x.shape[-1]", "return "+to, 1), helper.Module)
		pf.Path = helper.Path
		rp, ok := base.Relink(pf, model.Module.Name)
		if !ok {
			t.Fatalf("edit %d: Relink did not follow the helper's edit", step+1)
		}
		next := rp.ReplaceFrom(last, model)
		if next.Kept() == 0 {
			t.Fatalf("edit %d: the model kept nothing of its last analysis", step+1)
		}
		linkedFindings(t, next) // the rules' memos, as the editor's analysis makes them
		gone = append(gone, weak.Make(base), weak.Make(last.Program()))
		base, last = rp, next
	}
	runtime.GC()
	runtime.GC()
	// the program linked from scratch stays (each rebase re-links files of it); the others
	// of all but the last two edits must be gone
	var alive []int
	for i, w := range gone[:len(gone)-4] {
		if prog := w.Value(); prog != nil && prog != root {
			alive = append(alive, i/2+1)
		}
	}
	if len(alive) > 0 {
		t.Errorf("the programs of rebases %v are still reachable from the last", alive)
	}
	runtime.KeepAlive(root)
	runtime.KeepAlive(base)
	runtime.KeepAlive(last)
}

// TestReplacesKeepNoChain: each keystroke in an open model makes its program with
// ReplaceFrom from the last one, whose carry holds the text before it. The carry of the
// program before is cut then, so that the programs of earlier keystrokes become garbage
// (a chain would grow the heap by a model's file per keystroke) and the last program still
// carries from the one before it.
func TestReplacesKeepNoChain(t *testing.T) {
	p, a := relinkArchive(t)
	const head = "\n\nclass Head(nn.Module):\n    def forward(self, x):\n        return x.flatten(1)"
	for i, m := range a.Files {
		if strings.HasSuffix(m.Name, "net.py") {
			a.Files[i].Data = append(slices.Clip(m.Data), head+"\n"...)
		}
	}
	files := archiveFiles(t, p, "relinkProject", a)
	var model *pysem.File
	for _, pf := range files {
		if strings.HasSuffix(pf.Path, "net.py") {
			model = pf
		}
	}
	modelText := string(model.Src)
	base := torchsem.NewProgram(files)
	last := base.Replace(model) // the model opened in the editor
	var gone []weak.Pointer[torchsem.Program]
	var progs []*torchsem.Program // the last two, for their carries
	const edits = 12
	for step := range edits {
		// a keystroke in Head.forward: the other classes' functions are kept
		pf, _ := parseText(t, p, strings.Replace(modelText, head, head+strings.Repeat(" + 1", step+1), 1), model.Module)
		pf.Path = model.Path
		next := base.ReplaceFrom(last, pf)
		if next.Kept() == 0 {
			t.Fatalf("edit %d: the model kept nothing of its last text", step+1)
		}
		linkedFindings(t, next) // the rules' memos, as the editor's analysis makes them
		gone = append(gone, weak.Make(next.Program()))
		progs = append(progs, next.Program())
		if len(progs) > 2 {
			progs = progs[1:]
		}
		last = next
	}
	if progs[1].Carried() == nil {
		t.Error("the last program carries nothing from the one before it")
	}
	if progs[0].Carried() != nil {
		t.Error("the program before the last still carries from the text before it")
	}
	progs[1].DropCarry() // as the editor does once the analysis is done
	if progs[1].Carried() != nil {
		t.Error("the last program still carries after DropCarry")
	}
	progs = nil
	runtime.GC()
	runtime.GC()
	var alive []int
	for i, w := range gone[:len(gone)-1] {
		if w.Value() != nil {
			alive = append(alive, i+1)
		}
	}
	if len(alive) > 0 {
		t.Errorf("the programs of keystrokes %v are still reachable from the last", alive)
	}
	runtime.KeepAlive(base)
	runtime.KeepAlive(last)
}

func linkedFindings(t *testing.T, f *torchsem.File) []analysis.Finding {
	t.Helper()
	res := analysis.Analyze(context.Background(), f, All(), analysis.Options{MinSeverity: analysis.Off})
	for _, e := range res.RuleErrors {
		t.Errorf("rule %s panicked: %s", e.Rule, e.Panic)
	}
	return res.Findings
}

// relinkProject: the helper's feat_size is read by blocks.width, whose result the model
// rounds; norm.py imports nothing of the helper and the export script names the model only.
const relinkProject = `-- proj/__init__.py --
-- proj/layers/__init__.py --
from .helpers import feat_size as fsize
-- proj/layers/helpers.py --
from torch import nn


def feat_size(x):
    return x.shape[-1]


class Scale(nn.Module):
    def __init__(self, x=None):
        super().__init__()
        self.k = 3

    def forward(self, x):
        return x * self.k
-- proj/layers/blocks.py --
from .helpers import feat_size


def width(x):
    return feat_size(x) * 2
-- proj/layers/mlp.py --
from torch import nn
from .helpers import Scale, feat_size


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = Scale()

    def forward(self, x):
        return self.scale(x)
-- proj/layers/pool.py --
from proj.layers import helpers


def pooled(x):
    return helpers.feat_size(x) // 2


def scaled(x):
    return helpers.Scale()(x)
-- proj/layers/head.py --
from proj.layers import fsize


def head_width(x):
    return fsize(x) + 1
-- proj/layers/norm.py --
from torch import nn


class Norm(nn.Module):
    def forward(self, x):
        return x / x.shape[0]
-- proj/models/__init__.py --
-- proj/models/net.py --
import torch
from torch import nn
from proj.layers.blocks import width
from proj.layers.norm import Norm


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Norm()

    def forward(self, x):
        n = round(width(x) / 3)
        return self.norm(x)[..., :n]
-- export.py --
import torch
from torch.export import Dim, export
from proj.models.net import Net

ep = export(Net(), (torch.randn(2, 8),), dynamic_shapes={"x": {1: Dim("w")}})
`
