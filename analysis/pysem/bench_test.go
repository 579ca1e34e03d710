package pysem

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// cleanSource repeats the clean fixtures (realistic models) until the text has at least
// 5,000 lines.
func cleanSource(b *testing.B) []byte {
	files, _ := filepath.Glob("../rules/testdata/clean/*.py")
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

// BenchmarkNewFile builds the model of a 5,000-line file: from scratch, and from the model
// of the text before a keystroke inside one of its functions (NewFileFrom), as the editor
// does.
func BenchmarkNewFile(b *testing.B) {
	ctx := context.Background()
	src := cleanSource(b)
	mid := len(src) / 2
	at := mid + bytes.Index(src[mid:], []byte("\n        return ")) + len("\n        return ")
	p := syntax.NewParser()
	defer p.Close()
	doc, err := p.Parse(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	typed := append(append(append([]byte{}, src[:at]...), 'm'), src[at:]...)
	nd, err := p.Reparse(ctx, doc, [][]byte{src}, []syntax.Edit{{Start: at, OldEnd: at, NewEnd: at + 1}}, typed)
	if err != nil {
		b.Fatal(err)
	}
	prev := NewFile(doc.Tree(), Module{})
	b.Run("scratch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f, _ := NewFileContext(ctx, nd.Tree(), Module{})
			f.Release()
		}
		b.ReportMetric(float64(nd.Tree().Len()), "nodes")
	})
	b.Run("keystroke", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f, _ := NewFileFrom(ctx, prev, nd.Tree(), Module{})
			f.Release()
		}
	})
}
