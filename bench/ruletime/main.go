// Command ruletime times each rule on one Python file (linked on its own), to see which
// rules the per-keystroke analysis of a large model spends its time in.
//
//	go run ./bench/ruletime [-n 20] FILE.py
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func main() {
	n := flag.Int("n", 20, "runs per rule (the median is reported)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ruletime [-n N] FILE.py")
		os.Exit(2)
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	p := syntax.NewParser()
	all := rules.All()
	type row struct {
		name string
		d    time.Duration
	}
	var rows []row
	var total time.Duration
	for _, r := range all {
		var ds []time.Duration
		for i := 0; i < *n; i++ {
			f, err := analysis.Parse(ctx, p, src)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			f.TracedFuncs() // link before the clock starts
			start := time.Now()
			analysis.Analyze(ctx, f, []*analysis.Rule{r}, analysis.Options{})
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		rows = append(rows, row{r.Name, ds[len(ds)/2]})
		total += ds[len(ds)/2]
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].d > rows[j].d })
	for _, r := range rows {
		fmt.Printf("%-36s %8.2f ms\n", r.name, float64(r.d.Microseconds())/1000)
	}
	fmt.Printf("%-36s %8.2f ms (each rule alone, so facts shared between rules count in each)\n", "sum", float64(total.Microseconds())/1000)
}
