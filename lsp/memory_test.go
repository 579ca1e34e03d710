package lsp

import (
	"runtime/debug"
	"testing"
)

// TestTuneCollector: the server's collector settings apply and are restored, and a GOGC
// set by the user is left alone.
func TestTuneCollector(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	restore := TuneCollector()
	if p := debug.SetGCPercent(gcPercent); p != gcPercent {
		t.Errorf("GOGC %d, want %d", p, gcPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != memoryLimit {
		t.Errorf("memory limit %d, want %d", l, memoryLimit)
	}
	restore()
	if l := debug.SetMemoryLimit(-1); l != noLimit {
		t.Errorf("after restore the memory limit is %d", l)
	}
	t.Setenv("GOGC", "150")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	restore = TuneCollector()
	if p := debug.SetGCPercent(-1); p != before {
		t.Errorf("with GOGC set by the user the server set GOGC %d", p)
	}
	debug.SetGCPercent(before)
	restore()
}
