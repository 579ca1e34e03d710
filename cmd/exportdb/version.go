package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// stampedVersion is the release version, set by scripts/release.sh with
// -ldflags "-X main.stampedVersion=0.3.0". Other builds leave it empty.
var stampedVersion string

// version is the version reported by 'exportdb version', in JSON and SARIF reports and in the
// language server's serverInfo.
var version = readBuild(stampedVersion, debug.ReadBuildInfo).version

// build says which source a binary was built from: the release version (or the module
// version Go recorded), the commit and whether the work tree had uncommitted changes.
type build struct {
	version  string // "0.3.0", "0.0.0-20260105120000-1a2b3c4d5e6f+dirty", or "dev"
	revision string // the VCS commit, "" when Go recorded none
	time     string // the commit's time (RFC 3339), "" when unknown
	modified bool   // the work tree differed from revision
	goVer    string // the Go toolchain that built the binary
}

// readBuild combines the stamped release version with the build information Go embeds
// (go build records vcs.revision, vcs.time and vcs.modified in a git checkout, and the
// module version under 'go install module@version').
func readBuild(stamped string, read func() (*debug.BuildInfo, bool)) build {
	b := build{version: stamped, goVer: runtime.Version()}
	info, ok := read()
	if !ok {
		if b.version == "" {
			b.version = "dev"
		}
		return b
	}
	b.goVer = info.GoVersion
	if b.version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.version = strings.TrimPrefix(info.Main.Version, "v")
	}
	if b.version == "" {
		b.version = "dev"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// String is the line 'exportdb version' prints:
// "exportdb 0.3.0 (commit 1a2b3c4d5e6f, 2026-01-05; go1.26.8 linux/amd64)".
func (b build) String() string {
	var src []string
	if b.revision != "" {
		commit := b.revision
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if b.modified {
			commit += " with uncommitted changes"
		}
		src = append(src, "commit "+commit)
	}
	if day, _, _ := strings.Cut(b.time, "T"); day != "" {
		src = append(src, day)
	}
	env := fmt.Sprintf("%s %s/%s", b.goVer, runtime.GOOS, runtime.GOARCH)
	if len(src) == 0 {
		return fmt.Sprintf("exportdb %s (%s)", b.version, env)
	}
	return fmt.Sprintf("exportdb %s (%s; %s)", b.version, strings.Join(src, ", "), env)
}

// runVersion prints the version line.
func runVersion(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, readBuild(stampedVersion, debug.ReadBuildInfo))
	return 0
}
