package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// Test rules: each reports every occurrence of a string with one fix.
func occurrenceRule(name, find, replace string, effect analysis.Effect, safety analysis.Safety) *analysis.Rule {
	return &analysis.Rule{Name: name, Run: func(p *analysis.Pass) {
		src := p.File.Src
		for i := 0; i+len(find) <= len(src); i++ {
			if string(src[i:i+len(find)]) != find {
				continue
			}
			p.Report(analysis.Finding{
				Start: i, End: i + len(find), Effect: effect, Message: "found " + find,
				Fixes: []analysis.Fix{{Title: "replace " + find, Safety: safety, Edits: []analysis.Edit{{Start: i, End: i + len(find), NewText: replace}}}},
			})
		}
	}}
}

type runResult struct {
	status         int
	stdout, stderr string
}

func run(t *testing.T, dir string, o Options) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	o.Stdout, o.Stderr = &out, &errb
	o.WorkDir = dir
	if o.MinSeverity == analysis.Off {
		o.MinSeverity = analysis.Hint
	}
	st := Run(context.Background(), o)
	return runResult{st, out.String(), errb.String()}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFixRounds(t *testing.T) {
	// "xy" -> "y" creates a new "xy" each time: one fix per round
	dir := testfs.WriteTree(t, map[string]string{"m.py": "xxxy\n"})
	xy := occurrenceRule("test_xy", "xy", "y", analysis.Fails, analysis.Safe)
	r := run(t, dir, Options{Rules: []*analysis.Rule{xy}, Fix: true})
	if got := read(t, filepath.Join(dir, "m.py")); got != "y\n" || r.status != ExitOK {
		t.Errorf("after --fix: %q, status %d\n%s%s", got, r.status, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Found 3 findings (3 fixed, 0 remaining)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	// past maxFixRounds the rest is reported as remaining
	dir = testfs.WriteTree(t, map[string]string{"m.py": strings.Repeat("x", 13) + "y\n"})
	r = run(t, dir, Options{Rules: []*analysis.Rule{xy}, Fix: true, Format: FormatJSON})
	if got := read(t, filepath.Join(dir, "m.py")); got != "xxxy\n" {
		t.Errorf("after %d rounds: %q", maxFixRounds, got)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Fixed != maxFixRounds || len(rep.Findings) != 1 || r.status != ExitFindings {
		t.Errorf("fixed %d, remaining %d, status %d", rep.Summary.Fixed, len(rep.Findings), r.status)
	}
}

func TestFixOverlapsAndSafety(t *testing.T) {
	// "aa" occurs at 0, 1 and 2 of "aaaa": 0 and 2 apply, 1 overlaps both
	aa := occurrenceRule("test_aa", "aa", "b", analysis.Fails, analysis.Safe)
	dir := testfs.WriteTree(t, map[string]string{"m.py": "aaaa\n"})
	run(t, dir, Options{Rules: []*analysis.Rule{aa}, Fix: true})
	if got := read(t, filepath.Join(dir, "m.py")); got != "bb\n" {
		t.Errorf("overlapping fixes: %q", got)
	}
	// unsafe fixes need --unsafe-fixes
	un := occurrenceRule("test_unsafe", "q", "z", analysis.Fails, analysis.Unsafe)
	dir = testfs.WriteTree(t, map[string]string{"m.py": "q\n"})
	r := run(t, dir, Options{Rules: []*analysis.Rule{un}, Fix: true})
	if got := read(t, filepath.Join(dir, "m.py")); got != "q\n" || r.status != ExitFindings {
		t.Errorf("unsafe fix applied without --unsafe-fixes: %q", got)
	}
	if !strings.Contains(r.stdout, "1 more fixable with --fix --unsafe-fixes") {
		t.Errorf("no unsafe hint:\n%s", r.stdout)
	}
	run(t, dir, Options{Rules: []*analysis.Rule{un}, Fix: true, UnsafeFixes: true})
	if got := read(t, filepath.Join(dir, "m.py")); got != "z\n" {
		t.Errorf("--unsafe-fixes: %q", got)
	}
	// fixes of hover-only (off) findings are never applied
	off := occurrenceRule("test_off", "q", "z", analysis.Recognized, analysis.Safe)
	dir = testfs.WriteTree(t, map[string]string{"m.py": "q\n"})
	run(t, dir, Options{Rules: []*analysis.Rule{off}, Fix: true, MinSeverity: analysis.Off})
	if got := read(t, filepath.Join(dir, "m.py")); got != "q\n" {
		t.Errorf("off finding fixed: %q", got)
	}
}

func TestFixBreakingSyntaxIsRejected(t *testing.T) {
	bad := occurrenceRule("test_bad", "ok", "ok(", analysis.Fails, analysis.Safe)
	dir := testfs.WriteTree(t, map[string]string{"m.py": "ok\n"})
	r := run(t, dir, Options{Rules: []*analysis.Rule{bad}, Fix: true})
	if got := read(t, filepath.Join(dir, "m.py")); got != "ok\n" {
		t.Errorf("a fix that breaks the syntax was applied: %q", got)
	}
	if !strings.Contains(r.stderr, `m.py: note: fix "replace ok" not applied: it would introduce a syntax error`) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestFixWritesAtomically(t *testing.T) {
	src := "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return x[: round(x.shape[0] / 2)]\n"
	dir := testfs.WriteTree(t, map[string]string{"pkg/m.py": src})
	path := filepath.Join(dir, "pkg", "m.py")
	if err := os.Chmod(path, 0o751); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.py")
	if err := os.Symlink(path, link); err != nil {
		t.Skip(err)
	}
	r := run(t, dir, Options{Paths: []string{"link.py"}, Fix: true, UnsafeFixes: true})
	if r.status != ExitOK {
		t.Errorf("status %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	if got := read(t, path); !strings.Contains(got, "return x[: (x.shape[0] // 2)]") {
		t.Errorf("not fixed through the link:\n%s", got)
	}
	fi, _ := os.Lstat(link)
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced by a file")
	}
	fi, _ = os.Stat(path)
	if fi.Mode().Perm() != 0o751 {
		t.Errorf("mode %v; want 0751", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "pkg"))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestPositionsAreRuneColumns(t *testing.T) {
	line := `        s = "héllo wörld"; n = round(x.shape[0] / 2)`
	src := "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n" + line + "\n        return x[:n]\n"
	dir := testfs.WriteTree(t, map[string]string{"m.py": src})
	r := run(t, dir, Options{Format: FormatJSON})
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	f := rep.Findings[0]
	byteCol := strings.Index(line, "round(")
	runeCol := utf8.RuneCountInString(line[:byteCol]) + 1
	endRune := utf8.RuneCountInString(line) + 1
	if f.Start.Line != 5 || f.Start.Column != runeCol || f.End.Column != endRune || f.Start.Offset != strings.Index(src, "round(") {
		t.Errorf("start %+v end %+v; want line 5 columns %d..%d", f.Start, f.End, runeCol, endRune)
	}
	if f.Case != "dynamic_shape_round" || f.Severity != "error" || f.Effect != "fails" || f.URL == "" || len(f.Tags) == 0 || f.TorchVersion == "" {
		t.Errorf("fields: %+v", f)
	}
	if len(f.Fixes) != 1 || f.Fixes[0].Safety != "unsafe" || f.Fixes[0].Edits[0].NewText != "(x.shape[0] // 2)" {
		t.Errorf("fixes: %+v", f.Fixes)
	}
	// text: the caret sits under the range, counted in runes
	r = run(t, dir, Options{})
	want := "m.py:5:" + strconv.Itoa(runeCol) + ": error dynamic_shape_round: "
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("text starts %q; want %q", firstLine(r.stdout), want)
	}
	caret := "  | " + strings.Repeat(" ", runeCol-1) + strings.Repeat("^", endRune-runeCol) + "\n"
	if !strings.Contains(r.stdout, caret) || !strings.Contains(r.stdout, "5 | "+line+"\n") {
		t.Errorf("snippet:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "= [unsafe fix available]: replace round(a / b)") {
		t.Errorf("fix line missing:\n%s", r.stdout)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func TestSnippetTabsAndMultiline(t *testing.T) {
	fr := &FileResult{Src: []byte("if a:\n\tx = round(y)\n\tz = f(1,\n\t      2)\n")}
	var b bytes.Buffer
	start := strings.Index(string(fr.Src), "round")
	writeSnippet(&b, fr, start, start+len("round(y)"), analysis.Error, false)
	want := "  |\n2 |     x = round(y)\n  |         ^^^^^^^^\n  |\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	start = strings.Index(string(fr.Src), "f(1")
	writeSnippet(&b, fr, start, strings.Index(string(fr.Src), "2)")+2, analysis.Error, false)
	want = "  |\n3 |     z = f(1,\n  |         ^^^^\n4 |           2)\n  |           ^^\n  |\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestGitHubEscaping(t *testing.T) {
	if got := ghData("50% of a\nb"); got != "50%25 of a%0Ab" {
		t.Errorf("ghData = %q", got)
	}
	if got := ghProperty("a:b,c%"); got != "a%3Ab%2Cc%25" {
		t.Errorf("ghProperty = %q", got)
	}
	dir := testfs.WriteTree(t, map[string]string{"m.py": "q\n"})
	r := run(t, dir, Options{Rules: []*analysis.Rule{occurrenceRule("test_warn", "q", "z", analysis.Changes, analysis.Safe)}, Format: FormatGitHub})
	want := "::warning file=m.py,line=1,col=1,endLine=1,endColumn=2,title=exportdb test_warn::test_warn: found q [*]\n"
	if r.stdout != want {
		t.Errorf("got  %q\nwant %q", r.stdout, want)
	}
}

func TestStatisticsAndQuiet(t *testing.T) {
	dir := testfs.WriteTree(t, map[string]string{"a.py": "qq\n", "b.py": "q w\n"})
	rs := []*analysis.Rule{
		occurrenceRule("test_q", "q", "z", analysis.Fails, analysis.Unsafe),
		occurrenceRule("test_w", "w", "z", analysis.Changes, analysis.Safe),
	}
	r := run(t, dir, Options{Rules: rs, Statistics: true})
	want := "3  test_q  error    [unsafe fix]\n1  test_w  warning  [*]\nFound 4 findings.\n"
	if r.stdout != want {
		t.Errorf("got\n%s\nwant\n%s", r.stdout, want)
	}
	r = run(t, dir, Options{Rules: rs, Format: FormatConcise, Quiet: true})
	want = "a.py:1:1: error test_q: found q [unsafe fix]\na.py:1:2: error test_q: found q [unsafe fix]\nb.py:1:1: error test_q: found q [unsafe fix]\nb.py:1:3: warning test_w: found w [*]\n"
	if r.stdout != want {
		t.Errorf("got\n%s\nwant\n%s", r.stdout, want)
	}
	r = run(t, dir, Options{Rules: rs, MinSeverity: analysis.Error, Format: FormatConcise, Quiet: true})
	if strings.Contains(r.stdout, "test_w") {
		t.Errorf("--min-severity error showed a warning:\n%s", r.stdout)
	}
}

func TestRealRulesAreDeterministic(t *testing.T) {
	// many files, analysed in parallel: the output order is by path, then position
	files := map[string]string{}
	src := "import torch\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        a = round(x.shape[0] / 2)\n        return x[: round(x.shape[1] / 3)]\n"
	for _, name := range []string{"z.py", "a.py", "b/c.py", "b.py", "b/a/d.py", "m1.py", "m10.py", "m2.py"} {
		files[name] = src
	}
	dir := testfs.WriteTree(t, files)
	first := run(t, dir, Options{Format: FormatConcise, Jobs: 8})
	for i := 0; i < 3; i++ {
		if again := run(t, dir, Options{Format: FormatConcise, Jobs: 3}); again.stdout != first.stdout {
			t.Fatalf("output differs between runs")
		}
	}
	var order []string
	for _, l := range strings.Split(strings.TrimSpace(first.stdout), "\n") {
		if strings.Contains(l, ": error ") {
			order = append(order, l[:strings.Index(l, ": error")])
		}
	}
	want := []string{"a.py:5:13", "a.py:6:20", "b.py:5:13", "b.py:6:20", "b/a/d.py:5:13", "b/a/d.py:6:20", "b/c.py:5:13", "b/c.py:6:20", "m1.py:5:13", "m1.py:6:20", "m10.py:5:13", "m10.py:6:20", "m2.py:5:13", "m2.py:6:20", "z.py:5:13", "z.py:6:20"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("order:\n%v\nwant\n%v", order, want)
	}
	if len(rules.All()) == 0 {
		t.Fatal("no rules")
	}
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	var b bytes.Buffer
	if p := startProgress(&b, 10, false); p != nil {
		t.Errorf("progress on a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := startProgress(f, 10, false); p != nil {
		t.Errorf("progress on a regular file")
	}
	var p *progress // a nil progress is a no-op
	p.add()
	p.stop()
}
