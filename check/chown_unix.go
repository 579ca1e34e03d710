//go:build unix

package check

import (
	"io/fs"
	"os"
	"syscall"
)

// chown gives f the owner and group of the file it replaces. It fails unless we own the
// file or are root; the original owner then simply becomes us, as with any editor's save.
func chown(f *os.File, orig fs.FileInfo) {
	if st, ok := orig.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
