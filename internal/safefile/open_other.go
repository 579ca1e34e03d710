//go:build !unix

package safefile

import (
	"fmt"
	"io/fs"
	"os"
)

// openNonBlocking opens path for reading after checking that it is a regular file (where
// there is no O_NONBLOCK, a named pipe is refused before it is opened).
func openNonBlocking(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
	}
	return os.Open(path)
}
