package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds any bytes to the configuration loader, as an exportdb.toml and as a
// pyproject.toml, with a requirements.txt next to them for torch-version = "auto": it
// returns a configuration or an *Error naming the file, never panics, and refuses keys
// and nesting past the limits before the TOML parser sees them.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("torch-version = \"2.5\"\nselect = [\"ALL\"]\n[severity]\n\"torch.cond\" = \"warning\"\n"), []byte(""))
	f.Add([]byte("[tool.exportdb]\ntorch-version = \"auto\"\n[project]\ndependencies = [\"torch>=2.4,<2.6\"]\n"), []byte(""))
	f.Add([]byte("torch-version = \"auto\"\n"), []byte("torch==2.5.1 \\\n  --hash=sha256:abc\n"))
	f.Add([]byte("torch-version = \"auto\"\n"), []byte("torch<2.0\n"))
	f.Add([]byte(strings.Repeat("a.", 2000)+"a = 1\n"), []byte("")) // issue 16's bomb, smaller
	f.Add([]byte("x = "+strings.Repeat("[", 200)+strings.Repeat("]", 200)), []byte(""))
	f.Add([]byte("per-file-ignores.\"a.py\" = [1]\nexclude = [\"[bad\"]\n"), []byte(""))
	f.Add([]byte("s = '''\n"+strings.Repeat("a.", 100)+"'''\n[t]\n\"k.k\" = {a.b = 1}\n"), []byte(""))
	f.Fuzz(func(t *testing.T, text, reqs []byte) {
		if len(text) > 1<<16 || len(reqs) > 1<<16 {
			return
		}
		for _, name := range []string{ExportdbTOML, PyprojectTOML} {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, text, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), reqs, 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.File != path {
					t.Fatalf("%s: error %v is not an *Error naming the file", name, err)
				}
				continue
			}
			if c.Path != path || c.Root != dir {
				t.Fatalf("%s: Path %q Root %q", name, c.Path, c.Root)
			}
			if checkTOMLNesting(path, string(text)) != nil {
				t.Fatalf("%s: accepted past the nesting limits", name)
			}
		}
	})
}
