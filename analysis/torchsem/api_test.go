package torchsem

import (
	"os"
	"strings"
	"testing"
)

// TestAPINames: every name of the API table is a name PyTorch defines (testdata/torch_names.txt,
// extracted from PyTorch's sources and reference), so that a typo or an invented name in the
// table cannot make the analysis answer for something torch does not have.
func TestAPINames(t *testing.T) {
	data, err := os.ReadFile("testdata/torch_names.txt")
	if err != nil {
		t.Fatal(err)
	}
	real := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			real[line] = true
		}
	}
	names := APINames()
	if len(names) < 200 {
		t.Fatalf("only %d names in the table", len(names))
	}
	for _, n := range names {
		if !real[n] {
			t.Errorf("api/torch.txt: %s is not a torch name", n)
		}
	}
}

// TestAPIParses: the embedded table parses, and every entry resolves through LookupAPI.
func TestAPIParses(t *testing.T) {
	if _, err := parseAPI(apiText); err != nil {
		t.Fatal(err)
	}
	for _, n := range APINames() {
		if LookupAPI(n) == nil {
			t.Errorf("%s: not found", n)
		}
	}
	if _, err := parseAPI("torch.zeros Tensor\ntorch.zeros Tensor\n"); err == nil {
		t.Error("a duplicate name is accepted")
	}
	if _, err := parseAPI("torch.zeros Tensr\n"); err == nil {
		t.Error("an unknown kind is accepted")
	}
}
