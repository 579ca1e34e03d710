package analysis

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// localModel is three independent modules and a helper that only Second calls.
const localModel = `import torch
from torch import nn


class First(nn.Module):
    def forward(self, x):
        return x.item()


def helper(x):
    return x.item() + 1


class Second(nn.Module):
    def forward(self, x):
        return helper(x) + x.item()


class Third(nn.Module):
    def forward(self, x):
        return x.item() * 2
`

// itemRule is a Local rule reporting every .item() call in traced code, counting the calls
// it visits by the class whose forward holds them (the helper counts as "helper").
func itemRule(visits map[string]int) *Rule {
	return &Rule{Name: "tensor_to_python", Local: true, Run: func(p *Pass) {
		t := p.File.Tree
		p.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			owner := fn.Name
			if fn.Class != nil {
				owner = fn.Class.Name
			}
			visits[owner]++
			callee := t.Field(call, syntax.FieldFunction)
			if t.Kind(callee) == syntax.KindAttribute && t.String(t.Field(callee, syntax.FieldAttribute)) == "item" {
				fd := p.Reportf(call, Fails, "item in %s", owner)
				fd.Fixes = append(fd.Fixes, Fix{Title: "drop", Edits: []Edit{{Start: t.Start(call), End: t.End(call), NewText: "x"}}})
				fd.Related = append(fd.Related, Related{Start: t.Start(fn.Node), End: t.Start(fn.Node) + 3, Message: "here"})
			}
		})
	}}
}

func linkText(t *testing.T, p *syntax.Parser, src string) *pysem.File {
	t.Helper()
	pf, err := ParseModule(context.Background(), p, []byte(src), pysem.Module{})
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// TestLocalRulesKeepFindings: after an edit inside one class, a Local rule visits only the
// units the edit can reach (the class, or the class and the helper it calls) and its
// findings, fixes and related places are those of a full analysis; the same text analysed
// again visits nothing, and other options visit everything.
func TestLocalRulesKeepFindings(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	visits := map[string]int{}
	rule := itemRule(visits)
	opts := Options{MinSeverity: Off, Incremental: true}
	analyze := func(f *File, o Options) []Finding {
		clear(visits)
		return Analyze(context.Background(), f, []*Rule{rule}, o).Findings
	}
	prev := prog.ReplaceFrom(nil, linkText(t, p, localModel))
	analyze(prev, opts)
	if fmt.Sprint(visits) != "map[First:1 Second:2 Third:1 helper:1]" {
		t.Fatalf("a first analysis visits every traced call: %v", visits)
	}
	for _, tc := range []struct {
		name, from, to string
		want           string // the visits after the edit
	}{
		{"edit in a class alone", "return x.item()\n", "return  x.item()\n", "map[First:1]"},
		{"edit in a class that calls a helper", "helper(x) + x.item()", "helper(x)  + x.item()", "map[Second:2 helper:1]"},
		{"edit in the helper", "x.item() + 1", "x.item() + 2", "map[Second:2 helper:1]"},
		{"a line added above everything", "import torch\n", "import torch\n\n", "map[]"},
		{"an edit that adds a finding", "return x.item() * 2", "return x.item() * x.item()", "map[Third:2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(string(prev.Src), tc.from, tc.to, 1)
			if text == string(prev.Src) {
				t.Fatalf("%q not in the text", tc.from)
			}
			next := prog.ReplaceFrom(prev, linkText(t, p, text))
			got := analyze(next, opts)
			if fmt.Sprint(visits) != tc.want {
				t.Errorf("visits %v, want %s", visits, tc.want)
			}
			full := analyze(prog.ReplaceFrom(nil, linkText(t, p, text)), opts)
			if !reflect.DeepEqual(got, full) {
				t.Errorf("kept findings differ from a full analysis:\n%v\n%v", got, full)
			}
			if again := analyze(next, opts); fmt.Sprint(visits) != "map[]" || !reflect.DeepEqual(again, full) {
				t.Errorf("the same text again visits %v", visits)
			}
			prev = next
		})
	}
	other := opts
	other.Target = catalog.Version{Major: 2, Minor: 3}
	analyze(prev, other)
	if fmt.Sprint(visits) != "map[First:1 Second:2 Third:2 helper:1]" {
		t.Errorf("other options visit %v, want every traced call", visits)
	}
}

// TestLocalRulesFindingsOutsideTheirUnit: a kept finding whose related place lies in
// another unit (the file's first statement, the import) is kept while that unit is, and
// its place moves with it; when the edit reaches that unit the finding is found again.
func TestLocalRulesFindingsOutsideTheirUnit(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	visits := map[string]int{}
	rule := &Rule{Name: "tensor_to_python", Local: true, Run: func(pass *Pass) {
		pass.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			if fn.Class != nil && fn.Class.Name == "Third" {
				visits["Third"]++
				tr := pass.File.Tree
				imp := tr.NamedChild(tr.Root(), 0)
				fd := pass.Reportf(call, Fails, "far")
				fd.Related = append(fd.Related, Related{Start: tr.Start(imp), End: tr.End(imp), Message: "the import"})
				fd.Fixes = append(fd.Fixes, Fix{Title: "import", Edits: []Edit{{Start: tr.End(imp), End: tr.End(imp), NewText: " as T"}}})
			}
		})
	}}
	opts := Options{MinSeverity: Off, Incremental: true}
	f := prog.ReplaceFrom(nil, linkText(t, p, localModel))
	for _, tc := range []struct {
		name, from, to string
		visits         int // of Third's call
		importAt       int // where the import starts
	}{
		{"first analysis", "", "", 1, 0},
		{"edit in another class", "x.item()\n", "x.item() \n", 0, 0},
		{"a comment above the import", "import torch\n", "# models\nimport torch\n", 0, 9},
		{"the import edited", "import torch\n", "import  torch\n", 1, 9},
		{"edit in another class again", "x.item() \n", "x.item()  \n", 0, 9},
	} {
		if tc.from != "" {
			f = prog.ReplaceFrom(f, linkText(t, p, strings.Replace(string(f.Src), tc.from, tc.to, 1)))
		}
		clear(visits)
		got := Analyze(context.Background(), f, []*Rule{rule}, opts).Findings
		n := visits["Third"]
		full := Analyze(context.Background(), prog.ReplaceFrom(nil, linkText(t, p, string(f.Src))), []*Rule{rule}, Options{MinSeverity: Off}).Findings
		if n != tc.visits || len(got) != 1 || got[0].Related[0].Start != tc.importAt {
			t.Errorf("%s: visits %d (want %d), findings %v", tc.name, n, tc.visits, got)
		}
		if !reflect.DeepEqual(got, full) {
			t.Errorf("%s: kept findings differ from a full analysis:\n%v\n%v", tc.name, got, full)
		}
	}
}

// TestLocalRulesWithin: findings a Local rule reports after its callbacks, on nodes it
// collected in them, are kept with the unit of the node Within names.
func TestLocalRulesWithin(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	visits := 0
	rule := &Rule{Name: "tensor_to_python", Local: true, Run: func(pass *Pass) {
		var calls []NodeID
		pass.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			visits++
			calls = append(calls, call)
		})
		for _, c := range calls {
			pass.Within(c, func() { pass.Reportf(c, Fails, "call") })
		}
	}}
	f := prog.ReplaceFrom(nil, linkText(t, p, localModel))
	full := Analyze(context.Background(), f, []*Rule{rule}, Options{MinSeverity: Off, Incremental: true}).Findings
	visits = 0
	next := prog.ReplaceFrom(f, linkText(t, p, strings.Replace(string(f.Src), "x.item() * 2", "x.item() * 3", 1)))
	got := Analyze(context.Background(), next, []*Rule{rule}, Options{MinSeverity: Off, Incremental: true}).Findings
	if visits != 1 || len(got) != len(full) || len(full) != 5 {
		t.Errorf("visits %d (want 1: Third's call), findings %d (want %d)", visits, len(got), len(full))
	}
}

// TestLocalRulesPassInsideCallback: what a Local rule reports in a callback after running
// another pass over the file (a table built on first use) is kept with the callback's
// unit, so an edit elsewhere keeps it.
func TestLocalRulesPassInsideCallback(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	rule := &Rule{Name: "tensor_to_python", Local: true, Run: func(pass *Pass) {
		var defs map[NodeID]bool
		pass.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			if defs == nil {
				defs = map[NodeID]bool{}
				pass.Traced(syntax.KindFunctionDefinition, func(n NodeID, _ *Function) { defs[n] = true })
			}
			pass.Reportf(call, Fails, "call in %s", fn.QualName())
		})
	}}
	opts := Options{MinSeverity: Off, Incremental: true}
	f := prog.ReplaceFrom(nil, linkText(t, p, localModel))
	want := Analyze(context.Background(), f, []*Rule{rule}, opts).Findings
	if len(want) != 5 {
		t.Fatalf("%d findings, want 5", len(want))
	}
	next := prog.ReplaceFrom(f, linkText(t, p, "\n"+string(f.Src)))
	got := Analyze(context.Background(), next, []*Rule{rule}, opts).Findings
	if len(got) != len(want) {
		t.Errorf("after a line added above everything: %d findings, want %d:\n%v", len(got), len(want), got)
	}
}

// TestLocalRulesDeclarationsKeptAcrossEdits: an edit above a file's own export call moves
// the call but changes nothing a Declarations rule's kept findings say, so the rule visits
// only the units the edit reaches; a new line above the call (its line, which messages
// cite, changes) or a changed spec makes it visit everything.
func TestLocalRulesDeclarationsKeptAcrossEdits(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	visits := map[string]int{}
	rule := itemRule(visits)
	rule.Declarations = true
	opts := Options{MinSeverity: Off, Incremental: true}
	text := localModel + "\nep = torch.export.export(First(), (torch.randn(4),), dynamic_shapes={\"x\": {0: torch.export.Dim(\"b\")}})\n"
	prev := prog.ReplaceFrom(nil, linkText(t, p, text))
	Analyze(context.Background(), prev, []*Rule{rule}, opts)
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"the call moved by an edit above it", "x.item() * 2", "x.item() * 20", "map[Third:1]"},
		{"a line added above the call", "x.item() * 20", "x.item() *\\\n 20", "map[First:1 Second:2 Third:1 helper:1]"},
		{"the spec changed", `Dim("b")`, `Dim("batch")`, "map[First:1 Second:2 Third:1 helper:1]"},
	} {
		text = strings.Replace(text, tc.from, tc.to, 1)
		next := prog.ReplaceFrom(prev, linkText(t, p, text))
		clear(visits)
		got := Analyze(context.Background(), next, []*Rule{rule}, opts).Findings
		if fmt.Sprint(visits) != tc.want {
			t.Errorf("%s: visits %v, want %s", tc.name, visits, tc.want)
		}
		full := Analyze(context.Background(), prog.ReplaceFrom(nil, linkText(t, p, text)), []*Rule{rule}, Options{MinSeverity: Off}).Findings
		if !reflect.DeepEqual(got, full) {
			t.Errorf("%s: kept findings differ from a full analysis:\n%v\n%v", tc.name, got, full)
		}
		prev = next
	}
}

// countRule is a Local rule that reports every .item() call in traced code with the number
// of them in the whole file, which it aggregates from per-unit summaries (PerUnit) and
// keeps its findings while (KeepWhile). It counts, by owner as itemRule does, the calls its
// gathers visit and those its report visits.
func countRule(gathers, reports map[string]int) *Rule {
	owner := func(fn *Function) string {
		if fn.Class != nil {
			return fn.Class.Name
		}
		return fn.Name
	}
	isItem := func(t *syntax.Tree, call NodeID) bool {
		callee := t.Field(call, syntax.FieldFunction)
		return t.Kind(callee) == syntax.KindAttribute && t.String(t.Field(callee, syntax.FieldAttribute)) == "item"
	}
	return &Rule{Name: "tensor_to_python", Local: true, Run: func(p *Pass) {
		t := p.File.Tree
		total := 0
		for _, s := range p.PerUnit(func(NodeID) any {
			n := 0
			p.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
				gathers[owner(fn)]++
				if isItem(t, call) {
					n++
				}
			})
			return n
		}) {
			total += s.(int)
		}
		p.KeepWhile(uint64(total))
		p.Traced(syntax.KindCall, func(call NodeID, fn *Function) {
			reports[owner(fn)]++
			if isItem(t, call) {
				p.Reportf(call, Fails, "one of %d item calls", total)
			}
		})
	}}
}

// TestPerUnitKeepsSummaries: a Local rule's per-unit summaries are gathered again only in
// the units an edit reaches, and its kept findings are dropped when the aggregate of the
// summaries changes; the findings are always those of a full analysis.
func TestPerUnitKeepsSummaries(t *testing.T) {
	p := syntax.NewParser()
	defer p.Close()
	prog := torchsem.NewProgram(nil)
	gathers, reports := map[string]int{}, map[string]int{}
	rule := countRule(gathers, reports)
	opts := Options{MinSeverity: Off, Incremental: true}
	analyze := func(f *File, o Options) []Finding {
		clear(gathers)
		clear(reports)
		return Analyze(context.Background(), f, []*Rule{rule}, o).Findings
	}
	prev := prog.ReplaceFrom(nil, linkText(t, p, localModel))
	if got := analyze(prev, opts); len(got) != 4 || got[0].Message != "one of 4 item calls" {
		t.Fatalf("first analysis: %v", got)
	}
	all := "map[First:1 Second:2 Third:1 helper:1]"
	if fmt.Sprint(gathers) != all || fmt.Sprint(reports) != all {
		t.Fatalf("a first analysis gathers and reports every traced call: %v, %v", gathers, reports)
	}
	for _, tc := range []struct {
		name, from, to  string
		gather, reports string
		message         string
	}{
		{"the count unchanged", "return x.item()\n", "return  x.item()\n", "map[First:1]", "map[First:1]", "one of 4 item calls"},
		{"a call added", "return x.item() * 2", "return x.item() * x.item()", "map[Third:2]", "map[First:1 Second:2 Third:2 helper:1]", "one of 5 item calls"},
		{"a line added above everything", "import torch\n", "import torch\n\n", "map[]", "map[]", "one of 5 item calls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(string(prev.Src), tc.from, tc.to, 1)
			next := prog.ReplaceFrom(prev, linkText(t, p, text))
			got := analyze(next, opts)
			if fmt.Sprint(gathers) != tc.gather || fmt.Sprint(reports) != tc.reports {
				t.Errorf("gathered %v and reported %v, want %s and %s", gathers, reports, tc.gather, tc.reports)
			}
			if len(got) == 0 || got[0].Message != tc.message {
				t.Errorf("findings %v, want the message %q", got, tc.message)
			}
			full := analyze(prog.ReplaceFrom(nil, linkText(t, p, text)), opts)
			if !reflect.DeepEqual(got, full) {
				t.Errorf("kept findings differ from a full analysis:\n%v\n%v", got, full)
			}
			if again := analyze(next, opts); fmt.Sprint(gathers) != "map[]" || fmt.Sprint(reports) != "map[]" || !reflect.DeepEqual(again, full) {
				t.Errorf("the same text again gathers %v and reports %v", gathers, reports)
			}
			prev = next
		})
	}
	// without Incremental, one gather over the whole file
	analyze(prev, Options{MinSeverity: Off})
	if fmt.Sprint(gathers) != "map[First:1 Second:2 Third:2 helper:1]" {
		t.Errorf("a full analysis gathers %v", gathers)
	}
}
