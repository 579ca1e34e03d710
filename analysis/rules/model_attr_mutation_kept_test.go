package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// mamScratchAndScript keeps a scratch value on self in Scratch.forward, which
// model_attr_mutation offers to replace by a local variable while no other code of the file
// names the attribute. The functions below name attributes of their parameters and a
// string, which joins none of them to Scratch's unit.
const mamScratchAndScript = `import torch
from torch import nn


class Scratch(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        self._h = self.lin(x)
        y = self._h.relu()
        return y + self._h


class Running(nn.Module):
    def __init__(self):
        super().__init__()
        self.total = torch.zeros(4)

    def forward(self, x):
        self.total = self.total + x
        return self.total


def train_step(model, x):
    model.scale = 2
    return model(x)


def report(m):
    return getattr(m, "name")
`

// TestModelAttrMutationKeptFindings edits units that Scratch's unit does not name but whose
// text its local variable's fix reads; after each edit the incremental analysis must give
// what a full one gives. want is the name the fix gives the variable after the edit, ""
// when no fix is offered.
func TestModelAttrMutationKeptFindings(t *testing.T) {
	keptEdits(t, mamScratchAndScript, []keptEdit{
		{"", "", "h"},
		// train_step now names the attribute: the fix is withdrawn
		{"model.scale = 2", "model._h = 2", ""},
		// a blank in Running, a component of its own: Scratch's finding is kept
		{"self.total = self.total + x", "self.total = self.total  + x", ""},
		// back to another attribute: the fix again
		{"model._h = 2", "model.scale = 2", "h"},
		// report's string names the attribute (getattr): withdrawn
		{`getattr(m, "name")`, `getattr(m, "_h")`, ""},
		{`getattr(m, "_h")`, `getattr(m, "name")`, "h"},
		// a module-level function h: the variable takes another name
		{"def report(m):", "def h(v):\n    return v\n\n\ndef report(m):", "h_2"},
		// Running mutates an attribute of its own name too: withdrawn again
		{"self.total = self.total  + x", "self._h = self.total + x", ""},
	}, func(findings []analysis.Finding) string {
		// the variable the local variable's fix names, if it is offered
		got := ""
		for _, fd := range findings {
			for _, fx := range fd.Fixes {
				if fd.Case == "model_attr_mutation" && strings.HasPrefix(fx.Title, "replace self._h with a local variable") {
					got = fx.Edits[0].NewText
				}
			}
		}
		return got
	})
}
