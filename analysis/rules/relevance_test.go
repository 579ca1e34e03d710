package rules

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// TestMayReport holds every rule to MayReport: each fixture, example and catalog
// example, with "torch", "LightningModule" and "exportdb" renamed so that MayReport is false, gives
// no finding at all (hover-only ones included) for the oldest and the newest target. The
// originals do report, so the renaming is what silences them.
func TestMayReport(t *testing.T) {
	var srcs [][]byte
	for _, pat := range []string{"testdata/*.py", "testdata/clean/*.py", "../../examples/*.py"} {
		paths, _ := filepath.Glob(pat)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, b)
		}
	}
	for _, k := range catalog.Default().Cases() {
		srcs = append(srcs, []byte(k.Example))
	}
	if len(srcs) < 80 {
		t.Fatalf("only %d sources", len(srcs))
	}
	p := syntax.NewParser()
	defer p.Close()
	rules := All()
	reported := 0
	for _, src := range srcs {
		renamed := bytes.ReplaceAll(src, []byte("torch"), []byte("tarch"))
		renamed = bytes.ReplaceAll(renamed, []byte("LightningModule"), []byte("LightningMadule"))
		renamed = bytes.ReplaceAll(renamed, []byte("exportdb"), []byte("exportdx"))
		if MayReport(renamed) {
			t.Fatalf("MayReport is true after renaming:\n%s", renamed)
		}
		for _, v := range []string{"2.2", "2.13"} {
			opts := analysis.Options{Target: catalog.MustParseVersion(v), MinSeverity: analysis.Off}
			orig, err := analysis.Parse(context.Background(), p, src)
			if err != nil {
				continue
			}
			reported += len(analysis.Analyze(context.Background(), orig, rules, opts).Findings)
			f, err := analysis.Parse(context.Background(), p, renamed)
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range analysis.Analyze(context.Background(), f, rules, opts).Findings {
				t.Errorf("%s reports in a file MayReport rules out: %s\n%s", fd.Case, fd.Message, renamed[max(0, fd.Start-200):min(len(renamed), fd.End+200)])
			}
		}
	}
	if reported < 200 {
		t.Fatalf("the original sources gave only %d findings", reported)
	}
}

// TestMayReportLightning: a LightningModule is a module without "torch" in the file, and
// rules report in its forward; MayReport keeps such a file.
func TestMayReportLightning(t *testing.T) {
	src := []byte("from lightning import LightningModule\n\n\nclass M(LightningModule):\n    def forward(self, x):\n        print(x)\n        self.last = x\n        return x\n")
	if !MayReport(src) {
		t.Fatal("MayReport rules out a LightningModule")
	}
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, src)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(analysis.Analyze(context.Background(), f, All(), analysis.Options{}).Findings); n == 0 {
		t.Fatal("no finding in a LightningModule's forward: the needle is not needed, or the rules changed")
	}
}
