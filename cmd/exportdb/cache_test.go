package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCheckCacheSettings: the cache goes to .exportdb_cache in the project root, or where
// EXPORTDB_CACHE_DIR, the cache-dir key or --cache-dir (which wins) say; --no-cache and
// EXPORTDB_NO_CACHE=1 make none; a warm run prints what the cold one printed.
func TestCheckCacheSettings(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"pkg/model.py": roundModel,
		"pkg/util.py":  "import torch\n",
	})
	entries := func(cache string) int {
		t.Helper()
		m, _ := filepath.Glob(filepath.Join(cache, "v*", "*", "*"))
		return len(m)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	def := filepath.Join(dir, ".exportdb_cache")

	for _, run := range []func() cmdResult{
		func() cmdResult { return exportdbCheck(t, dir, "--no-cache", "pkg") },
		func() cmdResult { return exportdbCheckIn(t, dir, "", []string{"EXPORTDB_NO_CACHE=1"}, "pkg") },
	} {
		if r := run(); r.code != 1 || exists(def) {
			t.Errorf("without the cache: made %s: %v; %v", def, exists(def), r)
		}
	}

	cold := exportdbCheck(t, dir, "--format", "json", "pkg")
	warm := exportdbCheck(t, dir, "--format", "json", "pkg")
	if cold.code != 1 || cold != warm {
		t.Errorf("warm run differs from the cold one:\n%v\n%v", cold, warm)
	}
	if entries(def) == 0 || !exists(filepath.Join(def, "CACHEDIR.TAG")) || !exists(filepath.Join(def, ".gitignore")) {
		t.Errorf("the default cache %s has no entries or tags", def)
	}

	env := filepath.Join(t.TempDir(), "env")
	flag := filepath.Join(t.TempDir(), "flag")
	exportdbCheckIn(t, dir, "", []string{"EXPORTDB_CACHE_DIR=" + env}, "pkg")
	exportdbCheckIn(t, dir, "", []string{"EXPORTDB_CACHE_DIR=" + env}, "--cache-dir", flag, "pkg")
	if entries(env) == 0 || entries(flag) == 0 {
		t.Errorf("EXPORTDB_CACHE_DIR has %d entries, --cache-dir %d", entries(env), entries(flag))
	}

	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[tool.exportdb]\ncache-dir = \"build/cache\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exportdbCheck(t, dir, "pkg")
	if entries(filepath.Join(dir, "build/cache")) == 0 {
		t.Error("the cache-dir key was not followed")
	}
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte("[tool.exportdb]\ncache-dir = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := exportdbCheck(t, dir, "pkg"); r.code != 2 || !strings.Contains(r.stderr, "cache-dir: want a directory path") {
		t.Errorf("a bad cache-dir: %v", r)
	}

	help := exportdbCheck(t, dir, "--help")
	for _, f := range []string{"--no-cache", "--cache-dir DIR", "EXPORTDB_CACHE_DIR"} {
		if !strings.Contains(help.stdout+help.stderr, f) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

// TestCheckCacheConcurrentProcesses: exportdb processes sharing one cache directory at once
// (CI jobs, pre-commit beside an editor) each print the report of a run without the cache,
// cold and warm, and leave no temporary file behind.
func TestCheckCacheConcurrentProcesses(t *testing.T) {
	files := map[string]string{"pkg/__init__.py": ""}
	for i := range 12 {
		files[fmt.Sprintf("pkg/m%02d.py", i)] = roundModel
		files[fmt.Sprintf("lib/l%02d.py", i)] = strings.Replace(roundModel, "class Pool", fmt.Sprintf("class Pool%d", i), 1)
	}
	files["pkg/helpers.py"] = "def half(n):\n    return round(n / 2)\n"
	files["pkg/user.py"] = "import torch\nfrom pkg.helpers import half\n\n\nclass User(torch.nn.Module):\n    def forward(self, x):\n        return x[: half(x.shape[0])]\n"
	dir := checkTree(t, files)
	cache := t.TempDir()
	args := []string{"--format", "json", "--cache-dir", cache, "."}
	ref := exportdbCheck(t, dir, "--format", "json", "--no-cache", ".")
	for round := range 3 { // cold, warm, after an edit
		if round == 2 {
			p := filepath.Join(dir, "pkg/helpers.py")
			if err := os.WriteFile(p, []byte("def half(n):\n    return n // 2\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ref = exportdbCheck(t, dir, "--format", "json", "--no-cache", ".")
		}
		var wg sync.WaitGroup
		got := make([]cmdResult, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i] = exportdbCheck(t, dir, args...)
			}()
		}
		wg.Wait()
		for i, r := range got {
			if r != ref {
				t.Errorf("round %d, process %d:\n%v\nwant\n%v", round, i, r, ref)
			}
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(cache, "v*", "*", ".tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestCheckCacheStdin: a source read from stdin is analysed as it is, never served from
// the entry of the file it is named after, and never stored.
func TestCheckCacheStdin(t *testing.T) {
	dir := checkTree(t, map[string]string{"model.py": roundModel})
	cache := filepath.Join(dir, ".exportdb_cache")
	if r := exportdbCheck(t, dir, "model.py"); r.code != 1 {
		t.Fatalf("cold run: %v", r)
	}
	before, _ := filepath.Glob(filepath.Join(cache, "v*", "*", "*"))
	fixed := strings.Replace(roundModel, "round(n / 2)", "(n // 2)", 1)
	if r := exportdbCheckIn(t, dir, fixed, nil, "-", "--stdin-filename", "model.py"); r.code != 0 || strings.Contains(r.stdout, "dynamic_shape_round") {
		t.Errorf("stdin without the finding was served the file's:\n%v", r)
	}
	if r := exportdbCheckIn(t, dir, roundModel, nil, "-", "--stdin-filename", "model.py", "--fix", "--unsafe-fixes"); r.code != 0 || r.stdout != fixed {
		t.Errorf("stdin --fix:\n%v", r)
	}
	after, _ := filepath.Glob(filepath.Join(cache, "v*", "*", "*"))
	if len(after) != len(before) {
		t.Errorf("stdin runs wrote the cache: %d entries, then %d", len(before), len(after))
	}
}
