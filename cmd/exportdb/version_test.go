package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuild(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	vcs := func(rev, tm, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: tm}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"
	tests := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo // nil: no build information
		want    string
	}{
		{"release build", "0.3.0",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20260105120000-1a2b3c4d5e6f"}, Settings: vcs(rev, "2026-01-05T12:00:00Z", "false")},
			"exportdb 0.3.0 (commit 1a2b3c4d5e6f, 2026-01-05; go1.26.8 " + platform + ")"},
		{"checkout with local changes", "",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20260105120000-1a2b3c4d5e6f+dirty"}, Settings: vcs(rev, "2026-01-05T12:00:00Z", "true")},
			"exportdb 0.0.0-20260105120000-1a2b3c4d5e6f+dirty (commit 1a2b3c4d5e6f with uncommitted changes, 2026-01-05; go1.26.0 " + platform + ")"},
		{"go install module@version", "",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}},
			"exportdb 0.3.0 (go1.26.8 " + platform + ")"},
		{"build outside version control", "",
			&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"exportdb dev (go1.26.8 " + platform + ")"},
		{"no build information", "",
			nil,
			"exportdb dev (" + runtime.Version() + " " + platform + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readBuild(tt.stamped, func() (*debug.BuildInfo, bool) { return tt.info, tt.info != nil }).String()
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestVersionCommand checks that both spellings print the build of the test binary itself.
func TestVersionCommand(t *testing.T) {
	want := readBuild(stampedVersion, debug.ReadBuildInfo).String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 || stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0, stdout %q", args, code, stdout.String(), stderr.String(), want)
		}
		if !strings.HasPrefix(stdout.String(), "exportdb "+version+" (") {
			t.Errorf("%v: %q does not start with the reported version %q", args, stdout.String(), version)
		}
	}
}
