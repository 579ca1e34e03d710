// Command parsewalk is the floor `exportdb check` is measured against: it reads every .py
// file under the given directories, parses it with the same tree-sitter parser (the batch
// path, syntax.Parser.ParseTree, which copies the tree into the flat array) and walks every
// node once, on one thread. bench/corpus.sh prints check's time as a multiple of this.
//
//	go run ./bench/parsewalk DIR...
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: parsewalk DIR...")
		os.Exit(2)
	}
	var files []string
	for _, root := range os.Args[1:] {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".py") {
				files = append(files, path)
			}
			return nil
		})
	}
	p := syntax.NewParser()
	defer p.Close()
	start := time.Now()
	nodes, named := 0, 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		t, err := p.ParseTree(context.Background(), src)
		if err != nil {
			continue
		}
		for id := syntax.NodeID(0); int(id) < t.Len(); id++ {
			nodes++
			if t.IsNamed(id) && t.Kind(id) != syntax.KindOther {
				named++
			}
		}
		p.Reuse(t)
	}
	fmt.Printf("%d files, %d nodes (%d named) in %d ms\n", len(files), nodes, named, time.Since(start).Milliseconds())
}
