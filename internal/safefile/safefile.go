// Package safefile reads files whose presence and kind a repository controls: source,
// configuration, requirements and .gitignore files. It reads only regular files (following
// symbolic links), within a size cap, and never blocks on what opening or reading could
// block on (a named pipe, a device): anything else is an error that says what the file is.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

// ErrNotRegular is wrapped by the error for a path that is not a regular file (a named
// pipe, a device, a socket, a directory).
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError is returned for a file larger than the cap its reader set.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return "file is larger than " + Size(e.Limit)
}

// Size formats a byte count as the limits are written ("16 MiB", "1 MiB", "64 KiB").
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Read returns the contents of the regular file at path (symbolic links followed), or an
// error: one wrapping fs.ErrNotExist when there is none, ErrNotRegular when it is
// something else, a *TooLargeError when it holds more than max bytes (also when it grows
// past max while being read), or the system's error. It never blocks opening a named pipe.
func Read(path string, max int64) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
	}
	if fi.Size() > max {
		return nil, &TooLargeError{Limit: max}
	}
	// a buffer of the size Stat gave, plus one byte to see a file that grew; files of
	// /proc and the like say 0 and are read up to the cap
	buf := make([]byte, 0, min(fi.Size(), max)+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, &TooLargeError{Limit: max}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// Kind names a file mode's type for messages: "a directory", "a named pipe", ...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}

// IsTooLarge reports whether err is a *TooLargeError.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}

// Inside reports whether path, with symbolic links resolved, lies in the directory dir (also
// resolved) or below it. A path that cannot be resolved is not inside.
func Inside(path, dir string) bool {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	rel, err := filepath.Rel(dir, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
