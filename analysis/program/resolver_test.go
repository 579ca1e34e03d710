package program

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolverModule(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x = 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("proj/pkg/__init__.py")
	write("proj/pkg/sub/__init__.py")
	mod := write("proj/pkg/sub/mod.py")
	script := write("proj/scripts/export.py")
	ns := write("proj/src/nspkg/layers/patch.py") // a namespace package: no __init__.py
	bad := write("proj/my-tools/run.py")

	r := NewResolver(nil)
	for path, want := range map[string]string{mod: "pkg.sub.mod", script: "export", ns: "patch", bad: "run"} {
		if got := r.Module(path).Name; got != want {
			t.Errorf("no roots: %s is %q, want %q", path, got, want)
		}
	}
	r = NewResolver([]string{filepath.Join(dir, "proj"), filepath.Join(dir, "proj", "src")})
	for path, want := range map[string]string{mod: "pkg.sub.mod", script: "scripts.export", ns: "nspkg.layers.patch", bad: "run"} {
		if got := r.Module(path).Name; got != want {
			t.Errorf("roots proj and proj/src: %s is %q, want %q", path, got, want)
		}
	}
	init := filepath.Join(dir, "proj", "pkg", "sub", "__init__.py")
	if m := r.Module(init); m.Name != "pkg.sub" || !m.IsPackage {
		t.Errorf("__init__: %+v", m)
	}
	if got := RootOf(mod, r.Module(mod)); got != filepath.Join(dir, "proj") {
		t.Errorf("RootOf: %s", got)
	}
	if got := RootOf(init, r.Module(init)); got != filepath.Join(dir, "proj") {
		t.Errorf("RootOf __init__: %s", got)
	}
}
