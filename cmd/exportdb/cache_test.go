package main

import (
	"os"
	"path/filepath"
	"strings"
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
