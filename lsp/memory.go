package lsp

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Collector settings for the server (TuneCollector).
const (
	// gcPercent doubles the default heap headroom: with the default, a keystroke in a large
	// model triggers a collection every second or third edit, and its marking competes with
	// the analysis on the editor's cores (BenchmarkEditToDiagnostics p95 on 2 quiet cores,
	// back to back: 14.9, 11.4, 12.0 ms at GOGC=100; 10.3, 11.2, 9.4 ms tuned).
	gcPercent = 200
	// memoryLimit caps the heap goal that headroom may reach, so that a large workspace
	// peaks no higher than with the default setting.
	memoryLimit = 256 << 20
	// liveCheck is how often the tuner reads the live heap: once it passes half the limit
	// the cap would make the collector run more often than the default would, so the
	// defaults come back for the rest of the session.
	liveCheck = 2 * time.Second
)

// TuneCollector sets the garbage collector for an editor's session, unless the user set
// GOGC or GOMEMLIMIT, and returns a function restoring the settings before. Once the live
// heap passes half of memoryLimit (a large workspace) it restores them itself.
func TuneCollector() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(gcPercent)
	limit := debug.SetMemoryLimit(memoryLimit)
	var once sync.Once
	back := func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		})
	}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(liveCheck)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > memoryLimit/2 {
					back()
					return
				}
			}
		}
	}()
	return func() {
		close(stop)
		back()
	}
}

// noLimit is the memory limit of a process that sets none.
const noLimit = math.MaxInt64
