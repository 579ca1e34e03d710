package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestTensorSetattrSeed: the case is supported at every version, so its severity does not change.
func TestTensorSetattrSeed(t *testing.T) {
	checkSeedSeverities(t, TensorSetattr, map[string]analysis.Severity{
		"2.2": analysis.Warning, "2.9": analysis.Warning, "2.10": analysis.Warning, "2.13": analysis.Warning,
	})
}
