package check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// cachedRun runs check with the built-in rules and a trace of what the run served, parsed
// and analysed.
func cachedRun(t *testing.T, dir string, o Options) (runResult, *runTrace) {
	t.Helper()
	tr := &runTrace{}
	o.trace = tr
	res := run(t, dir, o)
	for i, p := range tr.parsed {
		if rel, err := filepath.Rel(dir, p); err == nil {
			tr.parsed[i] = filepath.ToSlash(rel)
		}
	}
	sort.Strings(tr.served)
	sort.Strings(tr.analysed)
	sort.Strings(tr.parsed)
	return res, tr
}

func (r runResult) String() string {
	return fmt.Sprintf("status %d\n-- stdout --\n%s\n-- stderr --\n%s", r.status, r.stdout, r.stderr)
}

// sameRun fails unless two runs printed the same bytes and exited alike.
func sameRun(t *testing.T, what string, got, want runResult) {
	t.Helper()
	if got.status != want.status || got.stdout != want.stdout || got.stderr != want.stderr {
		t.Errorf("%s differs:\n%s", what, firstDiff(got.String(), want.String()))
	}
}

// coImporter is a package where a.py's findings depend on c.py although neither imports
// the other: both call helpers.scale, whose parameter joins what every caller passes.
// a.py's branch on scale(x.dim()) is a branch on the rank (static_if) while c.py passes a
// rank too, and no longer once c.py passes a size.
var coImporter = map[string]string{
	"pkg/__init__.py": "",
	"pkg/helpers.py":  "def scale(x):\n    return x\n",
	"pkg/a.py": `import torch
from pkg.helpers import scale


class A(torch.nn.Module):
    def forward(self, x):
        r = scale(x.dim())
        if r == 3:
            return x + 1
        return x
`,
	"pkg/c.py": `import torch
from pkg.helpers import scale


class C(torch.nn.Module):
    def forward(self, x):
        return x * scale(x.dim() + 1)
`,
}

// cacheTree is a project with findings of many kinds: catalog examples, a notebook, a
// package linked across files (with related places in other files), two independent
// packages, isolated models, a file with a source error and one no rule reads.
func cacheTree(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{
		"bad.py":  "import torch\nx = '\xff'\n",
		"none.py": "x = 1\n",
		"nb.ipynb": `{"cells": [
 {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch\n", "%matplotlib inline"]},
 {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["class M(torch.nn.Module):\n", "    def forward(self, x):\n", "        return x[: round(x.shape[0] / 2)]\n"]}
], "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}`,
		"other/__init__.py": "",
		"other/x.py":        "import torch\nfrom other.y import half\n\n\nclass X(torch.nn.Module):\n    def forward(self, x):\n        return x[: half(x.shape[0])]\n",
		"other/y.py":        "def half(n):\n    return round(n / 2)\n",
	}
	for p, s := range projectFiles {
		if p != "pyproject.toml" {
			files[p] = s
		}
	}
	for p, s := range coImporter {
		files[p] = s
	}
	examples, _ := filepath.Glob("../examples/*.py")
	fixtures, _ := filepath.Glob("../analysis/rules/testdata/*.py")
	for i, p := range append(examples, fixtures[:min(len(fixtures), 16)]...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dir := "models/"
		if i >= len(examples) {
			dir = "fixtures/"
		}
		files[dir+filepath.Base(p)] = string(b)
	}
	return files
}

// TestCacheWarmRunIsIdentical: a warm run prints what the cold run printed, byte for byte,
// in every format, with statistics, colours and every severity, and parses nothing; and
// both print what a run without the cache prints.
func TestCacheWarmRunIsIdentical(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	type variant struct {
		name string
		o    Options
	}
	var variants []variant
	for _, f := range Formats {
		variants = append(variants, variant{string(f), Options{Format: f}})
	}
	variants = append(variants,
		variant{"statistics", Options{Statistics: true}},
		variant{"statistics json", Options{Statistics: true, Format: FormatJSON}},
		variant{"text colour", Options{Color: true}},
		variant{"json hover-only as hints", Options{Format: FormatJSON, Overrides: config.Overrides{Severity: map[string]string{"static_if": "hint", "static_for_loop": "hint"}}}},
		variant{"concise quiet fail-level hint", Options{Format: FormatConcise, Quiet: true, FailLevel: analysis.Hint}},
	)
	for _, v := range variants {
		cache := t.TempDir()
		o := v.o
		o.CacheDir = cache
		cold, tr := cachedRun(t, dir, o)
		if len(tr.served) != 0 || len(tr.analysed) == 0 {
			t.Fatalf("%s: cold run served %v, analysed %v", v.name, tr.served, tr.analysed)
		}
		warm, tr := cachedRun(t, dir, o)
		sameRun(t, v.name+": warm run", warm, cold)
		if len(tr.analysed) != 0 || len(tr.parsed) != 0 {
			t.Errorf("%s: warm run analysed %v and parsed %d files", v.name, tr.analysed, len(tr.parsed))
		}
		if len(tr.served) < 20 {
			t.Errorf("%s: warm run served only %v", v.name, tr.served)
		}
		o.NoCache = true
		fresh, _ := cachedRun(t, dir, o)
		sameRun(t, v.name+": cold run against --no-cache", cold, fresh)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, DefaultCacheDirName)); len(entries) != 0 {
		t.Errorf("a cache was made in the project although CacheDir was set: %v", entries)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheInvalidation: editing a file analyses again that file and the files of its
// component of the import graph that see what changed (co-importers included, through the
// helper they share), adding an import links a file that was alone, and a changed
// configuration misses; every run prints what a run without the cache prints.
func TestCacheInvalidation(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	// static_if is hover-only (off): shown as a hint here
	o := Options{Format: FormatConcise, Overrides: config.Overrides{Severity: map[string]string{"static_if": "hint"}}}
	check := func(what string, want []string) runResult {
		t.Helper()
		got, tr := cachedRun(t, dir, o)
		nc := o
		nc.NoCache = true
		fresh, _ := cachedRun(t, dir, nc)
		sameRun(t, what, got, fresh)
		if want != nil && !slices.Equal(tr.analysed, want) {
			t.Errorf("%s: analysed\n  %v\nwant\n  %v", what, tr.analysed, want)
		}
		return got
	}
	cold := check("cold run", nil)
	_, tr := cachedRun(t, dir, o)
	all := tr.served
	if len(all) < 20 {
		t.Fatalf("served only %v", all)
	}
	if !strings.Contains(cold.stdout, "pkg/a.py:8:12: hint static_if") {
		t.Fatalf("the co-importer fixture lost its point:\n%s", cold.stdout)
	}

	// c.py passes a size now: a.py, which neither imports c.py nor is imported by it, sees
	// it through scale's return value and is told about a branch on a size instead; the
	// package's __init__ is analysed too (c.py's surface changed, and c.py reaches it); the
	// other packages and the isolated files are served
	writeFile(t, filepath.Join(dir, "pkg/c.py"), strings.Replace(coImporter["pkg/c.py"], "scale(x.dim() + 1)", "scale(x.shape[0])", 1))
	got := check("after editing pkg/c.py", []string{"pkg/__init__.py", "pkg/a.py", "pkg/c.py", "pkg/helpers.py"})
	if strings.Contains(got.stdout, "pkg/a.py:8:12: hint static_if") || !strings.Contains(got.stdout, "pkg/a.py:8:12: warning dynamic_shape_if_guard") {
		t.Errorf("a.py's finding does not follow c.py:\n%s", got.stdout)
	}
	check("nothing changed", []string{})

	// half's return value stays an integer of unknown value: x.py is served
	writeFile(t, filepath.Join(dir, "other/y.py"), "def half(n):\n    return n // 2\n")
	check("after editing other/y.py", []string{"other/y.py"})

	writeFile(t, filepath.Join(dir, "models/router.py"), read(t, filepath.Join(dir, "models/router.py"))+"\n# edited\n")
	check("after editing an isolated file", []string{"models/router.py"})

	// a new file importing an isolated one links both
	writeFile(t, filepath.Join(dir, "uses_alone.py"), "import torch\nfrom models.router import *\n")
	check("after adding an importer", []string{"models/router.py", "uses_alone.py"})
	os.Remove(filepath.Join(dir, "uses_alone.py"))
	check("after removing it again", []string{}) // router alone again: its entry from before

	// a file not given on the command line that a given file imports (context) counts too
	// (the model alone has the files of its component as context: its entry holds)
	o.Paths = []string{"vit/model.py"}
	check("the model alone", []string{})
	writeFile(t, filepath.Join(dir, "vit/layers/helpers.py"), projectFiles["vit/layers/helpers.py"]+"\n\ndef more(n):\n    return n\n")
	check("after editing a context file", []string{"vit/model.py"})
	o.Paths = nil

	o.Overrides.TorchVersion = "2.5"
	_, tr = cachedRun(t, dir, o)
	if !slices.Equal(tr.analysed, all) {
		t.Errorf("another torch version analysed %v, want every cached file", tr.analysed)
	}
	check("the same version again", []string{})
	o.MinSeverity = analysis.Warning
	_, tr = cachedRun(t, dir, o)
	if !slices.Equal(tr.analysed, all) {
		t.Errorf("another --min-severity analysed %v, want every cached file", tr.analysed)
	}
}

// dependents is a package where model.py calls two helpers of helpers.py from its forward
// (helpers.py's finding points back at the call in model.py), other.py uses common.py, and
// alone.py imports nothing of the project.
var dependents = map[string]string{
	"pkg/__init__.py": "",
	"pkg/helpers.py":  "def half(n):\n    return n // 2\n\n\ndef scaled_hw(h, w, s):\n    return round(h * s), round(w * s)\n",
	"pkg/model.py": `import torch
from pkg.helpers import half, scaled_hw


class Model(torch.nn.Module):
    def forward(self, x):
        h, w = x.shape[-2:]
        nh, nw = scaled_hw(h, w, 0.5)
        if half(x.shape[0]) > 2:
            return x[..., :nh, :nw]
        return x
`,
	"pkg/common.py": "def clamp(n):\n    return n\n",
	"pkg/other.py": `import torch
from pkg.common import clamp


class Other(torch.nn.Module):
    def forward(self, x):
        if clamp(x.shape[0]) > 2:
            return x + 1
        return x
`,
	"alone.py": "import torch\n\n\nclass Alone(torch.nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]\n",
	// a model exported from a script that declares its dims: the assert's finding names the
	// export call's line, points at the Dim, and has a fix in export.py
	"vit/__init__.py": "",
	"vit/model.py":    "import torch\n\n\nclass ViT(torch.nn.Module):\n    def forward(self, x):\n        B, C, H, W = x.shape\n        assert W >= 64\n        return x\n",
	"export.py":       "import torch\nfrom torch.export import Dim\n\nfrom vit.model import ViT\n\nw = Dim(\"w\", min=32, max=512)\nep = torch.export.export(ViT(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={\"x\": {3: w}})\n",
}

// TestCacheDependents: editing an imported helper analyses it and, when what its importer
// sees of it changes, the importer, but no file that does not depend on it (other.py, of
// the same package, is parsed to link the package again but served); an edit inside a
// function body analyses the edited file alone; a file whose finding points into an edited
// file is analysed again, and so is a model whose finding names the line of an export call
// in another file, points at its Dim and has a fix there, when that file changes. Files
// of other components (alone.py) are not even parsed. Every run prints, with related
// places and fixes in other files, what a run without the cache prints.
func TestCacheDependents(t *testing.T) {
	dir := testfs.WriteTree(t, dependents)
	o := Options{Format: FormatJSON, CacheDir: t.TempDir()}
	step := func(what, path, from, to string, analysed []string) runResult {
		t.Helper()
		if path != "" {
			old := read(t, filepath.Join(dir, path))
			if !strings.Contains(old, from) {
				t.Fatalf("%s: %s has no %q", what, path, from)
			}
			writeFile(t, filepath.Join(dir, path), strings.Replace(old, from, to, 1))
		}
		got, tr := cachedRun(t, dir, o)
		nc := o
		nc.NoCache = true
		fresh, _ := cachedRun(t, dir, nc)
		sameRun(t, what, got, fresh)
		if !slices.Equal(tr.analysed, analysed) {
			t.Errorf("%s: analysed %v, want %v", what, tr.analysed, analysed)
		}
		if slices.Contains(tr.parsed, "alone.py") && !slices.Contains(analysed, "alone.py") {
			t.Errorf("%s: parsed alone.py, which links with nothing", what)
		}
		return got
	}
	cold := step("cold run", "", "", "", []string{"alone.py", "export.py", "pkg/__init__.py", "pkg/common.py", "pkg/helpers.py", "pkg/model.py", "pkg/other.py", "vit/__init__.py", "vit/model.py"})
	for _, want := range []string{`"message": "if on half(x.shape[0])`, `"message": "if on clamp(x.shape[0])`, `"message": "Model.forward calls scaled_hw"`,
		`declared at export.py:7`, `"path": "export.py"`} {
		if !strings.Contains(cold.stdout, want) {
			t.Fatalf("the fixture lost its point: no %s in\n%s", want, cold.stdout)
		}
	}
	step("nothing changed", "", "", "", nil)

	// inside half's body, shifting scaled_hw down: what model.py sees of helpers.py is the same
	step("a body edit of the helper", "pkg/helpers.py", "    return n // 2\n", "    q = n // 2  # halved\n\n    return q\n", []string{"pkg/helpers.py"})

	// half returns a constant now: the branch in model.py is on a constant, no longer on a size
	got := step("a surface edit of the helper", "pkg/helpers.py", "    return q\n", "    return 4\n", []string{"pkg/helpers.py", "pkg/model.py"})
	if strings.Contains(got.stdout, `"message": "if on half(`) {
		t.Errorf("model.py kept a finding that depended on half:\n%s", got.stdout)
	}

	// a line above the call in model.py: helpers.py's finding points at the call
	got = step("an edit moving a related place", "pkg/model.py", "import torch\n", "import torch  # edited\n\n", []string{"pkg/helpers.py", "pkg/model.py"})
	var rep jsonReport
	if err := json.Unmarshal([]byte(got.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	moved := false
	for _, fd := range rep.Findings {
		for _, rel := range fd.Related {
			moved = moved || fd.Path == "pkg/helpers.py" && rel.Path == "pkg/model.py" && rel.Start.Line == 9
		}
	}
	if !moved {
		t.Errorf("the related place in model.py did not move to line 9:\n%s", got.stdout)
	}

	// the unrelated helper: other.py is analysed, model.py and helpers.py are not
	got = step("a surface edit of the other helper", "pkg/common.py", "    return n\n", "    return 3\n", []string{"pkg/common.py", "pkg/other.py"})
	if strings.Contains(got.stdout, `"message": "if on clamp(`) {
		t.Errorf("other.py kept a finding that depended on clamp:\n%s", got.stdout)
	}
	step("an isolated file", "alone.py", "round(x.shape[0] / 2)", "x.shape[0] // 2", []string{"alone.py"})

	// lines above the export call: the model's message names its new line, its fix and
	// related place move
	got = step("an edit moving the export call", "export.py", "import torch\n", "import torch\n\n\n", []string{"export.py", "vit/__init__.py", "vit/model.py"})
	if !strings.Contains(got.stdout, "declared at export.py:9") {
		t.Errorf("the message does not name the export call's new line:\n%s", got.stdout)
	}
	// a range the assert holds for: no finding
	got = step("an edit of the declared range", "export.py", "min=32", "min=64", []string{"export.py", "vit/__init__.py", "vit/model.py"})
	if strings.Contains(got.stdout, "vit/model.py") {
		t.Errorf("the assert is still reported:\n%s", got.stdout)
	}
}

// TestCacheFix: with --fix and --diff, a file with fixes to apply is analysed (and fixed);
// the others are served; the report and the files written are those of a run without
// the cache.
func TestCacheFix(t *testing.T) {
	files := cacheTree(t)
	dir := testfs.WriteTree(t, files)
	ref := testfs.WriteTree(t, files)
	cachedRun(t, dir, Options{})

	diff, tr := cachedRun(t, dir, Options{Diff: true})
	refDiff, _ := cachedRun(t, ref, Options{Diff: true, NoCache: true})
	sameRun(t, "--diff", diff, refDiff)
	if len(tr.analysed) == 0 || len(tr.served) == 0 {
		t.Fatalf("--diff analysed %v, served %v: want both", tr.analysed, tr.served)
	}
	fixable := tr.analysed

	fixed, tr := cachedRun(t, dir, Options{Fix: true})
	refFixed, _ := cachedRun(t, ref, Options{Fix: true, NoCache: true})
	sameRun(t, "--fix", fixed, refFixed)
	if !slices.Equal(tr.analysed, fixable) {
		t.Errorf("--fix analysed %v, want the files --diff had to analyse, %v", tr.analysed, fixable)
	}
	for p := range files {
		if got, want := read(t, filepath.Join(dir, p)), read(t, filepath.Join(ref, p)); got != want {
			t.Errorf("%s: fixed differently with the cache", p)
		}
	}
	after, _ := cachedRun(t, dir, Options{})
	refAfter, _ := cachedRun(t, ref, Options{NoCache: true})
	sameRun(t, "the run after --fix", after, refAfter)
	_, tr = cachedRun(t, dir, Options{})
	if len(tr.analysed) != 0 {
		t.Errorf("the second run after --fix analysed %v", tr.analysed)
	}
}

// cacheEntries lists the entry files of a cache directory.
func cacheEntries(t *testing.T, cache string) []string {
	t.Helper()
	entries, err := filepath.Glob(filepath.Join(cache, "v*", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestCacheCorruptEntries: an entry that is truncated, garbage, of another format, with a
// flipped byte, with a valid checksum over nonsense or with offsets past the file is never
// trusted: its file is analysed again, the report is right, and the entry is rewritten.
func TestCacheCorruptEntries(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	cache := t.TempDir()
	o := Options{Format: FormatJSON, CacheDir: cache}
	cold, _ := cachedRun(t, dir, o)
	entries := cacheEntries(t, cache)
	if len(entries) < 20 {
		t.Fatalf("%d entries", len(entries))
	}
	key := func(path string) [32]byte {
		var k [32]byte
		copy(k[:], mustHex(t, filepath.Base(filepath.Dir(path))+filepath.Base(path)))
		return k
	}
	var outOfRange entry
	outOfRange.findings = []analysis.Finding{{Case: "static_if", Start: 1 << 30, End: 1 << 30, Severity: analysis.Error}}
	corrupt := []func(path string, data []byte) []byte{
		func(_ string, d []byte) []byte { return d[:len(d)/2] },
		func(_ string, d []byte) []byte { return nil },
		func(_ string, d []byte) []byte { return bytes.Repeat([]byte{0xA5}, len(d)) },
		func(_ string, d []byte) []byte { d = slices.Clone(d); d[len(cacheMagic)]++; return d },
		func(_ string, d []byte) []byte { d = slices.Clone(d); d[len(d)-1] ^= 1; return d },
		func(p string, _ []byte) []byte { return wrapEntry(key(p), []byte{0, 5, 1, 2}) },
		func(p string, _ []byte) []byte { return wrapEntry(key(p), encodeEntry(&outOfRange)) },
		func(p string, d []byte) []byte { return append(slices.Clone(d), 0) },
	}
	for i, e := range entries {
		data, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, e, string(corrupt[i%len(corrupt)](e, data)))
	}
	warm, tr := cachedRun(t, dir, o)
	sameRun(t, "the run over corrupt entries", warm, cold)
	if len(tr.served) != 0 {
		t.Errorf("corrupt entries served %v", tr.served)
	}
	_, tr = cachedRun(t, dir, o)
	if len(tr.analysed) != 0 || len(tr.parsed) != 0 {
		t.Errorf("the entries were not rewritten: the next run analysed %v", tr.analysed)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	if _, err := fmt.Sscanf(s, "%x", &b); err != nil || len(b) != 32 {
		t.Fatalf("entry name %q: %v", s, err)
	}
	return b
}

// TestCacheUnwritable: a cache directory that cannot be written (here a file where it or
// its entries directory should be: that fails for root too) costs one warning, the report
// is unchanged, and the run still reads what the directory holds.
func TestCacheUnwritable(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	ref, _ := cachedRun(t, dir, Options{NoCache: true})
	blocker := filepath.Join(t.TempDir(), "file")
	writeFile(t, blocker, "not a directory")
	got, tr := cachedRun(t, dir, Options{CacheDir: blocker})
	if n := strings.Count(got.stderr, "warning: cannot write the cache"); n != 1 {
		t.Errorf("%d warnings about the cache, want 1:\n%s", n, got.stderr)
	}
	got.stderr = strings.Join(slices.DeleteFunc(strings.SplitAfter(got.stderr, "\n"), func(l string) bool {
		return strings.Contains(l, "warning: cannot write the cache")
	}), "")
	sameRun(t, "the run with an unwritable cache", got, ref)
	if len(tr.served) != 0 {
		t.Errorf("served %v from nowhere", tr.served)
	}

	// a cache written before, whose entries directory can no longer be written to
	cache := t.TempDir()
	cachedRun(t, dir, Options{CacheDir: cache})
	entries := filepath.Join(cache, fmt.Sprintf("v%d", cacheFormat))
	if err := os.Rename(entries, entries+".old"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, entries, "")
	got, _ = cachedRun(t, dir, Options{CacheDir: cache})
	if n := strings.Count(got.stderr, "warning: cannot write the cache"); n != 1 {
		t.Errorf("%d warnings about the cache, want 1:\n%s", n, got.stderr)
	}
	os.Remove(entries)
	os.Rename(entries+".old", entries)
	_, tr = cachedRun(t, dir, Options{CacheDir: cache, Quiet: true})
	if len(tr.analysed) != 0 {
		t.Errorf("the cache written before was not read: analysed %v", tr.analysed)
	}
}

// TestCacheConcurrentRuns: runs sharing a cache directory at once all print the report of
// a run without the cache and leave no temporary file; a reader racing a writer on one
// entry reads either version whole, never a mix.
func TestCacheConcurrentRuns(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	cache := t.TempDir()
	o := Options{Format: FormatJSON, CacheDir: cache}
	ref, _ := cachedRun(t, dir, Options{Format: FormatJSON, NoCache: true})
	var wg sync.WaitGroup
	results := make([]runResult, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			o := o
			o.Stdout, o.Stderr, o.WorkDir = &out, &errb, dir
			o.MinSeverity = analysis.Hint
			results[i] = runResult{Run(context.Background(), o), out.String(), errb.String()}
		}()
	}
	wg.Wait()
	for i, r := range results {
		sameRun(t, fmt.Sprintf("concurrent run %d", i), r, ref)
	}
	if tmp, _ := filepath.Glob(filepath.Join(cache, "v*", "*", ".tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	_, tr := cachedRun(t, dir, o)
	if len(tr.analysed) != 0 {
		t.Errorf("after concurrent runs, analysed %v", tr.analysed)
	}

	st := &cacheStore{dir: t.TempDir(), c: &resultCache{warned: map[string]bool{}}}
	key := sha256.Sum256([]byte("k"))
	versions := [][]byte{bytes.Repeat([]byte("a"), 200_000), bytes.Repeat([]byte("b"), 300_000)}
	st.put(key, versions[0])
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			st.put(key, versions[i%2])
		}
	}()
	reads := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		got, ok := st.get(key)
		if !ok {
			t.Fatal("an entry being rewritten could not be read")
		}
		if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
			t.Fatalf("read a mixed entry of %d bytes", len(got))
		}
		reads++
	}
	if len(st.c.warnings) != 0 {
		t.Errorf("warnings: %v", st.c.warnings)
	}
}

// TestNoCache: --no-cache neither reads nor writes.
func TestNoCache(t *testing.T) {
	dir := testfs.WriteTree(t, cacheTree(t))
	for range 2 {
		_, tr := cachedRun(t, dir, Options{NoCache: true})
		if len(tr.served) != 0 || len(tr.analysed) < 20 {
			t.Errorf("--no-cache served %v, analysed %v", tr.served, tr.analysed)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultCacheDirName)); !os.IsNotExist(err) {
		t.Errorf("--no-cache made a cache directory: %v", err)
	}
}

// TestCacheDirectory: the default directory is .exportdb_cache in the project root, tagged
// for backup tools and ignored by git; a configuration's cache-dir (relative to its file)
// moves it, and CacheDir (the flag) wins over both.
func TestCacheDirectory(t *testing.T) {
	files := cacheTree(t)
	dir := testfs.WriteTree(t, files)
	_, tr := cachedRun(t, filepath.Join(dir, "models"), Options{Paths: []string{"."}})
	if len(tr.analysed) == 0 {
		t.Fatal("nothing analysed")
	}
	// no configuration: the working directory is the root
	def := filepath.Join(dir, "models", DefaultCacheDirName)
	tag := read(t, filepath.Join(def, "CACHEDIR.TAG"))
	if !strings.HasPrefix(tag, "Signature: 8a477f597d28d172789f06886806bc55") {
		t.Errorf("CACHEDIR.TAG: %q", tag)
	}
	if gi := read(t, filepath.Join(def, ".gitignore")); !strings.Contains(gi, "\n*\n") {
		t.Errorf(".gitignore: %q", gi)
	}
	if len(cacheEntries(t, def)) == 0 {
		t.Error("no entries in the default directory")
	}

	writeFile(t, filepath.Join(dir, "pyproject.toml"), "[tool.exportdb]\ncache-dir = \"build/exportdb\"\n")
	cachedRun(t, filepath.Join(dir, "models"), Options{Paths: []string{"."}})
	if len(cacheEntries(t, filepath.Join(dir, "build/exportdb"))) == 0 {
		t.Error("no entries in the configured cache-dir")
	}
	flag := t.TempDir()
	cachedRun(t, dir, Options{Paths: []string{"models"}, CacheDir: flag})
	if len(cacheEntries(t, flag)) == 0 {
		t.Error("no entries in CacheDir")
	}
}

// TestCachePrune: pruning removes entries not used for the maximum age, then the least
// recently used until the size bound holds, and stale temporary files; nothing else: not
// a file named otherwise, not a link named as an entry, nothing under a linked shard, and
// it never writes through a link (a repository can hold any of them in its cache
// directory, or name any directory as its cache-dir).
func TestCachePrune(t *testing.T) {
	cache := t.TempDir()
	outside := t.TempDir()
	now := time.Now()
	day := 24 * time.Hour
	age := func(p string, d time.Duration) {
		t.Helper()
		if err := os.Chtimes(p, now.Add(-d), now.Add(-d)); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(rel string, size int, d time.Duration) string {
		p := filepath.Join(cache, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		writeFile(t, p, strings.Repeat("x", size))
		age(p, d)
		return p
	}
	entry := func(i int) string { return fmt.Sprintf("%062x", i) }
	tag := mk("CACHEDIR.TAG", 10, 100*day)
	expired := mk("v1/aa/"+entry(1), 10, 31*day)
	oldFormat := mk("v0/bb/"+entry(2), 10, 40*day)
	tmpOld := mk("v1/aa/.tmp-1", 10, 2*time.Hour)
	tmpNew := mk("v1/aa/.tmp-2", 10, time.Minute)
	foreign := []string{
		mk("var/aa/"+entry(3), 10, 100*day), // not an entries directory
		mk("v1/zz/"+entry(4), 10, 100*day),  // not a shard
		mk("v1/aa/notes.txt", 10, 100*day),  // not an entry
	}
	// a link named as an entry, to an old file outside; a linked shard of old entries
	victim := filepath.Join(outside, "victim")
	writeFile(t, victim, "keep me")
	age(victim, 100*day)
	link := filepath.Join(cache, "v1/aa", entry(5))
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(outside, "shard"), 0o755)
	behindLink := filepath.Join(outside, "shard", entry(6))
	writeFile(t, behindLink, "keep me too")
	age(behindLink, 100*day)
	if err := os.Symlink(filepath.Join(outside, "shard"), filepath.Join(cache, "v1/cd")); err != nil {
		t.Fatal(err)
	}
	var lru []string
	for i := range 10 {
		lru = append(lru, mk(fmt.Sprintf("v1/cc/%s", entry(100+i)), 100, time.Duration(10-i)*day))
	}
	pruneCache(cache, now, 30*day, 500)
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	for _, p := range []string{expired, oldFormat, tmpOld} {
		if exists(p) {
			t.Errorf("%s was kept", p)
		}
	}
	for _, p := range append([]string{tag, tmpNew, link, victim, behindLink}, foreign...) {
		if !exists(p) {
			t.Errorf("%s was removed", p)
		}
	}
	// 1000 bytes over a bound of 500: the oldest go until 400 remain
	for i, p := range lru {
		if want := i >= 6; exists(p) != want {
			t.Errorf("entry %d (age %d days): kept %v, want %v", i, 10-i, exists(p), want)
		}
	}

	// the prune marker, a link to a file outside, is replaced, not written through
	if err := os.Symlink(victim, filepath.Join(cache, "last-prune")); err != nil {
		t.Fatal(err)
	}
	st := &cacheStore{dir: cache, c: &resultCache{warned: map[string]bool{}}}
	st.maybePrune(now)
	if got := read(t, victim); got != "keep me" {
		t.Errorf("the prune marker wrote through a link: %q", got)
	}
}
