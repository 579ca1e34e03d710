//go:build unix

package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestCacheHostileDirectory: what a repository can hold in its cache directory never makes
// a run block, write or read outside it, or trust an entry: a named pipe or a link to one
// as an entry, a linked entries directory or shard, a link as the tags of a directory the
// run did not make. The report is a run without the cache's.
func TestCacheHostileDirectory(t *testing.T) {
	dir := testfs.WriteTree(t, dependents)
	ref, _ := cachedRun(t, dir, Options{Format: FormatJSON, NoCache: true})
	cache := t.TempDir()
	outside := t.TempDir()
	o := Options{Format: FormatJSON, CacheDir: cache}
	cachedRun(t, dir, o)
	entries := cacheEntries(t, cache)
	if len(entries) < 4 {
		t.Fatalf("%d entries", len(entries))
	}
	fifo := filepath.Join(outside, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(entries[0])
	if err := syscall.Mkfifo(entries[0], 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(entries[1])
	if err := os.Symlink(fifo, entries[1]); err != nil {
		t.Fatal(err)
	}
	done := make(chan runResult)
	go func() {
		got, _ := cachedRun(t, dir, o)
		done <- got
	}()
	select {
	case got := <-done:
		sameRun(t, "named pipes as entries", got, ref)
	case <-time.After(30 * time.Second):
		t.Fatal("a named pipe as an entry blocked the run")
	}
	if fi, err := os.Lstat(entries[1]); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("the link to a named pipe was not replaced by an entry: %v %v", fi, err)
	}

	// a linked entries directory, in a directory the run did not make: nothing is written
	// through the link, no tag is written, and the run warns once
	other := t.TempDir()
	os.MkdirAll(filepath.Join(outside, "v2"), 0o755)
	if err := os.Symlink(filepath.Join(outside, "v2"), filepath.Join(other, fmt.Sprintf("v%d", cacheFormat))); err != nil {
		t.Fatal(err)
	}
	o.CacheDir = other
	got, _ := cachedRun(t, dir, o)
	if n := strings.Count(got.stderr, "warning: cannot write the cache"); n != 1 {
		t.Errorf("%d warnings for a linked entries directory, want 1:\n%s", n, got.stderr)
	}
	if written, _ := os.ReadDir(filepath.Join(outside, "v2")); len(written) != 0 {
		t.Errorf("wrote through the linked entries directory: %v", written)
	}
	for _, tag := range []string{"CACHEDIR.TAG", ".gitignore"} {
		if _, err := os.Lstat(filepath.Join(other, tag)); err == nil {
			t.Errorf("wrote %s into a directory the run did not make", tag)
		}
	}
}
