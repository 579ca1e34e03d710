package rules

import (
	"strconv"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
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
	countedEdits(t, pytreeUnits, "unregistered_pytree_type", 1, []countedEdit{
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

// countedEdit is one edit of countedEdits: the text from, replaced once by to, after which
// the rule has want findings.
type countedEdit struct {
	from, to string
	want     int
}

// countedEdits is keptEdits holding rule to a number of findings after each edit (first,
// before any).
func countedEdits(t *testing.T, text, rule string, first int, edits []countedEdit) {
	t.Helper()
	count := func(n int) string { return strconv.Itoa(n) + " findings of " + rule }
	kept := []keptEdit{{want: count(first)}}
	for _, e := range edits {
		kept = append(kept, keptEdit{e.from, e.to, count(e.want)})
	}
	keptEdits(t, text, kept, func(findings []analysis.Finding) string {
		n := 0
		for _, fd := range findings {
			if fd.Case == rule {
				n++
			}
		}
		return count(n)
	})
}
