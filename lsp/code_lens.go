package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Code lens above each nn.Module class: its export readiness. Blockers are error
// findings in code that export traces for the class (its forward and everything forward
// reaches in the file); caveats are warning and information findings there. Above each
// model's forward, its declared dims or "Declare dynamic dims…" (dimsLens, dims_command.go).

func (s *Server) codeLens(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeLensParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	lenses := []protocol.CodeLens{}
	v, err := s.view(ctx, p.TextDocument.URI)
	if errors.Is(err, errNoDocument) {
		return lenses, nil
	}
	if err != nil {
		return nil, err
	}
	res := v.res
	if res.file == nil {
		return lenses, nil
	}
	s.mu.Lock()
	enc := s.client.encoding
	s.mu.Unlock()
	f := res.file
	t := f.Tree
	counts := classCounts(res)
	for _, c := range f.Classes {
		if !f.IsModule(c) {
			continue
		}
		at := c.Node
		if name := t.Field(c.Node, syntax.FieldName); name != syntax.NoNode {
			at = name
		}
		if !v.holds(t.Start(at)) {
			continue // a class of another cell
		}
		n := counts[c]
		lens := protocol.CodeLens{Range: v.rangeOf(t.Start(at), t.End(at), enc)}
		title := readiness(n.blockers, n.caveats)
		if n.first != "" {
			lens.Command = &protocol.Command{Title: title, Command: cmdShowCase, Arguments: []any{n.first}}
		} else {
			lens.Command = &protocol.Command{Title: title, Command: ""}
		}
		lenses = append(lenses, lens)
		if v.part < 0 && f.Module.Name != "" {
			if dl, ok := dimsLens(v, f, c, enc); ok {
				lenses = append(lenses, dl)
			}
		}
	}
	return lenses, nil
}

type classCount struct {
	blockers, caveats int
	first             string // the first blocker's case (else the first caveat's)
}

// classCounts attributes each error, warning and information finding in traced code to
// the module class whose forward reaches it.
func classCounts(res *docResult) map[*analysis.Class]*classCount {
	f := res.file
	out := map[*analysis.Class]*classCount{}
	for _, c := range f.Classes {
		if f.IsModule(c) {
			out[c] = &classCount{}
		}
	}
	byQual := map[string]*analysis.Function{}
	for _, fn := range f.Funcs {
		if _, dup := byQual[fn.QualName()]; !dup {
			byQual[fn.QualName()] = fn
		}
	}
	for _, fi := range res.shown {
		fd := &res.findings[fi]
		blocker := fd.Severity == analysis.Error
		caveat := fd.Severity == analysis.Warning || fd.Severity == analysis.Information
		if !blocker && !caveat {
			continue
		}
		n := f.Tree.NodeAt(fd.Start)
		if n == syntax.NoNode {
			continue
		}
		fn := f.Owner(n)
		if fn == nil && f.FuncAt(n) != nil {
			fn = f.FuncAt(n)
		}
		cls := tracingClass(f, fn, byQual)
		cc := out[cls]
		if cc == nil {
			continue
		}
		switch {
		case blocker:
			if cc.blockers == 0 {
				cc.first = fd.Case
			}
			cc.blockers++
		default:
			if cc.blockers == 0 && cc.caveats == 0 {
				cc.first = fd.Case
			}
			cc.caveats++
		}
	}
	return out
}

// tracingClass follows Function.TracedFrom ("forward of M", "called from M.forward",
// "nested in ...", "passed from ...", "decorates ...") back to the module class whose
// forward export starts from. A function reached from several classes is counted for the
// one the model recorded.
func tracingClass(f *analysis.File, fn *analysis.Function, byQual map[string]*analysis.Function) *analysis.Class {
	for steps := 0; fn != nil && f.Traced(fn) && steps < 64; steps++ {
		why := f.TracedFrom(fn)
		if name, ok := strings.CutPrefix(why, "forward of "); ok {
			return f.ClassNamed(name)
		}
		i := strings.LastIndexByte(why, ' ')
		if i < 0 {
			return nil
		}
		next := byQual[why[i+1:]]
		if next == fn {
			return nil
		}
		fn = next
	}
	return nil
}

// readiness is the lens title.
func readiness(blockers, caveats int) string {
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	switch {
	case blockers > 0 && caveats > 0:
		return "torch.export: " + plural(blockers, "blocker") + ", " + plural(caveats, "caveat")
	case blockers > 0:
		return "torch.export: " + plural(blockers, "blocker")
	case caveats > 0:
		return "torch.export: no known blockers, " + plural(caveats, "caveat")
	}
	return "torch.export: no known blockers"
}
