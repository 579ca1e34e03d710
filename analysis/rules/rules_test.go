package rules

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
	"github.com/exportdb-lsp/exportdb-lsp/internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the .golden files of fix tests")

// analyzeFile parses src and runs rules with opts; it fails the test on a parse error.
func analyzeFile(t *testing.T, src []byte, rules []*analysis.Rule, opts analysis.Options) (*analysis.File, analysis.Result) {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res := analysis.Analyze(context.Background(), f, rules, opts)
	for _, e := range res.RuleErrors {
		t.Errorf("rule %s panicked: %s\n%s", e.Rule, e.Panic, e.Stack)
	}
	checkHoverOnly(t, f, res.Findings)
	return f, res
}

// checkHoverOnly fails when a rule declared HoverOnly reports anything but Recognized: the
// engine skips such rules when only visible findings are wanted.
func checkHoverOnly(t testing.TB, f *analysis.File, findings []analysis.Finding) {
	t.Helper()
	for _, fd := range findings {
		for _, r := range All() {
			if r.Name == fd.Case && r.HoverOnly && fd.Effect != analysis.Recognized {
				t.Errorf("%s is HoverOnly but reported effect %d at line %d: %s", r.Name, fd.Effect, f.Line(fd.Start)+1, fd.Message)
			}
		}
	}
}

// TestMinSeveritySkipsOnlyHidden: analysing with MinSeverity hint (what the editor and check
// do) gives exactly the findings at or above hint that a full analysis gives.
func TestMinSeveritySkipsOnlyHidden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	clean, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	for _, path := range append(files, clean...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := fixtureOptions(t, string(src))
		_, full := analyzeFile(t, src, All(), opts)
		opts.MinSeverity = analysis.Hint
		_, fast := analyzeFile(t, src, All(), opts)
		visible := func(fs []analysis.Finding) []string {
			var out []string
			for _, fd := range fs {
				if fd.Severity >= analysis.Hint {
					out = append(out, fmt.Sprintf("%d-%d %s %s %s", fd.Start, fd.End, fd.Case, fd.Severity, fd.Message))
				}
			}
			return out
		}
		if a, b := strings.Join(visible(full.Findings), "\n"), strings.Join(visible(fast.Findings), "\n"); a != b {
			t.Errorf("%s: MinSeverity hint changes the visible findings:\nfull:\n%s\nfast:\n%s", path, a, b)
		}
	}
}

// want is one expectation: `# want "regexp"` or `# want:severity "regexp"` at the end of a line.
type want struct {
	line     int
	severity string
	re       *regexp.Regexp
	matched  bool
}

var (
	wantRE = regexp.MustCompile(`#\s*want(?::(\w+))?\s+(.*)$`)
	// the text between double quotes is a raw regexp; \" stands for a quote
	quotedRE    = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	targetRE    = regexp.MustCompile(`(?m)^# exportdb-test: target=(\S+)`)
	nonStrictRE = regexp.MustCompile(`(?m)^# exportdb-test:.* non-strict\b`)
)

func parseWants(t *testing.T, src string) []*want {
	var out []*want
	for i, line := range strings.Split(src, "\n") {
		m := wantRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, q := range quotedRE.FindAllStringSubmatch(m[2], -1) {
			pat := strings.ReplaceAll(q[1], `\"`, `"`)
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Fatalf("line %d: bad want %q: %v", i+1, pat, err)
			}
			out = append(out, &want{line: i, severity: m[1], re: re})
		}
	}
	return out
}

// fixtureOptions reads "# exportdb-test: target=X.Y" (and " non-strict" after it, for
// torch.export(..., strict=False)) from a fixture.
func fixtureOptions(t *testing.T, src string) analysis.Options {
	var opts analysis.Options
	if m := targetRE.FindStringSubmatch(src); m != nil {
		v, err := catalog.ParseVersion(m[1])
		if err != nil {
			t.Fatal(err)
		}
		opts.Target = v
	}
	opts.NonStrict = nonStrictRE.MatchString(src)
	return opts
}

// TestRules runs each rule on testdata/<name>.py and checks its findings against the
// fixture's want comments, and its fixes against testdata/<name>.py.golden.
func TestRules(t *testing.T) {
	for _, r := range All() {
		r := r
		t.Run(r.Name, func(t *testing.T) {
			if r.Run == nil {
				t.Skipf("undetectable: %s", r.Undetectable)
			}
			path := filepath.Join("testdata", r.Name+".py")
			srcb, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			src := string(srcb)
			f, res := analyzeFile(t, srcb, []*analysis.Rule{r}, fixtureOptions(t, src))
			checkWants(t, path, f, src, res.Findings, r.Name)
			checkFixes(t, path, f, res.Findings)
			// multi-file fixtures: testdata/<name>.<what>.txtar, members linked as one project
			archives, _ := filepath.Glob(filepath.Join("testdata", r.Name+".*.txtar"))
			for _, archive := range archives {
				for _, m := range analyzeArchive(t, archive, []*analysis.Rule{r}) {
					checkWants(t, archive+":"+m.name, m.file, m.src, m.res.Findings, r.Name)
				}
			}
		})
	}
}

// member is one file of a multi-file fixture, analysed in its project.
type member struct {
	name string
	src  string
	file *analysis.File
	res  analysis.Result
}

// loadArchive reads a txtar fixture and links its members as one project (a member's path
// names its module); prog.Files[i] is a.Files[i].
func loadArchive(t *testing.T, p *syntax.Parser, path string) (a *txtar.Archive, prog *torchsem.Program) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = txtar.Parse(data); err != nil {
		t.Fatal(err)
	}
	return a, torchsem.NewProgram(archiveFiles(t, p, path, a))
}

// archiveFiles parses the members of a txtar fixture (where names it in failures), each
// with the module its path names.
func archiveFiles(t *testing.T, p *syntax.Parser, where string, a *txtar.Archive) []*pysem.File {
	t.Helper()
	var files []*pysem.File
	for _, m := range a.Files {
		mod, _ := pysem.ModuleOf(m.Name)
		pf, err := analysis.ParseModule(context.Background(), p, m.Data, mod)
		if err != nil {
			t.Fatalf("%s: %s: %v", where, m.Name, err)
		}
		pf.Path = m.Name
		files = append(files, pf)
	}
	return files
}

// analyzeArchive links the members of a txtar fixture as one project (a member's path names
// its module) and runs rules on each.
func analyzeArchive(t *testing.T, path string, rules []*analysis.Rule) []member {
	t.Helper()
	p := syntax.NewParser()
	defer p.Close()
	a, prog := loadArchive(t, p, path)
	var out []member
	for i, m := range a.Files {
		f := prog.Files[i]
		opts := fixtureOptions(t, string(m.Data))
		res := analysis.Analyze(context.Background(), f, rules, opts)
		for _, e := range res.RuleErrors {
			t.Errorf("%s: rule %s panicked: %s\n%s", m.Name, e.Rule, e.Panic, e.Stack)
		}
		checkHoverOnly(t, f, res.Findings)
		out = append(out, member{name: m.Name, src: string(m.Data), file: f, res: res})
	}
	return out
}

// checkWants matches the findings of case name against the want comments of src.
func checkWants(t *testing.T, where string, f *analysis.File, src string, findings []analysis.Finding, name string) {
	t.Helper()
	wants := parseWants(t, src)
	for _, fd := range findings {
		if fd.Case != name {
			continue
		}
		line := f.Line(fd.Start)
		ok := false
		for _, w := range wants {
			if !w.matched && w.line == line && w.re.MatchString(fd.Message) && (w.severity == "" || w.severity == fd.Severity.String()) {
				w.matched, ok = true, true
				break
			}
		}
		if !ok {
			t.Errorf("%s:%d: unexpected finding (%s): %s", where, line+1, fd.Severity, fd.Message)
		}
	}
	for _, w := range wants {
		if !w.matched {
			t.Errorf("%s:%d: no finding matched %q (severity %q)", where, w.line+1, w.re, w.severity)
		}
	}
}

// checkFixes applies the fixes of the fixture, one section per fix title, checks each
// result parses without error nodes, and compares with the golden file.
func checkFixes(t *testing.T, path string, f *analysis.File, findings []analysis.Finding) {
	t.Helper()
	byTitle := map[string][]analysis.Edit{}
	var titles []string
	for _, fd := range findings {
		for _, fx := range fd.Fixes {
			if len(fx.Edits) == 0 {
				t.Errorf("fix %q has no edits", fx.Title)
			}
			if _, ok := byTitle[fx.Title]; !ok {
				titles = append(titles, fx.Title)
			}
			byTitle[fx.Title] = append(byTitle[fx.Title], fx.Edits...)
		}
	}
	golden := path + ".golden"
	if len(titles) == 0 {
		if _, err := os.Stat(golden); err == nil {
			t.Errorf("%s exists but the fixture produced no fix", golden)
		}
		return
	}
	sort.Strings(titles)
	var sb strings.Builder
	for _, title := range titles {
		out, err := analysis.ApplyEdits(f.Src, byTitle[title])
		if err != nil {
			t.Errorf("fix %q: %v", title, err)
			continue
		}
		if !f.Tree.HasError(f.Tree.Root()) {
			p := syntax.NewParser()
			d, err := p.Parse(context.Background(), out)
			p.Close()
			if err != nil || d.Tree().HasError(d.Tree().Root()) {
				t.Errorf("fix %q leaves invalid Python:\n%s", title, out)
			}
		}
		fmt.Fprintf(&sb, "-- %s --\n%s", title, out)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./analysis/rules -update to create it)", err)
	}
	if string(want) != sb.String() {
		t.Errorf("%s differs from the fixed output:\n%s", golden, sb.String())
	}
}

// TestRegistry checks the one-to-one match of catalog cases, registry entries, rule files
// and fixtures, and that rule docs have every section.
func TestRegistry(t *testing.T) {
	cat := catalog.Default()
	rules := All()
	if len(rules) != len(cat.Cases()) {
		t.Errorf("%d rules for %d catalog cases", len(rules), len(cat.Cases()))
	}
	for i, r := range rules {
		if i > 0 && rules[i-1].Name >= r.Name {
			t.Errorf("registry not sorted at %s", r.Name)
		}
		if _, ok := cat.Lookup(r.Name); !ok {
			t.Errorf("rule %s has no catalog case", r.Name)
		}
		if _, err := os.Stat(r.Name + ".go"); err != nil {
			t.Errorf("rule %s has no file %s.go", r.Name, r.Name)
		}
		if r.Run == nil {
			if r.Undetectable == "" || r.Undetectable == "not written yet" {
				t.Errorf("rule %s has no Run and no reason", r.Name)
			}
			continue
		}
		if _, err := os.Stat(filepath.Join("testdata", r.Name+".py")); err != nil {
			t.Errorf("rule %s has no fixture", r.Name)
		}
		for _, sec := range []string{"## What it does", "## Why is this bad", "## Example", "## Use instead", "## Fix safety", "## References"} {
			if !strings.Contains(r.Doc, sec) {
				t.Errorf("rule %s: Doc lacks %q", r.Name, sec)
			}
		}
	}
}

// TestSeedExamples runs every ExportDB example of the catalog through all rules: each must
// be recognised as its own case.
func TestSeedExamples(t *testing.T) {
	for _, k := range catalog.Default().Cases() {
		k := k
		t.Run(k.Name, func(t *testing.T) {
			p := syntax.NewParser()
			defer p.Close()
			f, err := analysis.Parse(context.Background(), p, []byte(k.Example))
			if err != nil {
				t.Fatal(err)
			}
			res := analysis.Analyze(context.Background(), f, All(), analysis.Options{Target: catalog.BaseVersion})
			checkHoverOnly(t, f, res.Findings)
			var got []string
			for _, fd := range res.Findings {
				if fd.Case == k.Name {
					return
				}
				got = append(got, fd.Case)
			}
			t.Errorf("example of %s not recognised; found %v", k.Name, got)
		})
	}
}

// TestCleanFixtures: realistic exportable modules give nothing above hint.
func TestCleanFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	if len(files) == 0 {
		t.Fatal("no clean fixtures in testdata/clean")
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, res := analyzeFile(t, src, All(), analysis.Options{})
		for _, fd := range res.Findings {
			if fd.Severity > analysis.Hint {
				t.Errorf("%s:%d: %s %s: %s", path, f.Line(fd.Start)+1, fd.Severity, fd.Case, fd.Message)
			}
		}
	}
}

// TestParallelMatchesSequential: rules run on several goroutines (the editor's path) give
// exactly the sequential result. Run under -race by scripts/test.sh.
func TestParallelMatchesSequential(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.py"))
	clean, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.py"))
	for _, path := range append(files, clean...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := fixtureOptions(t, string(src))
		_, seq := analyzeFile(t, src, All(), opts)
		opts.Workers = 4
		_, par := analyzeFile(t, src, All(), opts)
		if a, b := fmt.Sprintf("%+v", seq.Findings), fmt.Sprintf("%+v", par.Findings); a != b {
			t.Errorf("%s: parallel analysis differs from sequential", path)
		}
		// as the editor runs them: keeping findings per unit, the declarations read on
		// another core while the file's calls are indexed
		opts.Incremental = true
		_, ed := analyzeFile(t, src, All(), opts)
		if a, b := fmt.Sprintf("%+v", seq.Findings), fmt.Sprintf("%+v", ed.Findings); a != b || len(ed.RuleErrors) > 0 {
			t.Errorf("%s: the editor's analysis differs from sequential (rule errors: %v)", path, ed.RuleErrors)
		}
	}
}

// TestBaseCycle: every rule finishes, without a panic, on classes that name each other as
// bases (broken code; module_state_in_forward walked such a chain forever, so check hung:
// this test times out on that code).
func TestBaseCycle(t *testing.T) {
	src := []byte(`import torch


class A(B, torch.nn.Module):
    def forward(self, x):
        return torch.ops.higher_order.map(lambda y: y + self.missing, x)


class B(A):
    pass


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [A(), B()]
        self.count = 0

    def forward(self, x):
        self.count += 1
        for b in self.blocks:
            x = b(x)
        return x
`)
	p := syntax.NewParser()
	defer p.Close()
	f, err := analysis.Parse(context.Background(), p, src)
	if err != nil {
		t.Fatal(err)
	}
	res := analysis.Analyze(context.Background(), f, All(), analysis.Options{MinSeverity: analysis.Off})
	for _, e := range res.RuleErrors {
		t.Errorf("rule %s panicked: %s", e.Rule, e.Panic)
	}
}
