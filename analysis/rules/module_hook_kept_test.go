package rules

import "testing"

// hookUnits is a file whose module_hook findings read units that no name joins to theirs:
// Outer instantiates Block through a parameter named like the class (a local name to the
// units' graph, a submodule to esInnerModules), which decides whether Block's hook is on
// the exported module itself (Outer's forward calls no submodule: with a call of
// self.block, an edit of Outer re-links the whole file and nothing is kept). The script's
// hook is reported with the export call below it, in another unit of the module scope.
const hookUnits = `# exportdb-test: target=2.11
import torch
from torch import nn


def log_hook(module, args, out):
    print(out.shape)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.register_forward_hook(log_hook)

    def forward(self, x):
        return self.proj(x)


class Outer(nn.Module):
    def __init__(self, Block):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return x * 2


model = Block()
handle = model.register_forward_pre_hook(log_hook)
x = torch.randn(2, 4)
ep = torch.export.export(model, (x,), strict=True)
`

// hookInClass registers a global hook in a class body: outside any function, so that the
// export calls of the module scope after it are those it affects, though no name joins the
// class's unit to theirs.
const hookInClass = `# exportdb-test: target=2.11
import torch


def log_hook(module, grad_input, grad_output):
    pass


class Setup:
    handle = torch.nn.modules.module.register_module_full_backward_hook(log_hook)


m = torch.load("m.pt")
`

// TestModuleHookKeptFindings edits hookUnits and hookInClass and compares, after each edit,
// the incremental analysis with a full one.
func TestModuleHookKeptFindings(t *testing.T) {
	countedEdits(t, hookInClass, "module_hook", 0, []countedEdit{
		// an export call after the class, in the module scope: the hook is reported
		{"m = torch.load(\"m.pt\")\n", "m = torch.load(\"m.pt\")\ntorch.export.export(m, (torch.randn(2),), strict=False)\n", 1},
		// another before it: the hook is reported with that one
		{"m = torch.load(\"m.pt\")\n", "m = torch.load(\"m.pt\")\ntorch.export.export(m, (torch.randn(3),))\n", 1},
	})
	countedEdits(t, hookUnits, "module_hook", 2, []countedEdit{
		// Outer's unit changes alone: Block's finding is kept
		{"return x * 2", "return x * 3", 2},
		// Outer no longer instantiates Block: Block is exported itself, and its hook fails
		// strict export, though no name joins Outer's unit to Block's
		{"self.block = Block()", "self.block = Blk()", 2},
		// and instantiates it again: the hook is on a submodule once more
		{"self.block = Blk()", "self.block = Block()", 2},
		// a statement between the registration and the export call moves the related place
		{"x = torch.randn(2, 4)\n", "x = torch.randn(2, 4)\ny = x + 1\n", 2},
		// the handle is removed before the export: the script's hook is no longer reported
		{"y = x + 1\n", "handle.remove()\n", 1},
		// Block's hook is gone
		{"        self.register_forward_hook(log_hook)\n", "", 0},
	})
}
