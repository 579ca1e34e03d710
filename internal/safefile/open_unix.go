//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without blocking: opening a named pipe with no
// writer would wait forever. Reads of a regular file ignore the flag.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
