// Command checkprof runs `exportdb check` over a directory in process with a CPU profile, to
// see where check spends its time (go tool pprof FILE).
//
//	go run ./bench/checkprof -profile cpu.out -threads 1 DIR
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
		MinSeverity: analysis.Hint, ExitZero: true, Quiet: true, Stdout: io.Discard, Stderr: os.Stderr,
	})
	pprof.StopCPUProfile()
	out.Close()
	fmt.Fprintf(os.Stderr, "status %d in %s\n", status, time.Since(start).Round(time.Millisecond))
}
