package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// Code actions, in this order: one quick fix per fix of each finding in the range (safe
// ones first, the first safe one preferred; unsafe ones say "(unsafe)"), then "ignore
// <case> on this line", then source.fixAll.exportdb, which applies safe fixes only.

func (s *Server) codeAction(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeActionParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	actions := []protocol.CodeAction{}
	v, err := s.view(ctx, p.TextDocument.URI)
	if errors.Is(err, errNoDocument) {
		return actions, nil
	}
	if err != nil {
		return nil, err
	}
	res := v.res
	if res.file == nil {
		return actions, nil
	}
	s.mu.Lock()
	c := s.client
	s.mu.Unlock()
	start := v.offset(p.Range.Start, c.encoding)
	end := v.offset(p.Range.End, c.encoding)
	wantQuick, wantFixAll := wantKinds(p.Context.Only)

	if wantQuick {
		var ignores []protocol.CodeAction
		seenIgnore := map[string]bool{}
		for i, fi := range v.shown {
			f := &res.findings[fi]
			if f.Start > end || start > f.End {
				continue
			}
			diag := v.diags[i]
			fixes := append([]analysis.Fix(nil), f.Fixes...)
			sort.SliceStable(fixes, func(a, b int) bool { return fixes[a].Safety < fixes[b].Safety })
			preferred := false
			for _, fx := range fixes {
				title := fx.Title
				if fx.Safety == analysis.Unsafe && !strings.Contains(strings.ToLower(title), "unsafe") {
					title += " (unsafe)"
				}
				var edit *protocol.WorkspaceEdit
				if fx.Elsewhere() {
					edit = s.editElsewhere(c, fx)
				} else {
					edit = s.edit(v, c, fx.Edits)
				}
				if edit == nil {
					continue // across notebook cells, or the other file changed since
				}
				a := protocol.CodeAction{Title: title, Kind: protocol.QuickFix, Diagnostics: []protocol.Diagnostic{diag}, Edit: edit}
				if fx.Safety == analysis.Safe && !preferred {
					a.IsPreferred, preferred = true, true
				}
				actions = append(actions, a)
			}
			if f.Case == analysis.UnusedSuppression {
				continue
			}
			if e, ok := ignoreEdit(res, f); ok {
				key := f.Case + "@" + strconv.Itoa(res.file.Line(f.Start))
				if edit := s.edit(v, c, []analysis.Edit{e}); edit != nil && !seenIgnore[key] {
					seenIgnore[key] = true
					ignores = append(ignores, protocol.CodeAction{Title: "ignore " + f.Case + " on this line", Kind: protocol.QuickFix,
						Diagnostics: []protocol.Diagnostic{diag}, Edit: edit})
				}
			}
		}
		actions = append(actions, ignores...)
	}
	if wantFixAll {
		edit, n, err := s.fixAllEdit(ctx, v, c)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			actions = append(actions, protocol.CodeAction{Title: "exportdb: apply all safe fixes", Kind: KindFixAllExportDB, Edit: edit})
		}
	}
	return actions, nil
}

// wantKinds reads CodeActionContext.only: empty means every kind; a kind matches when it
// is a prefix (at a dot) of ours.
func wantKinds(only []protocol.CodeActionKind) (quick, fixAll bool) {
	if len(only) == 0 {
		return true, true
	}
	match := func(ours protocol.CodeActionKind) bool {
		for _, k := range only {
			if k == ours || strings.HasPrefix(string(ours), string(k)+".") {
				return true
			}
		}
		return false
	}
	return match(protocol.QuickFix), match(KindFixAllExportDB)
}

// wholeEdit is the one edit that turns old into new: the differing middle.
func wholeEdit(old, new []byte) analysis.Edit {
	start, end := diffBounds(old, string(new))
	return analysis.Edit{Start: start, End: end, NewText: string(new[start : len(new)-(len(old)-end)])}
}

// suppressRE matches a suppression comment, as analysis reads it.
var suppressRE = regexp.MustCompile(`exportdb:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?`)

// ignoreEdit returns the edit that suppresses f on its line: it extends an
// "# exportdb: ignore[...]" comment already there, or appends one after the code. When the
// line ends inside a string or with a backslash continuation, where a comment cannot go, it
// puts a comment line above instead (a comment alone on its line covers the next line).
func ignoreEdit(res *docResult, f *analysis.Finding) (analysis.Edit, bool) {
	file, text := res.file, res.text
	t := file.Tree
	line := file.Line(f.Start)
	ls := file.LineStart(line)
	le := ls
	for le < len(text) && text[le] != '\n' {
		le++
	}
	if le > ls && text[le-1] == '\r' {
		le--
	}
	for _, c := range file.Nodes(syntax.KindComment) {
		cs := t.Start(c)
		if cs < ls || cs > le {
			continue
		}
		m := suppressRE.FindSubmatchIndex(t.Text(c))
		if m == nil || string(t.Text(c)[m[2]:m[3]]) != "ignore" {
			continue
		}
		if m[4] < 0 {
			return analysis.Edit{}, false // a bare ignore already covers every case
		}
		at := cs + m[5]
		sep := ", "
		if strings.TrimSpace(string(t.Text(c)[m[4]:m[5]])) == "" {
			sep = ""
		}
		return analysis.Edit{Start: at, End: at, NewText: sep + f.Case}, true
	}
	comment := "# exportdb: ignore[" + f.Case + "]"
	if !lineEndTakesComment(file, text, ls, le) {
		if insideString(t, ls) {
			return analysis.Edit{}, false
		}
		nl := "\n"
		if bytes.Contains(text, []byte("\r\n")) {
			nl = "\r\n"
		}
		return analysis.Edit{Start: ls, End: ls, NewText: file.Indent(ls) + comment + nl}, true
	}
	// keep trailing whitespace out of the way: insert right after the code
	at := le
	for at > ls && (text[at-1] == ' ' || text[at-1] == '\t') {
		at--
	}
	return analysis.Edit{Start: at, End: le, NewText: "  " + comment}, true
}

// lineEndTakesComment reports whether a comment may be appended at le (the end of a line's
// text): not inside a string and not after a backslash continuation.
func lineEndTakesComment(file *analysis.File, text []byte, ls, le int) bool {
	if le > ls && text[le-1] == '\\' {
		return false
	}
	return !insideString(file.Tree, le)
}

// insideString reports whether off lies strictly inside a string literal.
func insideString(t *syntax.Tree, off int) bool {
	for n := t.NodeAt(off); n != syntax.NoNode; n = t.Parent(n) {
		if t.Kind(n) == syntax.KindString && t.Start(n) < off && off < t.End(n) {
			return true
		}
	}
	return false
}

// fixAll applies every safe fix of the findings shown as diagnostics, re-analysing after
// each round (a fix can make room for another) up to a bound, and returns the new text
// and how many fixes it applied.
func (s *Server) fixAll(ctx context.Context, res *docResult) ([]byte, int, error) {
	text := res.text
	findings := res.findings
	opts := keystrokeOptions(res.cfg.options(res.path))
	applied := 0
	for round := 0; round < 10; round++ {
		var chosen []analysis.Edit
		taken := 0
		for i := range findings {
			f := &findings[i]
			if _, shown := lspSeverity(f.Severity); !shown {
				continue
			}
			for _, fx := range f.Fixes {
				if fx.Safety != analysis.Safe || fx.Elsewhere() || overlapsAny(chosen, fx.Edits) {
					continue
				}
				chosen = append(chosen, fx.Edits...)
				taken++
				break
			}
		}
		if taken == 0 {
			break
		}
		next, err := analysis.ApplyEdits(text, chosen)
		if err != nil {
			break
		}
		text = next
		applied += taken
		p, err := s.parser(ctx)
		if err != nil {
			return nil, 0, err
		}
		file, err := analysis.Parse(ctx, p, text)
		s.release(p)
		if err != nil {
			break
		}
		findings = analysis.Analyze(ctx, file, s.rules, opts).Findings
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
	}
	return text, applied, nil
}

func overlapsAny(have, edits []analysis.Edit) bool {
	for _, e := range edits {
		for _, h := range have {
			if e.Start < h.End && h.Start < e.End || e.Start == h.Start {
				return true
			}
		}
	}
	return false
}
