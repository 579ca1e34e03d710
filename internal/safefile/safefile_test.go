//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRead: regular files are read (also through a link); a named pipe with no writer, a
// device, a directory and a missing file are errors at once, saying what the path is;
// a file over the cap is refused before it is read, and so is one whose size Stat does
// not tell (/proc) once it passes the cap.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "pyproject.toml")
	if err := os.WriteFile(reg, []byte("[tool.exportdb]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "exportdb.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zero := link("zero.toml", "/dev/zero")
	toReg := link("link.toml", reg)
	toFifo := link("fifo-link.toml", fifo)

	for _, p := range []string{reg, toReg} {
		got, err := Read(p, 1<<20)
		if err != nil || string(got) != "[tool.exportdb]\n" {
			t.Errorf("Read(%s) = %q, %v", p, got, err)
		}
	}
	for _, c := range []struct {
		path, kind string
	}{{fifo, "a named pipe"}, {toFifo, "a named pipe"}, {zero, "a character device"}, {dir, "a directory"}} {
		_, err := Read(c.path, 1<<20)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.kind) {
			t.Errorf("Read(%s) = %v, want ErrNotRegular naming %s", c.path, err, c.kind)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Read(reg, 4); !IsTooLarge(err) || err.Error() != "file is larger than 4 bytes" {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		if _, err := Read("/proc/self/status", 16); !IsTooLarge(err) {
			t.Errorf("/proc/self/status with a 16-byte cap: %v", err)
		}
	}
}

// TestInside: links are resolved before the comparison.
func TestInside(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	if err := os.MkdirAll(filepath.Join(proj, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(proj, "sub", "a.toml"), filepath.Join(root, "outside.toml")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := filepath.Join(proj, "in.toml")
	out := filepath.Join(proj, "out.toml")
	os.Symlink("sub/a.toml", in)
	os.Symlink("../outside.toml", out)
	if !Inside(in, proj) || Inside(out, proj) || Inside(filepath.Join(proj, "missing"), proj) {
		t.Errorf("Inside: in %v, out %v", Inside(in, proj), Inside(out, proj))
	}
}
