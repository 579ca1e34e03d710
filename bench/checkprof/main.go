// Command checkprof runs `exportdb check` over a directory in process with a CPU profile, to
// see where check spends its time (go tool pprof FILE). It runs without the result cache
// unless -cache names its directory (to profile a warm run, or one after an edit).
//
//	go run ./bench/checkprof -profile cpu.out -threads 1 [-cache DIR] DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/check"
)

func main() {
	profile := flag.String("profile", "cpu.out", "where to write the CPU profile")
	threads := flag.Int("threads", 1, "worker threads")
	cache := flag.String("cache", "", "the result cache's directory; none when empty")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: checkprof [-profile FILE] [-threads N] DIR...")
		os.Exit(2)
	}
	out, err := os.Create(*profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	start := time.Now()
	status := check.Run(context.Background(), check.Options{
		Paths: flag.Args(), NoConfig: true, Format: check.FormatJSON, Jobs: *threads,
		NoCache: *cache == "", CacheDir: *cache,
		MinSeverity: analysis.Hint, ExitZero: true, Quiet: true, Stdout: io.Discard, Stderr: os.Stderr,
	})
	pprof.StopCPUProfile()
	out.Close()
	fmt.Fprintf(os.Stderr, "status %d in %s\n", status, time.Since(start).Round(time.Millisecond))
}
