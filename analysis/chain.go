package analysis

import (
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// chainRelated returns, for a finding in code that export reaches through calls (a helper
// of a forward, in this file or another), one related place per step from the forward:
// the call (or the passing of a function, the decorator) that leads on, with a message
// naming both ends ("Resize.forward calls scaled_hw"). A finding in a forward itself, or
// outside traced code, gets none.
// The places are the same for every finding in one function: chains keeps them by
// function for the findings of one analysis.
func chainRelated(f *File, fd *Finding, chains map[*Function][]Related) []Related {
	n := f.Tree.NodeAt(fd.Start)
	if n == NoNode {
		return nil
	}
	fn := f.Owner(n)
	if fn == nil {
		fn = f.FuncAt(n)
	}
	if fn == nil {
		return nil
	}
	if rel, ok := chains[fn]; ok {
		return rel
	}
	rel := chainOf(f, fn)
	chains[fn] = rel
	return rel
}

func chainOf(f *File, fn *Function) []Related {
	chain := f.Chain(fn)
	if len(chain) < 2 {
		return nil
	}
	out := make([]Related, 0, len(chain)-1)
	for i := 0; i+1 < len(chain); i++ {
		st, next := chain[i], chain[i+1]
		t := st.File.Tree
		if st.Site == NoNode {
			continue
		}
		rel := Related{Start: t.Start(st.Site), End: t.End(st.Site), Message: st.Func.QualName() + " " + chainVerb(st.Kind) + " " + next.Func.QualName()}
		if st.File != f {
			rel.Path, rel.Src = st.File.Path, st.File.Src
		}
		out = append(out, rel)
	}
	return out
}

func chainVerb(k torchsem.WhyKind) string {
	switch k {
	case torchsem.WhyPassed:
		return "passes"
	case torchsem.WhyNested:
		return "defines"
	case torchsem.WhyDecorates:
		return "is decorated by"
	}
	return "calls"
}
