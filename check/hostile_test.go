//go:build unix

package check

import (
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestNamedPipes: a named pipe where a .gitignore or a .py file is expected does not block
// the walk: the .gitignore is an error, the .py file is not a file to check, and the other
// files are found.
func TestNamedPipes(t *testing.T) {
	root := testfs.WriteTree(t, map[string]string{"a.py": "", "sub/b.py": ""})
	for _, p := range []string{".gitignore", "sub/fifo.py"} {
		if err := syscall.Mkfifo(filepath.Join(root, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var got, errs []string
	go func() {
		defer close(done)
		got, errs = discovered(t, root, ".")
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the walk blocked on a named pipe")
	}
	if !reflect.DeepEqual(got, []string{"a.py", "sub/b.py"}) || !reflect.DeepEqual(errs, []string{".gitignore"}) {
		t.Errorf("found %v, errors %v", got, errs)
	}
}
