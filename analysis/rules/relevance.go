package rules

import "bytes"

// relevanceNeedles are the words a file must contain for any rule to report in it: rules
// look at code torch.export traces, which is reached from a class deriving from torch.nn
// (imported through "torch") or from a LightningModule, or at calls of torch APIs; and a
// suppression comment, whose unused form is reported, names exportdb.
var relevanceNeedles = [][]byte{[]byte("torch"), []byte("LightningModule"), []byte("exportdb")}

// MayReport reports whether the rules of this package (All) can report anything for src.
// It is false for a file that mentions none of "torch", "LightningModule" and "exportdb":
// a batch run with these rules skips parsing it. TestMayReport and FuzzAnalyze hold every
// rule to it. Rules from elsewhere are not bound by it.
func MayReport(src []byte) bool {
	for _, n := range relevanceNeedles {
		if bytes.Contains(src, n) {
			return true
		}
	}
	return false
}
