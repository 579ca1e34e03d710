package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// largeSource concatenates the clean fixtures and every rule fixture until the text has at
// least minLines lines: a realistic mix of exportable models and every catalog pattern.
func largeSource(b *testing.B, minLines int) []byte {
	b.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	files = append(files, more...)
	var buf bytes.Buffer
	for bytes.Count(buf.Bytes(), []byte{'\n'}) < minLines {
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(src)
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// BenchmarkAnalyzeLarge measures a full parse, module model and every rule on a file of
// more than 5,000 lines: what `exportdb check` and an editor's first open pay.
func BenchmarkAnalyzeLarge(b *testing.B) {
	src := largeSource(b, 5000)
	p := syntax.NewParser()
	defer p.Close()
	rules := All()
	b.SetBytes(int64(len(src)))
	b.ReportMetric(float64(bytes.Count(src, []byte{'\n'})), "lines")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := analysis.Parse(context.Background(), p, src)
		if err != nil {
			b.Fatal(err)
		}
		analysis.Analyze(context.Background(), f, rules, analysis.Options{})
	}
}

// BenchmarkEditLarge measures what the editor pays per keystroke: an incremental reparse
// after a one-character edit, the module model and every rule that can report a diagnostic
// (MinSeverity hint, as the language server publishes).
func BenchmarkEditLarge(b *testing.B) {
	src := largeSource(b, 5000)
	p := syntax.NewParser()
	defer p.Close()
	doc, err := p.Parse(context.Background(), src)
	if err != nil {
		b.Fatal(err)
	}
	rules := All()
	at := len(src) / 2
	for src[at] != '\n' {
		at++
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// alternately insert and delete a space at the end of a middle line
		var next []byte
		var e syntax.Edit
		if i%2 == 0 {
			next = append(append(append([]byte{}, src[:at]...), ' '), src[at:]...)
			e = syntax.Edit{Start: at, OldEnd: at, NewEnd: at + 1}
		} else {
			next = append(append([]byte{}, src[:at]...), src[at+1:]...)
			e = syntax.Edit{Start: at, OldEnd: at + 1, NewEnd: at}
		}
		nd, err := p.Reparse(context.Background(), doc, [][]byte{src}, []syntax.Edit{e}, next)
		if err != nil {
			b.Fatal(err)
		}
		analysis.Analyze(context.Background(), analysis.NewFile(nd.Tree()), rules, analysis.Options{MinSeverity: analysis.Hint, Workers: runtime.GOMAXPROCS(0)})
		doc, src = nd, next
	}
}
