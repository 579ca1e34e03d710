package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// Colour on a real terminal: the binary runs with its stdout on a pseudo-terminal (opened
// here from /dev/ptmx, as a terminal emulator does) or on a pipe.

// openPTY returns the master and slave ends of a new pseudo-terminal.
func openPTY(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// runOn runs exportdb with stdout on a terminal (tty) or a pipe and returns stdout.
func runOn(t *testing.T, dir string, tty bool, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(checkBin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "NO_COLOR" && k != "FORCE_COLOR" && k != "TERM" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "TERM=xterm-256color"), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if !tty {
		out, _ := cmd.Output()
		return string(out)
	}
	master, slave := openPTY(t)
	defer master.Close()
	cmd.Stdout = slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	io.Copy(&out, master) // ends with EIO once the child has exited and closed the slave
	cmd.Wait()
	return strings.ReplaceAll(out.String(), "\r\n", "\n") // the terminal's ONLCR
}

func TestCheckColor(t *testing.T) {
	dir := checkTree(t, map[string]string{"m.py": roundModel})
	plain := exportdbCheck(t, dir).stdout
	tests := []struct {
		name  string
		tty   bool
		env   []string
		args  []string
		color bool
	}{
		{"terminal", true, nil, nil, true},
		{"terminal, concise", true, nil, []string{"--format", "concise"}, true},
		{"terminal, NO_COLOR", true, []string{"NO_COLOR=1"}, nil, false},
		{"terminal, --color never", true, nil, []string{"--color", "never"}, false},
		{"terminal, TERM=dumb", true, []string{"TERM=dumb"}, nil, false},
		{"terminal, NO_COLOR beats FORCE_COLOR", true, []string{"NO_COLOR=1", "FORCE_COLOR=1"}, nil, false},
		{"terminal, --color always beats NO_COLOR", true, []string{"NO_COLOR=1"}, []string{"--color=always"}, true},
		{"terminal, json", true, nil, []string{"--format", "json"}, false},
		{"pipe", false, nil, nil, false},
		{"pipe, FORCE_COLOR", false, []string{"FORCE_COLOR=1"}, nil, true},
		{"pipe, FORCE_COLOR=0", false, []string{"FORCE_COLOR=0"}, nil, false},
		{"pipe, --color always", false, nil, []string{"--color", "always"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runOn(t, dir, tt.tty, tt.env, append([]string{"check"}, tt.args...)...)
			if got := ansiRE.MatchString(out); got != tt.color {
				t.Errorf("coloured: %v, want %v:\n%q", got, tt.color, out)
			}
			if tt.color && tt.args == nil && ansiRE.ReplaceAllString(out, "") != plain {
				t.Errorf("colour changed the text:\n%s\nwant\n%s", ansiRE.ReplaceAllString(out, ""), plain)
			}
			if tt.color && !strings.Contains(out, "\x1b[1m\x1b[31merror\x1b[0m") {
				t.Errorf("the severity is not red: %q", out)
			}
		})
	}
	// a report written to a file is never coloured by auto
	runOn(t, dir, true, []string{"FORCE_COLOR=1"}, "check", "--output-file", "report.txt")
	if b, err := os.ReadFile(filepath.Join(dir, "report.txt")); err != nil || ansiRE.Match(b) || !strings.Contains(string(b), "dynamic_shape_round") {
		t.Errorf("report file: %q, %v", b, err)
	}
	if err := exec.Command(checkBin, "check", "--color", "sometimes").Run(); err == nil {
		t.Error("--color sometimes: no error")
	}
	// the case card, too
	if out := runOn(t, dir, true, nil, "cases", "dynamic_shape_round"); !ansiRE.MatchString(out) {
		t.Errorf("cases card on a terminal: no colour: %q", out[:min(len(out), 200)])
	}
	if out := runOn(t, dir, true, nil, "cases", "dynamic_shape_round", "--color", "never"); ansiRE.MatchString(out) {
		t.Error("cases card with --color never: coloured")
	}
}
