package check

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path's contents with data so that readers see the old text or
// the new, never a mix: it writes a temporary file in the same directory, gives it the
// original's permissions and owner, syncs it and renames it over the original. A symbolic
// link is followed: the file it points to is replaced and the link stays. When old is not
// nil, the file must still hold old just before the rename (an editor may have saved it
// meanwhile); otherwise nothing is written.
//
// A rename needs only the directory's permission, so a file is replaced only when the
// replacement changes nothing but its text: the process may write the file itself (a
// read-only file, or another user's, is reported instead), the file has one link (a
// rename would cut it from its other names), and the replacement keeps its owner and
// group (which only root, or the owner in the file's group, can give it).
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
		if !fi.Mode().IsRegular() {
			return errors.New("not rewritten: not a regular file")
		}
		if !writable(real, fi) {
			return fmt.Errorf("not rewritten: you may not write it (mode %v)", fi.Mode().Perm())
		}
		if n := links(fi); n > 1 {
			return fmt.Errorf("not rewritten: it has %d hard links, which replacing it would cut", n)
		}
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
		// before Chmod: a chown clears set-user-ID bits
		if err := chown(tmp, fi); err != nil {
			return errors.New("not rewritten: " + err.Error())
		}
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
