package rules

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// TestImportNamedLikeLocalMatchesFull: an import added (and removed again) under a name
// the functions of a fixture bind themselves (a parameter, a local, a comprehension's
// variable: pysem.File.Shadowed), or under a name they read from the module, gives the
// incremental analysis the findings a full one gets. The editor's re-link leaves the
// statements that mention such a name only where it is their own, so every query reading
// the file's imports by an identifier must leave shadowed identifiers alone; one that does
// not shows here as a difference.
func TestImportNamedLikeLocalMatchesFull(t *testing.T) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	clean, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	fixtures = append(fixtures, clean...)
	p := syntax.NewParser()
	defer p.Close()
	forms := []string{"import %s\n", "from numpy import stack as %s\n", "from torch import cond as %s\n", "import torch.nn.functional as %s\n"}
	names, shadowedNames := 0, 0
	for i, path := range fixtures {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(src)
		pf, ok := parseText(t, p, text, pysem.Module{})
		if !ok {
			continue
		}
		// names the file's functions bind themselves, and names read from the module
		shadowed, free := map[string]bool{}, map[string]bool{}
		for _, id := range pf.Nodes(syntax.KindIdentifier) {
			name := pf.Tree.String(id)
			if _, imported := pf.Imports[name]; imported || name == "self" {
				continue
			}
			if pf.Shadowed(id) {
				shadowed[name] = true
			} else if pf.Owner(id) != nil && pysem.IsRead(pf.Tree, id) {
				free[name] = true
			}
		}
		rng := rand.New(rand.NewPCG(uint64(i), 17))
		pick := func(m map[string]bool, n int) []string {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			rng.Shuffle(len(keys), func(a, b int) { keys[a], keys[b] = keys[b], keys[a] })
			return keys[:min(n, len(keys))]
		}
		chosen := append(pick(shadowed, 4), pick(free, 1)...)
		shadowedNames += min(4, len(shadowed))
		base := torchsem.NewProgram(nil)
		opts := fixtureOptions(t, text)
		for _, name := range chosen {
			names++
			form := forms[rng.IntN(len(forms))]
			line := fmt.Sprintf(form, name)
			prev := base.ReplaceFrom(nil, pf)
			for step, next := range []string{line + text, text} {
				inc, ok := parseText(t, p, next, pysem.Module{})
				if !ok {
					t.Fatalf("%s: %q does not parse", path, line)
				}
				full, _ := parseText(t, p, next, pysem.Module{})
				fi := base.ReplaceFrom(prev, inc)
				where := fmt.Sprintf("%s, %q %s", path, line[:len(line)-1], []string{"added", "removed"}[step])
				compareAnalyses(t, where, next, fi, torchsem.New(full), opts)
				runtime.KeepAlive(prev)
				prev = fi
			}
		}
	}
	if shadowedNames < 100 {
		t.Errorf("%d names the fixtures' functions bind themselves tried, want many", shadowedNames)
	}
	t.Logf("%d imports added and removed, %d of them named like a local", names, shadowedNames)
}
