package rules

import (
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
)

// TestUserInputMutationSeed: the case is supported at every version, so its severity does not change.
func TestUserInputMutationSeed(t *testing.T) {
	checkSeedSeverities(t, UserInputMutation, map[string]analysis.Severity{
		"2.2": analysis.Information, "2.9": analysis.Information, "2.10": analysis.Information, "2.13": analysis.Information,
	})
}
