package check

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// This file applies .gitignore files the way git does; the syntax of one pattern (shared
// with the `exclude` configuration key) lives in config.Pattern.
//
//   - Every directory may hold a .gitignore; its patterns are relative to that directory.
//   - Within one file the last matching pattern decides; "!" re-includes.
//   - A deeper .gitignore overrides a shallower one for the paths below it.
//   - An ignored directory is not entered, so nothing below it can be re-included (git:
//     "It is not possible to re-include a file if a parent directory of that file is
//     excluded").
//   - .git/info/exclude of the repository counts as a .gitignore at its root, with the
//     lowest precedence. The global core.excludesFile is not read: a check must not depend
//     on one user's git setup.
//
// When a walk starts below the top of a git repository (the nearest parent holding .git),
// the .gitignore files between the repository root and the walk's root apply too. Outside
// a repository only the .gitignore files at and below the walk's root apply.

// ignoreFile is one parsed .gitignore.
type ignoreFile struct {
	base string // the directory the patterns are relative to
	pats []config.Pattern
}

// ignoreStack is the .gitignore files in force in one directory, shallowest first. It is
// never modified in place: push returns a new stack, so sibling directories share parents.
type ignoreStack []*ignoreFile

// push returns the stack for dir, adding dir's own .gitignore if it has one.
func (s ignoreStack) push(dir string) (ignoreStack, error) {
	f, err := readIgnoreFile(filepath.Join(dir, ".gitignore"), dir)
	if err != nil || f == nil {
		return s, err
	}
	out := make(ignoreStack, len(s), len(s)+1)
	copy(out, s)
	return append(out, f), nil
}

// ignored reports whether path (below the walk's root, its parents already kept) is ignored.
func (s ignoreStack) ignored(path string, isDir bool) bool {
	ignored := false
	for _, f := range s {
		rel, err := filepath.Rel(f.base, path)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			continue
		}
		if matched, ex := config.Decide(f.pats, filepath.ToSlash(rel), isDir); matched {
			ignored = ex
		}
	}
	return ignored
}

// maxIgnoreFile is the largest .gitignore (or info/exclude) read.
const maxIgnoreFile = 4 << 20

// readIgnoreFile parses a .gitignore; a missing file is nil, nil. Malformed patterns are
// skipped, as git skips them. Only a regular file of at most maxIgnoreFile bytes is read
// (a named pipe would block the walk).
func readIgnoreFile(path, base string) (*ignoreFile, error) {
	data, err := safefile.Read(path, maxIgnoreFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return nil, nil // a directory named .gitignore
		}
		return nil, err
	}
	return parseIgnore(data, base), nil
}

func parseIgnore(data []byte, base string) *ignoreFile {
	f := &ignoreFile{base: base}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if p, ok, err := config.ParsePattern(sc.Text()); ok && err == nil {
			f.pats = append(f.pats, p)
		}
	}
	return f
}

// repoRoot returns the nearest directory at or above dir holding .git (a directory, or a
// file in worktrees and submodules), or "".
func repoRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// stackAbove returns the ignore files in force for the entries of root's parent chain: the
// repository's info/exclude and the .gitignore files from the repository root down to
// root's parent. root's own .gitignore is pushed by the walk.
func stackAbove(root string) ignoreStack {
	top := repoRoot(root)
	if top == "" {
		return nil
	}
	var s ignoreStack
	if f, _ := readIgnoreFile(filepath.Join(top, ".git", "info", "exclude"), top); f != nil {
		s = append(s, f)
	}
	if top == root {
		return s
	}
	rel, err := filepath.Rel(top, root)
	if err != nil {
		return s
	}
	dir := top
	s, _ = s.push(dir)
	parts := strings.Split(rel, string(filepath.Separator))
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		s, _ = s.push(dir)
	}
	return s
}

// isVCSDir reports whether a directory name is version-control metadata, never walked.
func isVCSDir(name string) bool {
	switch name {
	case ".git", ".hg", ".svn", ".jj":
		return true
	}
	return false
}
