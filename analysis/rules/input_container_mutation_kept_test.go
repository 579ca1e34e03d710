package rules

import (
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// icmSubmodulesAndCaches changes input containers in four forwards. Net's cache is a dict
// by a string annotation naming Cache; Wrapper builds a Step from a parameter of that name,
// so that Step runs as a submodule while no name joins the two classes' units; Outer
// passes its list on to Block, its submodule.
const icmSubmodulesAndCaches = `import torch
from torch import nn


class Cache(dict):
    pass


class Net(nn.Module):
    def forward(self, x, cache: "Cache"):
        cache.update({"k": x})
        return x


class Wrapper(nn.Module):
    def __init__(self, Step=None):
        super().__init__()
        self.step = Step()


class Step(nn.Module):
    def forward(self, x, memo: dict):
        memo["x"] = x
        return x


class Block(nn.Module):
    def forward(self, x, store):
        store.append(x)
        return x


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x, store: list):
        return self.block(x, store)
`

// TestInputContainerMutationKeptFindings edits units that the forwards' units do not name
// but whose text their findings read; after each edit the incremental analysis must give
// what a full one gives. want lists the inputs reported after the edit.
func TestInputContainerMutationKeptFindings(t *testing.T) {
	keptEdits(t, icmSubmodulesAndCaches, []keptEdit{
		{"", "", "cache store"},
		// Wrapper no longer builds a Step: Step's forward is exported, and its memo reported
		{"self.step = Step()", "self.step = Step", "cache memo store"},
		// a blank in Net: the other forwards' findings are kept
		{"cache.update({\"k\": x})", "cache.update({\"k\": x}) ", "cache memo store"},
		// Cache is no container: its update is Cache's own
		{"class Cache(dict):", "class Cache(object):", "memo store"},
		{"class Cache(object):", "class Cache(dict):", "cache memo store"},
		// Wrapper builds a Step again: a submodule's input is not the caller's
		{"self.step = Step", "self.step = Step()", "cache store"},
		// a first class named Step (its unit joins the other's, which names Step): Wrapper
		// builds that one, and the second is exported
		{"class Wrapper(nn.Module):", "class Step(nn.Module):\n    pass\n\n\nclass Wrapper(nn.Module):", "cache memo store"},
		// Outer passes a copy to its Block
		{"self.block(x, store)", "self.block(x, list(store))", "cache memo"},
	}, func(findings []analysis.Finding) string {
		// the inputs reported
		var got []string
		for _, fd := range findings {
			for _, in := range []string{"cache", "memo", "store"} {
				if fd.Case == "input_container_mutation" && strings.Contains(fd.Message, "forward input "+in) {
					got = append(got, in)
				}
			}
		}
		return strings.Join(got, " ")
	})
}
