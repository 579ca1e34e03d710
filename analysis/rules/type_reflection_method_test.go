package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestTypeReflectionMethodSeed: the case is supported at every version, so its severity does not change.
func TestTypeReflectionMethodSeed(t *testing.T) {
	checkSeedSeverities(t, TypeReflectionMethod, map[string]analysis.Severity{
		"2.2": analysis.Hint, "2.9": analysis.Hint, "2.10": analysis.Hint, "2.13": analysis.Hint,
	})
}
