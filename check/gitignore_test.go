package check

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// discovered runs file discovery from cwd and returns the files found ("/"-separated,
// relative to cwd) and the paths that were errors.
func discovered(t *testing.T, cwd string, paths ...string) (files, errs []string) {
	t.Helper()
	r := &runner{o: Options{Paths: paths}, cwd: cwd}
	cs, err := r.newConfigs()
	if err != nil {
		t.Fatal(err)
	}
	targets, errRes := r.discover(cs)
	if len(cs.errs) > 0 {
		t.Fatalf("config errors: %v", cs.errs)
	}
	for _, tg := range targets {
		files = append(files, filepath.ToSlash(tg.path))
	}
	for _, e := range errRes {
		errs = append(errs, filepath.ToSlash(e.Path))
	}
	sort.Strings(files)
	sort.Strings(errs)
	return files, errs
}

// TestGitignore is a table of .gitignore trees and the files a check of the root finds.
func TestGitignore(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // besides the .py files, which are all empty
		py    []string
		want  []string
	}{
		{
			name:  "basename glob at any depth",
			files: map[string]string{".gitignore": "# generated\n\n*_pb2.py\n"},
			py:    []string{"a.py", "a_pb2.py", "x/y/b_pb2.py", "x/c.py"},
			want:  []string{"a.py", "x/c.py"},
		},
		{
			name:  "negation re-includes",
			files: map[string]string{".gitignore": "gen_*.py\n!gen_keep.py\n"},
			py:    []string{"gen_a.py", "gen_keep.py", "m.py"},
			want:  []string{"gen_keep.py", "m.py"},
		},
		{
			name:  "last match wins",
			files: map[string]string{".gitignore": "!gen_keep.py\ngen_*.py\n"},
			py:    []string{"gen_a.py", "gen_keep.py", "m.py"},
			want:  []string{"m.py"},
		},
		{
			name:  "dir-only pattern spares a file of that name",
			files: map[string]string{".gitignore": "build/\ngen.py/\n"},
			py:    []string{"build/a.py", "src/build/b.py", "src/c.py", "gen.py/d.py", "src/gen.py"},
			want:  []string{"src/c.py", "src/gen.py"},
		},
		{
			name:  "anchored pattern",
			files: map[string]string{".gitignore": "/out.py\n/tools/gen\n"},
			py:    []string{"out.py", "sub/out.py", "tools/gen/a.py", "sub/tools/gen/b.py"},
			want:  []string{"sub/out.py", "sub/tools/gen/b.py"},
		},
		{
			name:  "double star",
			files: map[string]string{".gitignore": "**/cache/**\nlogs/**/*.py\n"},
			py:    []string{"cache/a.py", "x/cache/y/b.py", "logs/c.py", "logs/2024/d.py", "keep/e.py"},
			want:  []string{"keep/e.py"},
		},
		{
			name:  "nested .gitignore is relative to its directory and overrides the parent",
			files: map[string]string{".gitignore": "*.gen.py\n", "pkg/.gitignore": "!special.gen.py\n/local.py\n"},
			py:    []string{"a.gen.py", "pkg/b.gen.py", "pkg/special.gen.py", "pkg/local.py", "pkg/sub/local.py", "local.py"},
			want:  []string{"local.py", "pkg/special.gen.py", "pkg/sub/local.py"},
		},
		{
			name:  "no re-include below an ignored directory",
			files: map[string]string{".gitignore": "vendor/\n!vendor/keep.py\n"},
			py:    []string{"vendor/keep.py", "vendor/x.py", "m.py"},
			want:  []string{"m.py"},
		},
		{
			name:  "directory contents pattern allows re-include",
			files: map[string]string{".gitignore": "vendor/*\n!vendor/keep.py\n"},
			py:    []string{"vendor/keep.py", "vendor/x.py", "m.py"},
			want:  []string{"m.py", "vendor/keep.py"},
		},
		{
			name:  "hidden directories are walked unless ignored; .git never",
			files: map[string]string{".gitignore": ".venv/\n", ".git/hooks/h.py": ""},
			py:    []string{".venv/lib/torch.py", ".tools/t.py", "m.py"},
			want:  []string{".tools/t.py", "m.py"},
		},
		{
			name:  "trailing spaces, CRLF and escapes",
			files: map[string]string{".gitignore": "a.py   \r\n\\#b.py\r\n\\!c.py\n"},
			py:    []string{"a.py", "#b.py", "!c.py", "d.py"},
			want:  []string{"d.py"},
		},
		{
			name:  "character classes",
			files: map[string]string{".gitignore": "test_[0-9].py\nx[!a].py\n"},
			py:    []string{"test_1.py", "test_a.py", "xa.py", "xb.py"},
			want:  []string{"test_a.py", "xa.py"},
		},
		{
			name:  "only .py files",
			files: map[string]string{"notes.txt": "", "stub.pyi": "", "data.py.bak": ""},
			py:    []string{"m.py"},
			want:  []string{"m.py"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range tt.files {
				files[k] = v
			}
			for _, p := range tt.py {
				files[p] = ""
			}
			root := testfs.WriteTree(t, files)
			got, errs := discovered(t, root, ".")
			if !reflect.DeepEqual(got, tt.want) || len(errs) > 0 {
				t.Errorf("got %v (errors %v); want %v", got, errs, tt.want)
			}
		})
	}
}

func TestGitignoreAboveWalkRoot(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		".git/info/exclude":   "secret_*.py\n",
		".gitignore":          "pkg/gen/\n",
		"pkg/.gitignore":      "*.tmp.py\n",
		"pkg/sub/gen/a.py":    "",
		"pkg/gen/b.py":        "",
		"pkg/sub/c.tmp.py":    "",
		"pkg/sub/secret_d.py": "",
		"pkg/sub/e.py":        "",
	})
	// checking pkg/sub from the repository root: the repo's files above still apply
	got, _ := discovered(t, root, filepath.Join("pkg", "sub"))
	if want := []string{"pkg/sub/e.py", "pkg/sub/gen/a.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
	// outside a repository the parents' .gitignore files do not apply
	os.RemoveAll(filepath.Join(root, ".git"))
	got, _ = discovered(t, root, filepath.Join("pkg", "sub"))
	if want := []string{"pkg/sub/c.tmp.py", "pkg/sub/e.py", "pkg/sub/gen/a.py", "pkg/sub/secret_d.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("without .git: got %v; want %v", got, want)
	}
}

func TestDiscoverExcludesAndArguments(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		"pyproject.toml":    "[tool.exportdb]\nexclude = [\"legacy/\", \"*_old.py\"]\n",
		".gitignore":        "ignored.py\n",
		"legacy/a.py":       "",
		"m_old.py":          "",
		"ignored.py":        "",
		"m.py":              "",
		"script":            "#!/usr/bin/env python\n",
		"sub/exportdb.toml": "exclude = [\"skip.py\"]\n",
		"sub/skip.py":       "",
		"sub/keep.py":       "",
		"dir.py/inner.py":   "",
	})
	got, _ := discovered(t, root, ".")
	want := []string{"dir.py/inner.py", "m.py", "sub/keep.py"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("walk: got %v; want %v", got, want)
	}
	// files named explicitly are checked whatever the excludes, .gitignore or extension;
	// duplicates are dropped
	got, _ = discovered(t, root, "legacy/a.py", "ignored.py", "script", "m.py", "./m.py")
	want = []string{"ignored.py", "legacy/a.py", "m.py", "script"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("arguments: got %v; want %v", got, want)
	}
	_, errs := discovered(t, root, "missing.py")
	if !reflect.DeepEqual(errs, []string{"missing.py"}) {
		t.Errorf("missing path errors = %v", errs)
	}
}

func TestDiscoverSymlinks(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"real/a.py": "", "m.py": ""})
	if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "linkdir")); err != nil {
		t.Skip("no symlinks:", err)
	}
	os.Symlink(filepath.Join(root, "m.py"), filepath.Join(root, "alias.py"))
	os.Symlink(filepath.Join(root, "nowhere.py"), filepath.Join(root, "dangling.py"))
	os.Symlink(root, filepath.Join(root, "real", "loop")) // a cycle, never followed
	outside := testfs.WriteTree(t, map[string]string{"secret.py": ""})
	os.Symlink(filepath.Join(outside, "secret.py"), filepath.Join(root, "escape.py")) // outside the path given: not read
	// alias.py is m.py: each file is checked once, under the path that is not a link
	got, errs := discovered(t, root, ".")
	if want := []string{"m.py", "real/a.py"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
	if !reflect.DeepEqual(errs, []string{"dangling.py"}) {
		t.Errorf("errors = %v; want the dangling link", errs)
	}
}

// TestWalk: the exported walk finds what a check of the directory finds, and Skip leaves
// out more.
func TestWalk(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{
		".git/info/exclude":    "secret_*.py\n",
		".gitignore":           "*.gen.py\nvendor/\nbuild/*\n!build/keep.py\n",
		"pkg/.gitignore":       "!special.gen.py\n/local.py\n",
		"a.py":                 "",
		"a.gen.py":             "",
		"secret_x.py":          "",
		"vendor/v.py":          "",
		"build/b.py":           "",
		"build/keep.py":        "",
		"pkg/special.gen.py":   "",
		"pkg/local.py":         "",
		"pkg/sub/local.py":     "",
		"pkg/notes.txt":        "",
		".venv/lib/torch.py":   "",
		".hg/store/h.py":       "",
		"deep/er/still/d.py":   "",
		"dir.py/inner.py":      "",
		"pkg/sub/.gitignore":   "*\n!*.py\n!*/\n",
		"pkg/sub/kept/deep.py": "",
	})
	os.Symlink(filepath.Join(root, "pkg"), filepath.Join(root, "linkdir"))
	os.Symlink(filepath.Join(root, "a.py"), filepath.Join(root, "alias.py"))
	walked := func(dir string, opts WalkOptions) []string {
		t.Helper()
		var got []string
		err := Walk(dir, opts, func(path string) error {
			if !filepath.IsAbs(path) {
				t.Errorf("Walk gave a relative path %s", path)
			}
			rel, _ := filepath.Rel(root, path)
			got = append(got, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Walk gives every path; a check takes each file once (alias.py is a.py)
	want, _ := discovered(t, root, ".")
	want = append(want, "alias.py")
	sort.Strings(want)
	if got := walked(root, WalkOptions{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Walk(root) = %v; a check finds %v and alias.py", got, want)
	}
	// below the repository root: the .gitignore files above still apply
	want, _ = discovered(t, root, "pkg")
	if got := walked(filepath.Join(root, "pkg"), WalkOptions{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Walk(pkg) = %v; a check finds %v", got, want)
	}
	// Skip leaves out a directory (not entered) and a file
	var asked []string
	got := walked(root, WalkOptions{Skip: func(path string, isDir bool) bool {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if isDir {
			asked = append(asked, rel+"/")
		}
		return rel == ".venv" || rel == "deep" || rel == "a.py"
	}})
	want = []string{"alias.py", "build/keep.py", "dir.py/inner.py", "pkg/special.gen.py", "pkg/sub/kept/deep.py", "pkg/sub/local.py"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with Skip: %v; want %v", got, want)
	}
	for _, d := range asked {
		if strings.HasPrefix(d, "deep/") && d != "deep/" || strings.HasPrefix(d, "vendor") || strings.HasPrefix(d, ".hg") {
			t.Errorf("Skip asked about %s: below a skipped or ignored directory, or VCS metadata", d)
		}
	}
	if err := Walk(filepath.Join(root, "a.py"), WalkOptions{}, func(string) error { return nil }); err == nil {
		t.Error("Walk of a file: no error")
	}
	stop := errors.New("stop")
	n := 0
	if err := Walk(root, WalkOptions{}, func(string) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Walk after fn's error: err %v after %d files; want stop after 1", err, n)
	}
}
