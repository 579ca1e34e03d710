//go:build !unix

package check

import "io/fs"

// fileKey identifies a file; where the platform gives no device and inode numbers, files
// are told apart by their resolved path only.
type fileKey struct{}

func keyOf(fs.FileInfo) (fileKey, bool) { return fileKey{}, false }

func links(fs.FileInfo) uint64 { return 1 }

func writable(_ string, fi fs.FileInfo) bool { return fi.Mode().Perm()&0o200 != 0 }
