package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// Hover cards. On a finding (any severity, Off included: hover is where recognised,
// supported patterns are explained), a Markdown card built from the catalog case and the
// rule's Doc sections. On a call of an export API, a card listing the catalog's cases for
// that API's tags. On a size expression, the dims card (dims_hover.go), joining the
// finding's card when both apply.

func (s *Server) hover(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.TextDocumentPositionParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	v, err := s.view(ctx, p.TextDocument.URI)
	if errors.Is(err, errNoDocument) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	res := v.res
	s.mu.Lock()
	enc := s.client.encoding
	s.mu.Unlock()
	off := v.offset(p.Position, enc)
	target := res.cfg.cfg.Target
	if target.IsZero() {
		target = catalog.Default().LatestVersion()
	}

	var cards []string
	var rng *protocol.Range
	findings := s.recognitions(res)
	for i := range findings {
		f := &findings[i]
		if f.Start <= off && (off < f.End || f.Start == f.End && off == f.Start) {
			cards = append(cards, s.findingCard(f, target))
			if rng == nil {
				r := v.rangeOf(f.Start, f.End, enc)
				rng = &r
			}
		}
	}
	if len(cards) == 0 && res.file != nil {
		if card, start, end, ok := apiCard(res.file, off, target); ok {
			cards = append(cards, card)
			r := v.rangeOf(start, end, enc)
			rng = &r
		}
	}
	// the dims a size expression reads, joining the finding's card when there is one
	if card, start, end, ok := dimsCard(res.file, off, res.cfg.cfg); ok {
		cards = append(cards, card)
		if rng == nil {
			r := v.rangeOf(start, end, enc)
			rng = &r
		}
	}
	if len(cards) == 0 {
		return nil, nil
	}
	return protocol.Hover{Contents: protocol.MarkupContent{Kind: "markdown", Value: strings.Join(cards, "\n\n---\n\n")}, Range: rng}, nil
}

// findingCard renders the card of one finding: case, support level at the target version
// (and when it changes), why, what to write instead, a short example, the link.
func (s *Server) findingCard(f *analysis.Finding, target catalog.Version) string {
	var b strings.Builder
	c, ok := catalog.Default().Lookup(f.Case)
	fmt.Fprintf(&b, "### exportdb: `%s`\n\n", f.Case)
	sev := f.Severity.String()
	if f.Severity == analysis.Off {
		sev = "recognised (not reported)"
	}
	fmt.Fprintf(&b, "**%s** · %s\n\n", sev, f.Message)
	if !ok {
		if f.Case == analysis.UnusedSuppression {
			b.WriteString("This `# exportdb: ignore` comment suppresses no finding; remove it, or the case names that no longer apply.\n")
		}
		return b.String()
	}
	level := c.LevelAt(target)
	fmt.Fprintf(&b, "**torch %s:** `%s`", target, level)
	if h := levelHistory(c); h != "" {
		fmt.Fprintf(&b, " · %s", h)
	}
	b.WriteString("\n\n")
	if f.Severity == analysis.Off {
		fmt.Fprintf(&b, "torch.export handles this pattern at torch %s, so exportdb explains it here instead of reporting it.\n\n", target)
	}
	doc := ruleDoc(s.rules, f.Case)
	if why := doc["Why is this bad"]; why != "" {
		fmt.Fprintf(&b, "**Why:** %s\n\n", why)
	} else if c.Summary != "" {
		fmt.Fprintf(&b, "**Why:** %s\n\n", c.Summary)
	}
	if instead := doc["Use instead"]; instead != "" {
		fmt.Fprintf(&b, "**Instead:** %s\n\n", instead)
	}
	if ex := doc["Example"]; ex != "" {
		fmt.Fprintf(&b, "**Example:**\n%s\n\n", ex)
	} else if c.Example != "" {
		fmt.Fprintf(&b, "**Example:**\n```python\n%s\n```\n\n", shortExample(c.Example, 14))
	}
	if len(c.Tags) > 0 {
		tags := make([]string, len(c.Tags))
		for i, t := range c.Tags {
			tags[i] = fmt.Sprintf("[`%s`](%s)", t, catalog.TagURL(t, ""))
		}
		fmt.Fprintf(&b, "Tags: %s\n\n", strings.Join(tags, " · "))
	}
	fmt.Fprintf(&b, "[ExportDB: %s](%s)", c.Name, c.URL(""))
	return b.String()
}

// levelHistory says how the case's support level changed across versions, or "".
func levelHistory(c *catalog.Case) string {
	var parts []string
	prev := c.Level
	for _, ch := range c.History {
		if ch.Level != nil && *ch.Level != prev {
			parts = append(parts, fmt.Sprintf("`%s` from torch %s", *ch.Level, ch.Version))
			prev = *ch.Level
		}
	}
	if len(parts) == 0 {
		if c.Level == catalog.NotSupportedYet {
			return "not supported in any recorded torch version"
		}
		return ""
	}
	return fmt.Sprintf("`%s` in torch %s, %s", c.Level, catalog.BaseVersion, strings.Join(parts, ", "))
}

// ruleDoc splits a rule's Doc into its "## " sections.
func ruleDoc(all []*analysis.Rule, name string) map[string]string {
	out := map[string]string{}
	for _, r := range all {
		if r.Name != name {
			continue
		}
		title := ""
		var body []string
		flush := func() {
			if title != "" {
				out[title] = strings.TrimSpace(strings.Join(body, "\n"))
			}
		}
		for _, line := range strings.Split(r.Doc, "\n") {
			if t, ok := strings.CutPrefix(line, "## "); ok {
				flush()
				title, body = strings.TrimSpace(t), nil
				continue
			}
			body = append(body, line)
		}
		flush()
	}
	return out
}

// shortExample keeps the first n lines of an example.
func shortExample(src string, n int) string {
	lines := strings.Split(strings.TrimSpace(src), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// exportAPIs maps the qualified names of export APIs to the catalog tags of their cases.
var exportAPIs = map[string][]string{
	"torch.cond":                                      {"torch.cond"},
	"torch._higher_order_ops.cond":                    {"torch.cond"},
	"torch._higher_order_ops.cond.cond":               {"torch.cond"},
	"functorch.experimental.control_flow.cond":        {"torch.cond"},
	"functorch.experimental.cond":                     {"torch.cond"},
	"torch._higher_order_ops.map":                     {"torch.map"},
	"torch._higher_order_ops.map.map":                 {"torch.map"},
	"functorch.experimental.control_flow.map":         {"torch.map"},
	"torch.export.Dim":                                {"torch.dynamic-shape"},
	"torch.export.dims":                               {"torch.dynamic-shape"},
	"torch.export.dynamic_dim":                        {"torch.dynamic-shape"},
	"torch._check":                                    {"torch.dynamic-value", "torch.escape-hatch"},
	"torch._check_is_size":                            {"torch.dynamic-value", "torch.escape-hatch"},
	"torch._check_with":                               {"torch.dynamic-value", "torch.escape-hatch"},
	"torch._constrain_as_size":                        {"torch.dynamic-value", "torch.escape-hatch"},
	"torch._constrain_as_value":                       {"torch.dynamic-value", "torch.escape-hatch"},
	"torch._dynamo.assume_constant_result":            {"torch.escape-hatch"},
	"torch.compiler.assume_constant_result":           {"torch.escape-hatch"},
	"torch._dynamo.eval_frame.assume_constant_result": {"torch.escape-hatch"},
	"torch.export.export":                             nil, // every tag
	"torch.export":                                    nil,
}

// apiCard renders the card of the export API named at off, if any.
func apiCard(f *analysis.File, off int, target catalog.Version) (card string, start, end int, ok bool) {
	t := f.Tree
	n := t.NodeAt(off)
	if n == syntax.NoNode {
		return "", 0, 0, false
	}
	if t.Kind(n) == syntax.KindIdentifier {
		if p := t.Parent(n); p != syntax.NoNode && t.Kind(p) == syntax.KindAttribute && t.FieldOf(n) == syntax.FieldAttribute {
			n = p
		}
	}
	if k := t.Kind(n); k != syntax.KindIdentifier && k != syntax.KindAttribute {
		return "", 0, 0, false
	}
	if !f.IsImported(n) {
		return "", 0, 0, false
	}
	q := f.Resolve(n)
	tags, known := exportAPIs[q]
	if !known {
		return "", 0, 0, false
	}
	cat := catalog.Default()
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s`\n\n", q)
	if tags == nil {
		for _, tg := range cat.Tags() {
			if len(cat.WithTag(tg.Name)) > 0 {
				tags = append(tags, tg.Name)
			}
		}
		blocked := 0
		for _, c := range cat.Cases() {
			if c.LevelAt(target) == catalog.NotSupportedYet {
				blocked++
			}
		}
		fmt.Fprintf(&b, "ExportDB catalogs %d cases; %d are `NOT_SUPPORTED_YET` at torch %s. By tag:\n\n", len(cat.Cases()), blocked, target)
		for _, tg := range tags {
			cases := cat.WithTag(tg)
			names := make([]string, len(cases))
			for i, c := range cases {
				names[i] = c.Name
			}
			sort.Strings(names)
			fmt.Fprintf(&b, "- [`%s`](%s): %s\n", tg, catalog.TagURL(tg, ""), strings.Join(names, ", "))
		}
		return b.String(), t.Start(n), t.End(n), true
	}
	seen := map[string]bool{}
	for _, tg := range tags {
		desc := ""
		if tag, ok := cat.Tag(tg); ok {
			desc = " — " + tag.Description
		}
		fmt.Fprintf(&b, "**[`%s`](%s)**%s\n\n", tg, catalog.TagURL(tg, ""), desc)
		for _, c := range cat.WithTag(tg) {
			if seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			fmt.Fprintf(&b, "- [`%s`](%s) `%s` at torch %s: %s\n", c.Name, c.URL(""), c.LevelAt(target), target, c.Summary)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n"), t.Start(n), t.End(n), true
}
