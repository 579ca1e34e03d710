package syntax

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// benchSource concatenates the rule fixtures until the text has at least 5,000 lines.
func benchSource(b *testing.B) []byte {
	files, _ := filepath.Glob("../rules/testdata/*.py")
	clean, _ := filepath.Glob("../rules/testdata/clean/*.py")
	files = append(clean, files...)
	if len(files) == 0 {
		b.Fatal("no fixtures")
	}
	var buf bytes.Buffer
	for bytes.Count(buf.Bytes(), []byte{'\n'}) < 5000 {
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(src)
		}
	}
	return buf.Bytes()
}

// BenchmarkTreeSitterParse is tree-sitter's own parse, for comparison with Flatten.
func BenchmarkTreeSitterParse(b *testing.B) {
	src := benchSource(b)
	p := NewParser()
	defer p.Close()
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := p.cparse(context.Background(), nil, nil, src)
		if err != nil {
			b.Fatal(err)
		}
		newTSTree(t).close()
	}
}

// BenchmarkFlatten is the one C pass copying the tree into the flat array.
func BenchmarkFlatten(b *testing.B) {
	src := benchSource(b)
	p := NewParser()
	defer p.Close()
	d, err := p.Parse(context.Background(), src)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]node, 0, len(d.tree.nodes))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, _, _ = flatten(d.ts, buf[:0])
	}
	b.ReportMetric(float64(len(buf)), "nodes")
}

// BenchmarkParse compares the editor's parse (tree-sitter's tree kept in malloc memory for
// incremental reparsing, then flattened) with the batch parse (ParseTree: tree-sitter's
// allocations in the parser's arena, freed at once, and the node storage reused).
func BenchmarkParse(b *testing.B) {
	src := benchSource(b)
	for _, batch := range []bool{false, true} {
		name := "editor"
		if batch {
			name = "batch"
		}
		b.Run(name, func(b *testing.B) {
			p := NewParser()
			defer p.Close()
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				if batch {
					t, err := p.ParseTree(context.Background(), src)
					if err != nil {
						b.Fatal(err)
					}
					p.Reuse(t)
					continue
				}
				d, err := p.Parse(context.Background(), src)
				if err != nil {
					b.Fatal(err)
				}
				d.Close()
			}
		})
	}
}
