package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/catalog/render"
)

const seedPath = "../../catalog/testdata/exportdb_index.rst"

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// pageNames are the files the docs command writes for a format: the pages render makes of
// the embedded catalog (the seed's index and tag pages, plus a page for the cases of ours).
func pageNames(t *testing.T, f render.Format) []string {
	t.Helper()
	pages, err := render.Pages(catalog.Default(), f, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pages {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func TestDocsRSTIsTheSeed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "docs") // created on demand
	out, errb, code := runCmd(t, "docs", "--format", "rst", "--out", dir)
	if code != 0 || errb != "" {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	if !strings.Contains(out, fmt.Sprintf("wrote %d rst files", len(pageNames(t, render.FormatRST)))) {
		t.Errorf("stdout %q", out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "index.rst"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("index.rst differs from the seed (%d bytes, want %d)", len(got), len(want))
	}
	wantNames := pageNames(t, render.FormatRST)
	if names := dirNames(t, dir); !slices.Equal(names, wantNames) {
		t.Errorf("files %v, want %v (no temporary files left)", names, wantNames)
	}
	fi, err := os.Stat(filepath.Join(dir, "torch.cond.rst"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("torch.cond.rst: %v, mode %v", err, fi.Mode())
	}

	// A second run replaces the files in place.
	if err := os.WriteFile(filepath.Join(dir, "index.rst"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := runCmd(t, "docs", "--out", dir); code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "index.rst")); string(got) != string(want) {
		t.Error("second run did not rewrite index.rst")
	}
}

func TestDocsMarkdownAndHTML(t *testing.T) {
	for _, f := range []string{"md", "html"} {
		dir := t.TempDir()
		_, errb, code := runCmd(t, "docs", "--format", f, "--out", dir, "--doc-version", "2.5")
		if code != 0 || errb != "" {
			t.Fatalf("%s: exit %d, stderr %q", f, code, errb)
		}
		names := dirNames(t, dir)
		if !slices.Equal(names, pageNames(t, render.Format(f))) || !slices.Contains(names, "index."+f) || !slices.Contains(names, "torch.dynamic-shape."+f) {
			t.Errorf("%s: files %v", f, names)
		}
		index, _ := os.ReadFile(filepath.Join(dir, "index."+f))
		ours, _ := os.ReadFile(filepath.Join(dir, render.OursPage+"."+f))
		for _, c := range catalog.Default().Cases() {
			page, where := index, "index" // cases of ours have their own page; the index stays the seed's
			if c.Origin != catalog.FromExportDB {
				page, where = ours, render.OursPage
			}
			if !strings.Contains(string(page), c.Name) {
				t.Errorf("%s: %s lacks %s", f, where, c.Name)
			}
		}
		if !strings.Contains(string(index), "https://pytorch.org/docs/2.5/generated/exportdb/index.html#") {
			t.Errorf("%s: links ignore --doc-version", f)
		}
	}
}

func TestDocsErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "--out DIR is required"},
		{[]string{"--out", t.TempDir(), "--format", "pdf"}, `invalid format "pdf"`},
		{[]string{"--out", file}, "exportdb docs:"},
		{[]string{"--out", t.TempDir(), "extra"}, `unexpected argument "extra"`},
		{[]string{"--nope"}, "unknown flag --nope"},
		{[]string{"--formt", "md"}, "did you mean --format?"},
	}
	for _, tt := range tests {
		out, errb, code := runCmd(t, append([]string{"docs"}, tt.args...)...)
		if code != 2 || out != "" || !strings.Contains(errb, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errb, tt.want)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "page.rst")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(name, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	// A failed rename (the target is a directory) leaves the target alone and no temp file.
	target := filepath.Join(dir, "busy")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(target, []byte("x")); err == nil {
		t.Error("writing over a directory succeeded")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"busy", "page.rst"}) {
		t.Errorf("files after a failure: %v", names)
	}
	// A missing directory is an error, not a partial file.
	if err := writeFileAtomic(filepath.Join(dir, "missing", "x.rst"), []byte("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
