//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Issue 16: what a repository, or an unlucky user, can make `exportdb check` do. Each test
// holds the reproduction.

// unprivileged runs commands as a user who is not root: nobody, through setpriv (or
// runuser) from util-linux when the tests run as root (as CI does), or the current user.
// Tests that need files of another user set them up only as root.
type unprivileged struct {
	uid, gid int
	asRoot   bool // the tests run as root and drop privileges for the command
}

func newUnprivileged(t *testing.T) unprivileged {
	t.Helper()
	if os.Geteuid() != 0 {
		return unprivileged{uid: os.Geteuid(), gid: os.Getegid()}
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root, and no user nobody to drop privileges to: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	up := unprivileged{uid: uid, gid: gid, asRoot: true}
	// the binary must be reachable by that user
	if err := os.Chmod(filepath.Dir(checkBin), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := up.command(t, "", "id", "-u").Output(); err != nil || strings.TrimSpace(string(out)) != u.Uid {
		t.Fatalf("dropping privileges to nobody: %q, %v (setpriv comes with util-linux)", out, err)
	}
	return up
}

// command builds the command line args run as the unprivileged user in dir.
func (u unprivileged) command(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	var cmd *exec.Cmd
	switch {
	case !u.asRoot:
		cmd = exec.Command(args[0], args[1:]...)
	default:
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Fatalf("running as root: setpriv (util-linux) is needed to drop privileges: %v", err)
		}
		cmd = exec.Command(setpriv, append([]string{"--reuid=" + strconv.Itoa(u.uid), "--regid=" + strconv.Itoa(u.gid), "--clear-groups", "--"}, args...)...)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "HOME=/")
	return cmd
}

// check runs exportdb check as the unprivileged user.
func (u unprivileged) check(t *testing.T, dir string, args ...string) cmdResult {
	t.Helper()
	cmd := u.command(t, dir, append([]string{checkBin, "check"}, args...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cmdResult{out.String(), errb.String(), code}
}

// tree makes a directory the unprivileged user owns, reachable from /.
func (u unprivileged) tree(t *testing.T, files map[string]string) string {
	t.Helper()
	base, err := os.MkdirTemp("", "exportdb-unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		full := filepath.Join(base, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if u.asRoot {
		filepath.Walk(base, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, u.uid, u.gid) })
	}
	return base
}

func owner(t *testing.T, path string) (uid int, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid), fi.Mode().Perm()
}

// TestCheckFixPermissions (issue 16): as a user who may write the directory but not the
// file, --fix replaced a read-only (0444) file and another user's file (renaming its own
// file over them, which takes only the directory's permission) and made them its own.
// Such files are now reported and left as they were; the user's own file is fixed.
func TestCheckFixPermissions(t *testing.T) {
	u := newUnprivileged(t)
	dir := u.tree(t, map[string]string{"mine.py": roundModel, "ro.py": roundModel, "theirs.py": roundModel, "theirs_ro.py": roundModel})
	fixed := strings.Replace(roundModel, "round(n / 2)", "(n // 2)", 1)
	if err := os.Chmod(filepath.Join(dir, "ro.py"), 0o444); err != nil {
		t.Fatal(err)
	}
	others := []string{}
	if u.asRoot { // files of another user (root), in the user's directory
		for name, mode := range map[string]os.FileMode{"theirs.py": 0o666, "theirs_ro.py": 0o644} {
			p := filepath.Join(dir, name)
			os.Chown(p, 0, 0)
			os.Chmod(p, mode)
			others = append(others, name)
		}
	}
	r := u.check(t, dir, "--fix", "--unsafe-fixes", "--format", "concise", ".")
	if got := readText(t, filepath.Join(dir, "mine.py")); got != fixed {
		t.Errorf("mine.py not fixed: %v", r)
	}
	if uid, _ := owner(t, filepath.Join(dir, "mine.py")); uid != u.uid {
		t.Errorf("mine.py now belongs to %d", uid)
	}
	if r.code != 2 || !strings.Contains(r.stderr, "ro.py: error: cannot write fixes: not rewritten: you may not write it (mode -r--r--r--)") {
		t.Errorf("ro.py: %v", r)
	}
	if got := readText(t, filepath.Join(dir, "ro.py")); got != roundModel {
		t.Errorf("ro.py was rewritten")
	}
	if uid, mode := owner(t, filepath.Join(dir, "ro.py")); uid != u.uid || mode != 0o444 {
		t.Errorf("ro.py: owner %d mode %v", uid, mode)
	}
	for _, name := range others {
		p := filepath.Join(dir, name)
		if got := readText(t, p); got != roundModel {
			t.Errorf("%s (root's) was rewritten", name)
		}
		if uid, _ := owner(t, p); uid != 0 {
			t.Errorf("%s now belongs to %d", name, uid)
		}
		if !strings.Contains(r.stderr, name+": error: cannot write fixes: not rewritten:") {
			t.Errorf("%s not reported: %v", name, r)
		}
		// the finding the fix did not remove is still shown
		if !strings.Contains(r.stdout, name+":8:20: error dynamic_shape_round") {
			t.Errorf("%s: its finding is not shown: %v", name, r)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".exportdb-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestCheckUnreadableDirectory (issue 16): a directory without search permission was a
// configuration error: exit 2, no findings for any file, --output-file not written. It is
// now an error for that directory, and everything else is checked and reported.
func TestCheckUnreadableDirectory(t *testing.T) {
	u := newUnprivileged(t)
	dir := u.tree(t, map[string]string{"ok.py": roundModel, "locked/a.py": roundModel, "locked/sub/b.py": roundModel})
	if err := os.Chmod(filepath.Join(dir, "locked"), 0o644); err != nil { // read, no search
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	r := u.check(t, dir, "--format", "json", "--output-file", "report.json", ".")
	if r.code != 2 || strings.Count(r.stderr, "error:") != 1 || !strings.Contains(r.stderr, "locked: error: cannot read directory: permission denied") {
		t.Errorf("want one error, for the directory: %v", r)
	}
	var report struct {
		Findings []struct{ Path string }
		Errors   []struct{ Path, Kind string }
	}
	if err := json.Unmarshal([]byte(readText(t, filepath.Join(dir, "report.json"))), &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Findings) != 1 || report.Findings[0].Path != "ok.py" || len(report.Errors) != 1 || report.Errors[0].Path != "locked" {
		t.Errorf("report: %+v", report)
	}
}

// TestCheckDuplicatePaths (issue 16): a file reached twice (a link in the tree, another
// spelling on the command line, a hard link) was fixed twice: the second write found the
// file changed ("file changed while it was being checked", exit 2) and the fixed finding
// was listed as remaining. Each file is now analysed and fixed once.
func TestCheckDuplicatePaths(t *testing.T) {
	dir := checkTree(t, map[string]string{"real.py": roundModel, "sub/other.py": roundModel})
	os.Symlink("real.py", filepath.Join(dir, "alias.py"))
	os.Link(filepath.Join(dir, "sub", "other.py"), filepath.Join(dir, "sub", "hard.py"))
	r := exportdbCheck(t, dir, "--fix", "--unsafe-fixes", "--format", "concise", ".", "real.py", "./real.py", "sub/../real.py", "alias.py")
	fixed := strings.Replace(roundModel, "round(n / 2)", "(n // 2)", 1)
	if got := readText(t, filepath.Join(dir, "real.py")); got != fixed {
		t.Errorf("real.py: %v", r)
	}
	// one fixed (real.py), one remaining (the hard-linked pair, not rewritten)
	if strings.Contains(r.stderr, "changed while it was being checked") || !strings.Contains(r.stdout, "Found 2 findings (1 fixed, 1 remaining)") {
		t.Errorf("a file was fixed twice: %v", r)
	}
	// the hard-linked pair is one file with two names: it is checked once, and not
	// replaced (a rename would cut the link), which is reported
	if !strings.Contains(r.stderr, "error: cannot write fixes: not rewritten: it has 2 hard links") || strings.Count(r.stdout, "dynamic_shape_round") != 1 {
		t.Errorf("hard links: %v", r)
	}
	if strings.Contains(r.stdout, "alias.py") || strings.Contains(r.stderr, "alias.py") {
		t.Errorf("the link was reported instead of the file: %v", r)
	}
}

// TestCheckLineEndings (issue 16): a file of lone "\r" line endings (CPython reads them)
// got "All checks passed!"; a multi-line fix wrote "\n" lines into a "\r\n" file.
func TestCheckLineEndings(t *testing.T) {
	optional := "import torch\n\n\nclass M(torch.nn.Module):\n    def forward(self, x, y=torch.randn(2, 3)):\n        if y is not None:\n            return x + y\n        return x\n"
	dir := checkTree(t, map[string]string{
		"cr.py":   strings.ReplaceAll(roundModel, "\n", "\r"),
		"crlf.py": strings.ReplaceAll(optional, "\n", "\r\n"),
	})
	r := exportdbCheck(t, dir, "--format", "concise", "cr.py")
	if r.code != 1 || !strings.Contains(r.stdout, "cr.py:8:20: error dynamic_shape_round") {
		t.Errorf("lone \\r endings: %v", r)
	}
	before := readText(t, filepath.Join(dir, "crlf.py"))
	r = exportdbCheck(t, dir, "--fix", "--unsafe-fixes", "crlf.py")
	after := readText(t, filepath.Join(dir, "crlf.py"))
	if after == before {
		t.Fatalf("no fix applied to crlf.py: %v", r)
	}
	if strings.Count(after, "\n") != strings.Count(after, "\r\n") || strings.Count(after, "\r") != strings.Count(after, "\r\n") {
		t.Errorf("mixed line endings after the fix:\n%q", after)
	}
}

// TestCheckOutputSafety (issue 16): --output-file followed a symbolic link committed in
// the repository and overwrote its target, and overwrote a checked .py without a word;
// escape sequences in file names and source lines reached the terminal raw.
func TestCheckOutputSafety(t *testing.T) {
	target := checkTree(t, map[string]string{"precious.txt": "keep me\n"})
	evil := "\x1b]0;pwned\x07\x1b[2J"
	dir := checkTree(t, map[string]string{
		"model.py":             roundModel,
		"esc" + evil + ".py":   roundModel,
		"line.py":              strings.Replace(roundModel, "return x[: round(n / 2)]", "return x[: round(n / 2)]  # "+evil, 1),
		"other/placeholder.py": "",
	})
	os.Symlink(filepath.Join(target, "precious.txt"), filepath.Join(dir, "report.sarif"))
	for _, c := range []struct{ out, msg string }{
		{"report.sarif", "--output-file: report.sarif: a symbolic link: not followed"},
		{"model.py", "--output-file: model.py: one of the files being checked: not overwritten"},
	} {
		r := exportdbCheck(t, dir, "--format", "sarif", "--output-file", c.out, ".")
		if r.code != 2 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("--output-file %s: %v", c.out, r)
		}
	}
	if readText(t, filepath.Join(target, "precious.txt")) != "keep me\n" || readText(t, filepath.Join(dir, "model.py")) != roundModel {
		t.Errorf("a file was overwritten")
	}
	for _, format := range []string{"text", "concise"} {
		r := exportdbCheck(t, dir, "--format", format, ".")
		all := r.stdout + r.stderr
		if strings.ContainsAny(all, "\x1b\x07") {
			t.Errorf("%s: control characters reached the terminal:\n%q", format, all)
		}
		if !strings.Contains(r.stdout, "esc␛]0;pwned␇␛[2J.py:8:20: error dynamic_shape_round") {
			t.Errorf("%s: the file name is not shown escaped:\n%s", format, r.stdout)
		}
		if format == "text" && !strings.Contains(r.stdout, "return x[: round(n / 2)]  # ␛]0;pwned␇␛[2J") {
			t.Errorf("the source line is not shown escaped:\n%s", r.stdout)
		}
	}
}

// TestCheckDeepFile (issue 16): y = ----...-x with about 4 million minus signs (under
// the editor's 4 MiB) overflowed the analysis's stack, a fatal error that lost every
// other file's results. It is now a file error, and the other files are reported.
func TestCheckDeepFile(t *testing.T) {
	dir := checkTree(t, map[string]string{
		"deep.py":  "import torch\ny = " + strings.Repeat("-", 4<<20-100) + "x\n",
		"model.py": roundModel,
	})
	r := exportdbCheck(t, dir, "--format", "concise", ".")
	if r.code != 2 || !strings.Contains(r.stdout, "model.py:8:20: error dynamic_shape_round") ||
		!strings.Contains(r.stderr, "deep.py: error: file is too complex to analyse") {
		t.Errorf("%v", r)
	}
}
