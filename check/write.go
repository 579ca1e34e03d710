package check

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path's contents with data so that readers see the old text or
// the new, never a mix: it writes a temporary file in the same directory, gives it the
// original's permissions (and, where the platform allows, owner), syncs it and renames it
// over the original. A symbolic link is followed: the file it points to is replaced and the
// link stays. When old is not nil, the file must still hold old just before the rename
// (an editor may have saved it meanwhile); otherwise nothing is written.
func writeFileAtomic(path string, data, old []byte) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) || old != nil {
			return err
		}
		real = path // a new file (the output file)
	}
	mode := fs.FileMode(0o644)
	fi, statErr := os.Stat(real)
	if statErr == nil {
		mode = fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".exportdb-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if statErr == nil {
		chown(tmp, fi) // before Chmod: a chown clears set-user-ID bits
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if old != nil {
		cur, err := os.ReadFile(real)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, old) {
			return errors.New("the file changed while it was being checked; not overwritten")
		}
	}
	if err := os.Rename(tmp.Name(), real); err != nil {
		return err
	}
	done = true
	syncDir(filepath.Dir(real))
	return nil
}

// syncDir makes a rename durable; failure only weakens durability, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
