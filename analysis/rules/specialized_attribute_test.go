package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestSpecializedAttributeSeed: the case is supported at every version, so its severity does not change.
func TestSpecializedAttributeSeed(t *testing.T) {
	checkSeedSeverities(t, SpecializedAttribute, map[string]analysis.Severity{
		"2.2": analysis.Hint, "2.9": analysis.Hint, "2.10": analysis.Hint, "2.13": analysis.Hint,
	})
}
