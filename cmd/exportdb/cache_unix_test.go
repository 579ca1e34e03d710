//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cacheProject is a package linked across files (a helper with a finding that points back
// at its caller) and a model alone.
var cacheProject = map[string]string{
	"pkg/__init__.py": "",
	"pkg/helpers.py":  "def scaled_hw(h, w, s):\n    return round(h * s), round(w * s)\n",
	"pkg/model.py":    "import torch\nfrom pkg.helpers import scaled_hw\n\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n        h, w = x.shape[-2:]\n        nh, nw = scaled_hw(h, w, 0.5)\n        return x[..., :nh, :nw]\n",
	"alone.py":        roundModel,
}

// cacheSnapshot is every file of a cache directory with its size and modification time.
func cacheSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out[p] = fi.ModTime().Format(time.RFC3339Nano) + " " + fi.Mode().String()
		}
		return nil
	})
	return out
}

// withoutCacheWarning returns stderr without the cache's warning, and how many there were.
func withoutCacheWarning(stderr string) (string, int) {
	var kept []string
	n := 0
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if strings.Contains(l, "warning: cannot write the cache in ") {
			n++
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, ""), n
}

// TestCheckCacheReadOnly: a cache the user may read but not write (a CI cache restored
// read-only, another user's directory, a read-only checkout) serves what it holds, with no
// warning when nothing new is to be written and one warning, whatever the number of
// files, when something is; the report is always a run without the cache's, and the
// cache is left as it was.
func TestCheckCacheReadOnly(t *testing.T) {
	u := newUnprivileged(t)
	dir := u.tree(t, cacheProject)
	args := []string{"--format", "json", "--exit-zero", "."}
	ref := u.check(t, dir, append([]string{"--no-cache"}, args...)...)
	if !strings.Contains(ref.stdout, `"message": "Model.forward calls scaled_hw"`) {
		t.Fatalf("the project lost its cross-file finding:\n%v", ref)
	}
	if cold := u.check(t, dir, args...); cold != ref {
		t.Fatalf("cold run:\n%v\nwant\n%v", cold, ref)
	}
	cache := filepath.Join(dir, ".exportdb_cache")
	readOnly := func(root string) {
		t.Helper()
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			mode := os.FileMode(0o444)
			if fi.IsDir() {
				mode = 0o555
			}
			return os.Chmod(p, mode)
		})
	}
	readOnly(cache)
	before := cacheSnapshot(t, cache)
	if len(before) < 4 {
		t.Fatalf("the cold run left %d files in %s", len(before), cache)
	}
	if warm := u.check(t, dir, args...); warm != ref {
		t.Errorf("warm run from a read-only cache:\n%v\nwant\n%v", warm, ref)
	}

	// an edit leaves results to write: one warning, the right report
	model := filepath.Join(dir, "pkg/model.py")
	if err := os.WriteFile(model, []byte("import torch  # edited\n"+cacheProject["pkg/model.py"][len("import torch\n"):]), 0o644); err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(dir, "alone.py")
	if err := os.WriteFile(alone, []byte(roundModel+"\n# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref = u.check(t, dir, append([]string{"--no-cache"}, args...)...)
	got := u.check(t, dir, args...)
	stderr, n := withoutCacheWarning(got.stderr)
	if n != 1 || got.stdout != ref.stdout || stderr != ref.stderr || got.code != ref.code {
		t.Errorf("after an edit, with a read-only cache: %d warnings\n%v\nwant\n%v", n, got, ref)
	}
	if after := cacheSnapshot(t, cache); len(after) != len(before) {
		t.Errorf("the read-only cache changed: %d files, then %d", len(before), len(after))
	}

	// a directory never written, that the user cannot write to
	empty, err := os.MkdirTemp("", "exportdb-ro-cache-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(empty)
	if err := os.Chmod(empty, 0o555); err != nil {
		t.Fatal(err)
	}
	// and a read-only checkout: the default directory cannot be made
	checkout := u.tree(t, cacheProject)
	readOnly(checkout)
	defer filepath.Walk(checkout, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	for _, c := range []struct {
		name, dir string
		args      []string
	}{
		{"--cache-dir to a read-only directory", dir, append([]string{"--cache-dir", empty}, args...)},
		{"a read-only checkout", checkout, args},
	} {
		ref := u.check(t, c.dir, append([]string{"--no-cache"}, args...)...)
		got := u.check(t, c.dir, c.args...)
		stderr, n := withoutCacheWarning(got.stderr)
		if n != 1 || got.stdout != ref.stdout || stderr != ref.stderr || got.code != ref.code {
			t.Errorf("%s: %d warnings\n%v\nwant\n%v", c.name, n, got, ref)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("wrote into the read-only directory: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(checkout, ".exportdb_cache")); !os.IsNotExist(err) {
		t.Errorf("made a cache in the read-only checkout: %v", err)
	}
}
