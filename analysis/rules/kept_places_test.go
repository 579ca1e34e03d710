package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"
)

// patchesTwice is a project whose export script exports two models of one file with the
// same Dim for their height, and whose reshapes need that Dim to be a multiple of different
// factors: dynamic_shape_divisible's fix declares their least common multiple, which reads
// both models' units, while nothing else joins them.
const patchesTwice = `-- export.py --
import torch
from torch.export import Dim, export

from models import PatchA, PatchB

h = Dim("h", min=32, max=1024)
x = torch.randn(2, 3, 64, 64)
a = export(PatchA(), (x,), dynamic_shapes={"x": {2: h}})
b = export(PatchB(), (x,), dynamic_shapes={"x": {2: h}})
-- models.py --
import torch
from torch import nn


class PatchA(nn.Module):
    def forward(self, x):
        B, C, H, W = x.shape
        return x.view(B, C, H // 16, 16, W)


class PatchB(nn.Module):
    def forward(self, x):
        B, C, H, W = x.shape
        return x.view(B, C, H // 4, 4, W)
`

// fakedByName registers shift's fake with a statement that names the operator by its
// qualified name only: nothing joins that statement's unit to the model's, whose calls are
// reported when the statement names another operator.
const fakedByName = `import torch
from torch import Tensor, nn
from torch.library import custom_op, register_fake


@custom_op("mylib::shift", mutates_args=())
def shift(x: Tensor) -> Tensor:
    return x + 1


register_fake("mylib::shift")(lambda x: torch.empty_like(x))


class Model(nn.Module):
    def forward(self, x):
        return shift(x) + torch.ops.mylib.shift(x)
`

// TestKeptFindingsFollowOtherUnits edits files whose findings read other units: the
// related places and fixes at an export call below (kept with the call's unit), and what
// every unit contributes to a rule's aggregate (dynamic_shape_divisible's multiples,
// custom_op_without_fake's operators and fakes). After each edit the incremental analysis
// must give what a full one gives.
func TestKeptFindingsFollowOtherUnits(t *testing.T) {
	customOps, err := os.ReadFile(filepath.Join("testdata", "custom_op_without_fake.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		text  string // a file, or a project as a txtar archive whose last member is edited
		edits []keptEdit
		got   func([]analysis.Finding) string
	}{
		// dynamic_shape_divisible's fixes declare the least common multiple of both needs
		{"multiples", patchesTwice, []keptEdit{
			{"", "", "16 * Dim(\"h_16\", min=2, max=64) | 16 * Dim(\"h_16\", min=2, max=64)"},
			{"B, C, H, W = x.shape\n        return x.view(B, C, H // 4", "B, C, H, W = x.shape \n        return x.view(B, C, H // 4", "16 * Dim(\"h_16\", min=2, max=64) | 16 * Dim(\"h_16\", min=2, max=64)"}, // PatchA's findings kept
			{"H // 16, 16, W)", "H // 32, 32, W)", "32 * Dim(\"h_32\", min=1, max=32) | 32 * Dim(\"h_32\", min=1, max=32)"},                                                                                    // PatchA's need grows: PatchB's fix declares 32 too
			{"class PatchA(nn.Module):", "class PatchA(nn.Module):  # first", "32 * Dim(\"h_32\", min=1, max=32) | 32 * Dim(\"h_32\", min=1, max=32)"},
			{"H // 4, 4, W)", "H // 8, 8, W)", "32 * Dim(\"h_32\", min=1, max=32) | 32 * Dim(\"h_32\", min=1, max=32)"}, // PatchB's need changes: the multiple stays 32
		}, func(findings []analysis.Finding) string {
			var declared []string
			for _, fd := range findings {
				if fd.Case == "dynamic_shape_divisible" {
					_, d, _ := strings.Cut(fd.Message, "; declare ")
					declared = append(declared, d)
				}
			}
			return strings.Join(declared, " | ")
		}},
		{"custom ops", string(customOps), []keptEdit{
			{},
			{"x.numpy()))  # the kernel: export never traces it\n\n\n", "x.numpy()))  # the kernel: export never traces it\n", ""}, // the fix's line is the next unit's
			{"y = y + scale(x, 2.0)", "y = y + scale(x, 2.0) ", ""},
			{"export never traces it\n", "export never traces it\n\n", ""},                                                         // a blank line again
			{"lib.define(\"norm", "lib.define(\"norm2", ""},                                                                        // an operator renamed
			{`register_fake("mylib::shift")`, `register_fake("mylib::shift2")`, ""},                                                // shift's fake no longer names it
			{"def eager_only(x):", "@sin.register_fake\ndef _sin(x):\n    return torch.empty_like(x)\n\n\ndef eager_only(x):", ""}, // sin faked
		}, nil},
		{"fakes by name", fakedByName, []keptEdit{
			{},
			{`register_fake("mylib::shift")`, `register_fake("mylib::shift2")`, ""},
			{"return shift(x)", "return  shift(x)", ""},
			{`register_fake("mylib::shift2")`, `register_fake("mylib::shift")`, ""},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { keptEdits(t, tc.text, tc.edits, tc.got) })
	}
}

// keptEdit is one edit of keptEdits: the text from, replaced once by to (the first edit
// of a list has none: the text as it is), after which keptEdits' got summarises the full
// analysis's findings as want.
type keptEdit struct{ from, to, want string }

// keptEdits analyses text (a file, or a project as a txtar archive whose last member is
// edited), then applies each edit in turn, and after each compares the analysis of the
// edited text re-linked incrementally, with the Local rules' findings kept from the previous
// analysis, with a full one. got, when not nil, summarises the full analysis's findings
// (every severity), which must be the edit's want: what the edit changes.
func keptEdits(t *testing.T, text string, edits []keptEdit, got func([]analysis.Finding) string) {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	base := torchsem.NewProgram(nil)
	mod, path := pysem.Module{}, ""
	if strings.HasPrefix(text, "-- ") {
		a, err := txtar.Parse([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		base = torchsem.NewProgram(archiveFiles(t, p, "keptEdits", a))
		last := a.Files[len(a.Files)-1]
		text, path = string(last.Data), last.Name
		mod, _ = pysem.ModuleOf(path)
	}
	opts := fixtureOptions(t, text)
	var prev *torchsem.File
	for i, e := range edits {
		if e.from != "" {
			if !strings.Contains(text, e.from) {
				t.Fatalf("edit %d: %q not in the text", i, e.from)
			}
			text = strings.Replace(text, e.from, e.to, 1)
		}
		inc, ok := parseText(t, p, text, mod)
		if !ok {
			t.Fatalf("edit %d does not parse", i)
		}
		full, _ := parseText(t, p, text, mod)
		inc.Path, full.Path = path, path
		fi, ff := base.ReplaceFrom(prev, inc), base.Replace(full)
		compareAnalyses(t, fmt.Sprintf("after edit %d (%q)", i, e.to), text, fi, ff, opts)
		prev = fi
		if got != nil {
			o := opts
			o.MinSeverity = analysis.Off
			if g := got(analysis.Analyze(t.Context(), ff, All(), o).Findings); g != e.want {
				t.Errorf("after edit %d (%q): %s, want %s", i, e.to, g, e.want)
			}
		}
	}
}
