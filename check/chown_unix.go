//go:build unix

package check

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// chown gives f the owner and group of the file it replaces. It fails unless we own the
// file (and belong to its group) or are root: the file is then not replaced, since the
// replacement would belong to us.
func chown(f *os.File, orig fs.FileInfo) error {
	st, ok := orig.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("it belongs to user %d, group %d, which the rewritten file could not keep", st.Uid, st.Gid)
	}
	return nil
}
