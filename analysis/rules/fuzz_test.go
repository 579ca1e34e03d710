package rules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// FuzzAnalyze feeds any bytes to the engine with every rule: no panic, every range inside
// the source, every fix applicable; a fix applied to a file without syntax errors leaves
// none. The seed corpus is every fixture and catalog example.
func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	clean, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	for _, p := range append(files, clean...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, k := range catalog.Default().Cases() {
		f.Add([]byte(k.Example))
	}
	rules := All()
	f.Fuzz(func(t *testing.T, src []byte) {
		p := syntax.NewParser()
		defer p.Close()
		file, err := analysis.Parse(context.Background(), p, src)
		if err != nil {
			if _, ok := err.(*analysis.FileError); !ok {
				t.Fatalf("error %v is not a FileError", err)
			}
			return
		}
		for _, target := range []string{"2.2", "2.13"} {
			res := analysis.Analyze(context.Background(), file, rules, analysis.Options{Target: catalog.MustParseVersion(target)})
			for _, e := range res.RuleErrors {
				t.Fatalf("rule %s panicked: %s\n%s", e.Rule, e.Panic, e.Stack)
			}
			checkHoverOnly(t, file, res.Findings)
			if !MayReport(src) && len(res.Findings) > 0 {
				t.Fatalf("%s reports in a file MayReport rules out", res.Findings[0].Case)
			}
			for _, fd := range res.Findings {
				if fd.Start < 0 || fd.End > len(src) || fd.Start > fd.End {
					t.Fatalf("%s: range [%d,%d) outside the %d-byte source", fd.Case, fd.Start, fd.End, len(src))
				}
				for _, r := range fd.Related {
					if r.Start < 0 || r.End > len(src) || r.Start > r.End {
						t.Fatalf("%s: related range [%d,%d) outside the source", fd.Case, r.Start, r.End)
					}
				}
				for _, fx := range fd.Fixes {
					out, err := analysis.ApplyEdits(src, fx.Edits)
					if err != nil {
						t.Fatalf("%s: fix %q: %v", fd.Case, fx.Title, err)
					}
					if file.Tree.HasError(file.Tree.Root()) {
						continue
					}
					d, err := p.Parse(context.Background(), out)
					if err != nil || d.Tree().HasError(d.Tree().Root()) {
						t.Fatalf("%s: fix %q leaves a syntax error:\n%s", fd.Case, fx.Title, out)
					}
				}
			}
		}
	})
}
