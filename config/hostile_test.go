//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// within fails the test when f does not return within a generous bound: a configuration
// read that blocks (a named pipe) or runs away (/dev/zero, a TOML bomb) would otherwise hang
// the test run instead of failing it.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

// TestNotRegularFiles (issue 16): configuration and requirements files that are not
// regular files are errors that say what they are, at once. A FIFO named exportdb.toml
// hung check forever; pyproject.toml -> /dev/zero (or requirements.txt -> /dev/zero with
// torch-version = "auto") ran out of memory.
func TestNotRegularFiles(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, root string) string // returns the path to Discover
		msg   string
	}{
		{"exportdb.toml is a named pipe", func(t *testing.T, root string) string {
			if err := syscall.Mkfifo(filepath.Join(root, "exportdb.toml"), 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "m.py")
		}, "exportdb.toml: cannot read: not a regular file (a named pipe)"},
		{"pyproject.toml links to /dev/zero", func(t *testing.T, root string) string {
			os.Symlink("/dev/zero", filepath.Join(root, "pyproject.toml"))
			return filepath.Join(root, "m.py")
		}, ""}, // a link out of the directory: skipped, as the .py walk skips one
		{"requirements.txt links to /dev/zero, auto", func(t *testing.T, root string) string {
			os.WriteFile(filepath.Join(root, "exportdb.toml"), []byte("torch-version = \"auto\"\n"), 0o644)
			os.Symlink("/dev/zero", filepath.Join(root, "requirements.txt"))
			return filepath.Join(root, "m.py")
		}, "no torch requirement found"},
		{"requirements.txt is a named pipe, auto", func(t *testing.T, root string) string {
			os.WriteFile(filepath.Join(root, "exportdb.toml"), []byte("torch-version = \"auto\"\n"), 0o644)
			if err := syscall.Mkfifo(filepath.Join(root, "requirements.txt"), 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "m.py")
		}, "requirements.txt: cannot read: not a regular file (a named pipe)"},
		{"pyproject.toml is a chain of links ending at a device", func(t *testing.T, root string) string {
			// the chain is resolved to its end, outside the directory: skipped
			os.Symlink("/dev/zero", filepath.Join(root, "zero"))
			os.Symlink("zero", filepath.Join(root, "pyproject.toml"))
			return filepath.Join(root, "m.py")
		}, ""},
		{"pyproject.toml too large", func(t *testing.T, root string) string {
			os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[tool.exportdb]\n# "+strings.Repeat("x", MaxFileSize)+"\n"), 0o644)
			return filepath.Join(root, "m.py")
		}, "pyproject.toml: cannot read: larger than 1 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			path := c.setup(t, root)
			var err error
			within(t, "Discover", func() { _, err = Discover(path) })
			if c.msg == "" {
				if err != nil {
					t.Errorf("Discover: %v, want the file skipped", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Discover: %v, want an error containing %q", err, c.msg)
			}
		})
	}
	// a link leading out of the directory is not followed, also for exportdb.toml; --config
	// names a file explicitly and may point anywhere
	root := testfs.WriteTree(t, map[string]string{"shared/exportdb.toml": "torch-version = \"2.5\"\n", "proj/m.py": ""})
	os.Symlink("../shared/exportdb.toml", filepath.Join(root, "proj", "exportdb.toml"))
	c, err := Discover(filepath.Join(root, "proj", "m.py"))
	if err != nil || c.Path != "" {
		t.Errorf("Discover through a link out of the directory: %+v, %v", c, err)
	}
	if c, err := Load(filepath.Join(root, "proj", "exportdb.toml")); err != nil || c.Target != v("2.5") {
		t.Errorf("Load of the link given explicitly: %+v, %v", c, err)
	}
}

// TestTOMLNesting (issue 16): a 40 KB exportdb.toml of 20,000-part dotted keys took 97 s
// and 22.7 GB; keys of more parts than MaxKeyParts, and arrays or inline tables nested
// deeper than MaxTOMLNesting, are refused before the TOML parser sees them. Values with
// dots (floats, versions, dates) and dotted keys of ordinary length are not.
func TestTOMLNesting(t *testing.T) {
	for _, c := range []struct {
		name, text string
		line       int
		msg        string
	}{
		{"20,000-part key", "# bomb\n" + strings.TrimSuffix(strings.Repeat("a.", 20000), ".") + " = 1\n", 2, "a key of more than 32 parts"},
		{"deep table header", "[" + strings.TrimSuffix(strings.Repeat("t.", 40), ".") + "]\n", 1, "a key of more than 32 parts"},
		{"deep key in an inline table", "x = { " + strings.TrimSuffix(strings.Repeat("k.", 40), ".") + " = 1 }\n", 1, "a key of more than 32 parts"},
		{"nested arrays", "x = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", 1, "nested more than 32 deep"},
		{"nested inline tables", "x = " + strings.Repeat("{a=", 100) + "1" + strings.Repeat("}", 100) + "\n", 1, "nested more than 32 deep"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := testfs.WriteTree(t, map[string]string{"exportdb.toml": c.text})
			var err error
			within(t, "Load", func() { _, err = Load(filepath.Join(root, "exportdb.toml")) })
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) {
				t.Errorf("Load: %#v, want line %d and %q", err, c.line, c.msg)
			}
		})
	}
	ok := "# a.b.c.d in a comment\nselect = [\"torch.cond\"]  # 1.2.3\n" +
		"per-file-ignores.\"a.b.c.py\" = [\"ALL\"]\n[severity]\n\"torch.cond\" = 'warning'\n" +
		"[per-file-ignores]\n\"x/y.z.py\" = [\"static_if\"]\n"
	root := testfs.WriteTree(t, map[string]string{"exportdb.toml": ok})
	if _, err := Load(filepath.Join(root, "exportdb.toml")); err != nil {
		t.Errorf("ordinary dotted keys and values: %v", err)
	}
	if err := checkTOMLNesting("x", "v = [1.5, 2.25, 3e1.0]\nd = 1979-05-27T07:32:00.999\ns = \"\"\"\na.b.c.d.e\"\"\"\n"); err != nil {
		t.Errorf("dots in values and strings: %v", err)
	}
}

// TestValidation (issue 16): values that were accepted silently or with a misleading
// message.
func TestValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		msg   string
	}{
		{"empty torch-version", map[string]string{"exportdb.toml": "torch-version = \"\"\n"}, `torch-version: empty: want a version such as "2.5" or "auto"`},
		{"empty select", map[string]string{"exportdb.toml": "select = []\n"}, `select: empty: leave select out, or write ["ALL"], to check every case`},
		{"auto, torch<0.1", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "requirements.txt": "torch<0.1\n"},
			"torch<0.1 (requirements.txt line 1) allows only torch versions without torch.export (it arrived in 2.1)"},
		{"auto, torch<2.0", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "requirements.txt": "torch<2.0\n"},
			"torch<2.0 (requirements.txt line 1) allows only torch versions without torch.export"},
		{"auto, torch==1.13", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "pyproject.toml": "[project]\ndependencies = [\"torch==1.13.1\"]\n"},
			"torch==1.13.1 (pyproject.toml: [project] dependencies) allows only torch versions without torch.export"},
		{"auto, dependencies a string", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "pyproject.toml": "[project]\ndependencies = \"torch>=2.5\"\n"},
			`[project] dependencies: want an array of requirement strings, got a string ("torch>=2.5")`},
		{"auto, dependency a number", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "pyproject.toml": "[project]\ndependencies = [\"numpy\", 2]\n"},
			"[project] dependencies: element 2: want a requirement string, got an integer (2)"},
		{"auto, poetry torch a number", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "pyproject.toml": "[tool.poetry.dependencies]\ntorch = 2.5\n"},
			"[tool.poetry.dependencies] torch: want a version string or a table, got a float (2.5)"},
		{"auto, optional-dependencies a list", map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "pyproject.toml": "[project]\noptional-dependencies = [\"torch>=2.5\"]\n"},
			"[project.optional-dependencies]: want a table of groups, got an array"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := testfs.WriteTree(t, c.files)
			_, err := Load(filepath.Join(root, "exportdb.toml"))
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Load: %v\nwant an error containing %q", err, c.msg)
			}
		})
	}
	// still accepted: a lower bound below torch.export is judged as the oldest version the
	// catalog knows; an upper bound of a later major, as the newest
	for req, want := range map[string]string{"torch>=1.13": "1.13", "torch<3.0": "2.13"} {
		root := testfs.WriteTree(t, map[string]string{"exportdb.toml": "torch-version = \"auto\"\n", "requirements.txt": req + "\n"})
		c, err := Load(filepath.Join(root, "exportdb.toml"))
		if err != nil || c.Target != v(want) {
			t.Errorf("%s: %+v, %v; want %s", req, c, err, want)
		}
	}
}
