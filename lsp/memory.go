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
	// liveCheck is how often the tuner reads the live heap: once it passes liveGiveUp the
	// cap leaves too little room between collections (a cycle every few keystrokes), so
	// the defaults come back for the rest of the session.
	liveCheck = 2 * time.Second
	// liveGiveUp is three quarters of the limit: below it the cap leaves at least 64 MB to
	// allocate between cycles. It was half the limit, which the 2,000-file workspace's live
	// heap (130-150 MB with a model and a helper open) passes: without the cap its heap
	// then grew to twice that and VmRSS to 332-346 MB (bench/lsplatency -mode workspace;
	// issue 12's budget is 300 MB); with it, 246-249 MB.
	liveGiveUp = memoryLimit / 4 * 3
)

// TuneCollector sets the garbage collector for an editor's session, unless the user set
// GOGC or GOMEMLIMIT, and returns a function restoring the settings before. Once the live
// heap passes liveGiveUp (a large workspace) it restores them itself.
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
				if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > liveGiveUp {
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
