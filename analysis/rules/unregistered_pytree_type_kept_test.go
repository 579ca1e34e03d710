package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// pytreeUnits is a file whose unregistered_pytree_type findings read units that no name
// joins to theirs: Outer instantiates Block through a parameter named like the class (a
// local name to the units' graph, a submodule to esInnerModules), Late annotates its input
// with a string, and export_lm's causal LM is judged by a registration at module level of
// an imported class.
const pytreeUnits = `# exportdb-test: target=2.11
from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoModelForCausalLM, DynamicCache


@dataclass
class Batch:
    x: torch.Tensor


class Block(nn.Module):
    def forward(self, b: Batch) -> torch.Tensor:
        return b.x


class Outer(nn.Module):
    def __init__(self, Block):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return x


class Late(nn.Module):
    def forward(self, b: "Batch"):
        return b.x * 2


def export_lm():
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    return torch.export.export(model, (torch.zeros(1, 4, dtype=torch.long),))


torch.utils._pytree.register_pytree_node(DynamicCache, None, None)
`

// TestUnregisteredPytreeTypeKeptFindings edits pytreeUnits and compares, after each edit,
// the incremental analysis with a full one, and counts the rule's findings to check that
// each edit changes what its comment says.
func TestUnregisteredPytreeTypeKeptFindings(t *testing.T) {
	keptEdits(t, pytreeUnits, "unregistered_pytree_type", 1, []keptEdit{
		// Block's unit changes alone: the findings of Late are kept
		{"return b.x\n", "return  b.x\n", 1},
		// Outer no longer instantiates Block: Block's forward is an exported one now, and its
		// input is reported, though no name joins Outer's unit to Block's
		{"self.block = Block()", "self.block = Blk()", 2},
		// the cache class is no longer registered: export_lm's export is reported, though
		// the registration's unit names nothing of the file
		{"register_pytree_node(DynamicCache,", "register_pytree_node(StaticCache,", 3},
		// Batch is registered by a statement Late's unit is not joined to (its annotation
		// is a string): both inputs are no longer reported
		{"class Late(nn.Module):", "torch.export.register_dataclass(Batch)\n\n\nclass Late(nn.Module):", 1},
		// and no longer: both come back, the fixes' registration going after Batch
		{"torch.export.register_dataclass(Batch)\n\n\n", "", 3},
		// torch imported under another name alone: the fixes' registration names it so, and
		// export_lm's export is no longer torch's
		{"import torch\n", "import torch as T\n", 2},
	})
}

// keptEdit is one edit of keptEdits: the text from, replaced once by to, after which the
// rule has want findings.
type keptEdit struct {
	from, to string
	want     int
}

// keptEdits analyses text, then applies each edit in turn, and after each compares the
// analysis of the edited text re-linked incrementally, with the Local rules' findings kept
// from the previous analysis, with a full one; rule must then have the findings the edit
// wants (first, before any edit).
func keptEdits(t *testing.T, text, rule string, first int, edits []keptEdit) {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	base := torchsem.NewProgram(nil)
	opts := fixtureOptions(t, text)
	var prev *torchsem.File
	for i, e := range append([]keptEdit{{want: first}}, edits...) {
		if e.from != "" {
			if !strings.Contains(text, e.from) {
				t.Fatalf("edit %d: %q not in the text", i, e.from)
			}
			text = strings.Replace(text, e.from, e.to, 1)
		}
		inc, ok := parseText(t, p, text, pysem.Module{})
		if !ok {
			t.Fatalf("edit %d does not parse", i)
		}
		full, _ := parseText(t, p, text, pysem.Module{})
		count, _ := parseText(t, p, text, pysem.Module{})
		fi := base.ReplaceFrom(prev, inc)
		compareAnalyses(t, "after edit "+e.to, text, fi, base.Replace(full), opts)
		prev = fi
		o := opts
		o.MinSeverity = analysis.Off
		n := 0
		for _, fd := range analysis.Analyze(t.Context(), torchsem.New(count), All(), o).Findings {
			if fd.Case == rule {
				n++
			}
		}
		if n != e.want {
			t.Errorf("edit %d (%q): %d findings of %s, want %d", i, e.to, n, rule, e.want)
		}
	}
}
