package lsp

import (
	"os"
	"runtime/debug"
)

// Collector settings for the server (TuneCollector).
const (
	// gcPercent doubles the default heap headroom: with the default, a keystroke in a large
	// model triggers a collection every second or third edit, and its marking competes with
	// the analysis on the editor's cores (BenchmarkEditToDiagnostics at GOGC=100: p95 11.1 ms;
	// 200: 9.7 ms; 400: 8.9 ms, on 2 cores).
	gcPercent = 200
	// memoryLimit caps the heap goal that headroom may reach: past it the collector runs
	// as often as it must, so a large workspace stays as small as with the default setting.
	memoryLimit = 256 << 20
)

// TuneCollector sets the garbage collector for an editor's session, unless the user set
// GOGC or GOMEMLIMIT, and returns a function restoring the settings before.
func TuneCollector() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(gcPercent)
	limit := debug.SetMemoryLimit(memoryLimit)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
