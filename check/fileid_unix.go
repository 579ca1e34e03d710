//go:build unix

package check

import (
	"io/fs"
	"syscall"
)

// fileKey identifies a file on its device: two paths with one key are one file (a
// symbolic link and its target, two hard links, two spellings of one path).
type fileKey struct{ dev, ino uint64 }

func keyOf(fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}

// links returns how many hard links fi has (1 where unknown).
func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// writable reports whether this process may write the file at path (as the kernel
// decides: root may write a read-only file).
func writable(path string, _ fs.FileInfo) bool {
	return syscall.Access(path, 2 /* W_OK */) == nil
}
