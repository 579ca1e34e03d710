package lsp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// The workspace benchmarks run the server in process on a model library of 2,000 files
// and a million lines (bench/gencorpus -layout package), so that `go test -cpuprofile`
// and `-memprofile` show where the time of bench/lsplatency's workspace mode goes:
//
//	go test ./lsp -run '^$' -bench Workspace -benchtime 50x -cpuprofile /tmp/cpu.out
//	EXPORTDB_BENCH_WORKSPACE=/tmp/ws go test ./lsp -run '^$' -bench WorkspaceEdit
//
// EXPORTDB_BENCH_WORKSPACE names a workspace written before (go run ./bench/gencorpus
// -layout package -out /tmp/ws -files 2000); without it each benchmark writes one.

// benchWorkspace returns the workspace folder to use.
func benchWorkspace(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("EXPORTDB_BENCH_WORKSPACE"); dir != "" {
		return dir
	}
	dir := b.TempDir()
	cmd := exec.Command("go", "run", "./bench/gencorpus", "-root", ".", "-layout", "package", "-out", dir, "-files", "2000")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("bench/gencorpus: %v\n%s", err, out)
	}
	return dir
}

// indexedClient starts a server with dir as its workspace folder and waits for the end of
// the workspace index (at most limit).
func indexedClient(b *testing.B, dir string, limit time.Duration, opts ...serverOpt) *testClient {
	b.Helper()
	c := newTestClient(b, opts...)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	deadline := time.Now().Add(limit)
	for !indexEnded(c) {
		if time.Now().After(deadline) {
			b.Fatalf("the workspace index did not end in %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return c
}

func indexEnded(c *testClient) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.progress {
		if p.Token == "exportdb-index" {
			if v, ok := p.Value.(map[string]any); ok && v["kind"] == "end" {
				return true
			}
		}
	}
	return false
}

// BenchmarkWorkspaceIndex: from initialized to the end of the workspace index's progress.
func BenchmarkWorkspaceIndex(b *testing.B) {
	dir := benchWorkspace(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := indexedClient(b, dir, 10*time.Minute)
		b.StopTimer()
		_ = c.shutdown()
		b.StartTimer()
	}
}

// BenchmarkWorkspaceEdit: one-character edits of the 5,680-line model file of the indexed
// workspace ("x = self.stem(x)" in a forward, "x" <-> "xm"), each timed as
// BenchmarkEditToDiagnostics times them: p50/p95/max to the publish's arrival at the
// client, p50-decoded/p95-decoded to its decoding there, and with -v the steps of the
// slowest edits.
func BenchmarkWorkspaceEdit(b *testing.B) {
	c, clock, path, text := workspaceModel(b)
	at := strings.Index(text, "x = self.stem(x)")
	if at < 0 {
		b.Fatalf("%s has no line x = self.stem(x): the fixtures bench/gencorpus recombines changed", path)
	}
	editLatency(b, c, clock, pathToURI(path), text, at+1)
}

// workspaceModel starts a server on the benchmark workspace, waits for its index, and
// returns it with its stage clock, and the path and text of the workspace's large model.
func workspaceModel(b *testing.B) (*testClient, *stageClock, string, string) {
	dir := benchWorkspace(b)
	clock := &stageClock{}
	c := indexedClient(b, dir, 10*time.Minute, clock.hook)
	path := filepath.Join(dir, "vision", "models", "vision_transformer.py")
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return c, clock, path, string(src)
}

// BenchmarkWorkspaceImportEdit: ", os" typed at the end of the model's first plain import
// line and deleted again, as bench/lsplatency does every fifteenth word. Two of each
// eight texts end the line in a comma, a syntax error; the others change the names the
// file imports.
func BenchmarkWorkspaceImportEdit(b *testing.B) {
	c, clock, path, text := workspaceModel(b)
	m := regexp.MustCompile(`(?m)^import [\w.]+$`).FindStringIndex(text)
	if m == nil {
		b.Fatalf("%s has no plain import line: the fixtures bench/gencorpus recombines changed", path)
	}
	typeLatency(b, c, clock, pathToURI(path), text, []int{m[1]}, ", os")
}

// BenchmarkWorkspaceConnectedEdit: BenchmarkWorkspaceEdit's keystroke in the forward of
// the model file's class that the file names most often (a block other classes build):
// the re-link takes in every statement connected to it by the names they share, where
// BenchmarkWorkspaceEdit's class is one nothing else names.
func BenchmarkWorkspaceConnectedEdit(b *testing.B) {
	c, clock, path, text := workspaceModel(b)
	best, mentions := -1, 0
	for _, m := range regexp.MustCompile(`(?m)^class (\w+)`).FindAllStringSubmatchIndex(text, -1) {
		name := text[m[2]:m[3]]
		n := len(regexp.MustCompile(`\b`+name+`\b`).FindAllStringIndex(text, -1))
		fwd := strings.Index(text[m[0]:], "    def forward(")
		next := strings.Index(text[m[1]:], "\nclass ")
		if n > mentions && fwd >= 0 && (next < 0 || m[0]+fwd < m[1]+next) {
			best, mentions = m[0]+fwd, n
		}
	}
	if best < 0 || mentions < 5 {
		b.Fatalf("%s has no class named 5 times or more with a forward: the fixtures bench/gencorpus recombines changed", path)
	}
	at := forwardAssignment(text, best)
	if at < 0 {
		b.Fatalf("%s: no assignment in the forward at byte %d", path, best)
	}
	typeLatency(b, c, clock, pathToURI(path), text, []int{at}, "m")
}

// BenchmarkWorkspaceSpreadEdit: BenchmarkWorkspaceEdit's keystroke ("m" typed before a name
// an assignment binds, and deleted) in every forward of the model file in turn, so that
// the latencies are those of typing anywhere in it, not in one class: a keystroke in a
// class that many others are connected to re-links all of them (WorkspaceConnectedEdit).
// -benchtime 2x the number of forwards (the bench logs it with -v) types once in each.
func BenchmarkWorkspaceSpreadEdit(b *testing.B) {
	c, clock, path, text := workspaceModel(b)
	var sites []int
	for _, f := range regexp.MustCompile(`(?m)^    def forward\(`).FindAllStringIndex(text, -1) {
		if at := forwardAssignment(text, f[0]); at >= 0 {
			sites = append(sites, at)
		}
	}
	if len(sites) < 50 {
		b.Fatalf("%s: %d forwards with an assignment, want 50 or more: the fixtures bench/gencorpus recombines changed", path, len(sites))
	}
	if testing.Verbose() {
		b.Logf("%d forwards with an assignment to type in", len(sites))
	}
	typeLatency(b, c, clock, pathToURI(path), text, sites, "m")
}

// forwardAssignment returns where the name that the first assignment of the method at byte
// fwd of text binds starts (a line `        name = ` before the next method or class), or -1.
func forwardAssignment(text string, fwd int) int {
	body := fwd + len("    def ")
	end := len(text)
	for _, next := range []string{"\n    def ", "\nclass "} {
		if i := strings.Index(text[body:], next); i >= 0 {
			end = min(end, body+i)
		}
	}
	a := benchForwardAssign.FindStringSubmatchIndex(text[body:end])
	if a == nil {
		return -1
	}
	return body + a[2]
}

var benchForwardAssign = regexp.MustCompile(`(?m)^        (\w+) = `)

// BenchmarkWorkspaceDependent: an edit of the open helper module changes what feat_size
// returns (x.shape[-1] <-> 16); timed to the publish of the open model file that imports it
// with its dynamic_shape_round finding flipped.
func BenchmarkWorkspaceDependent(b *testing.B) {
	dir := benchWorkspace(b)
	c := indexedClient(b, dir, 10*time.Minute)
	modelPath := filepath.Join(dir, "vision", "models", "vision_transformer.py")
	helperPath := filepath.Join(dir, "vision", "layers", "helpers.py")
	model, helper := pathToURI(modelPath), pathToURI(helperPath)
	msrc, err := os.ReadFile(modelPath)
	if err != nil {
		b.Fatal(err)
	}
	hsrc, err := os.ReadFile(helperPath)
	if err != nil {
		b.Fatal(err)
	}
	line := strings.Count(string(msrc[:strings.Index(string(msrc), "n = round(feat_size(x) / 2)")]), "\n") + 1
	c.open(model, string(msrc))
	c.diagsFor(model, 1)
	c.open(helper, string(hsrc))
	c.diagsFor(helper, 1)
	time.Sleep(time.Second) // the helper's first analysis re-analyses the model once
	text := string(hsrc)
	var lat []time.Duration
	b.ResetTimer()
	defer profileEdits(b)()
	for i := 0; i < b.N; i++ {
		from, to := "x.shape[-1]", "16"
		if i%2 == 1 {
			from, to = to, from
		}
		at := strings.Index(text, "return "+from) + len("return ")
		r := rangeAt(text, at, at+len(from), c.enc)
		text = text[:at] + to + text[at+len(from):]
		before := c.publishes(model)
		want := 0
		if i%2 == 1 {
			want = 1
		}
		start := time.Now()
		c.change(helper, int32(i+2), textDocumentContentChangeEvent{Range: &r, Text: to})
		c.waitFor("the model re-diagnosed", func() bool {
			list := c.diags[model]
			if len(list) <= before {
				return false
			}
			n := 0
			for _, l := range findingLines(list[len(list)-1], "dynamic_shape_round") {
				if l == line {
					n++
				}
			}
			return n == want
		})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// profileEdits profiles what follows (the edits, without indexing the workspace and
// opening its files): a CPU profile to the file EXPORTDB_BENCH_CPUPROFILE names, and heap
// profiles before and after to EXPORTDB_BENCH_MEMPROFILE's name with .start and .end
// appended (go tool pprof -base x.start x.end shows what the edits allocated). Nothing
// when they are unset; the function it returns ends the profiles.
func profileEdits(b *testing.B) func() {
	cpu, mem := os.Getenv("EXPORTDB_BENCH_CPUPROFILE"), os.Getenv("EXPORTDB_BENCH_MEMPROFILE")
	heap := func(path string) {
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer out.Close()
		if err := pprof.Lookup("allocs").WriteTo(out, 0); err != nil {
			b.Fatal(err)
		}
	}
	if mem != "" {
		heap(mem + ".start")
	}
	var out *os.File
	if cpu != "" {
		var err error
		if out, err = os.Create(cpu); err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			b.Fatal(err)
		}
	}
	return func() {
		if out != nil {
			pprof.StopCPUProfile()
			if err := out.Close(); err != nil {
				b.Error(err)
			}
		}
		if mem != "" {
			heap(mem + ".end")
		}
	}
}

// reportLatencies reports the median, 95th percentile and largest of lat.
func reportLatencies(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.95), "p95-ms")
	b.ReportMetric(q(1), "max-ms")
	if testing.Verbose() {
		b.Logf("the slowest: %v", lat[max(0, len(lat)-8):])
	}
}

// BenchmarkWorkspaceExportEdit: issue 13's budget (editing an export call re-diagnoses the
// affected open files within 50 ms). An export script at the workspace root exports a class
// of the large model file, which is open; each edit toggles the export call's spec between
// a dynamic batch ({0: Dim("b", max=N)}, N new each time) and a static one ({0: None}),
// timed to the publish of the model file with its int() finding flipped between error and
// none. Timing starts once opening the two files has settled.
func BenchmarkWorkspaceExportEdit(b *testing.B) {
	defer TuneCollector()() // as `exportdb lsp` runs
	dir := benchWorkspace(b)
	modelPath := filepath.Join(dir, "vision", "models", "vision_transformer.py")
	msrc, err := os.ReadFile(modelPath)
	if err != nil {
		b.Fatal(err)
	}
	probe := "        return x[: int(x.shape[0] / 2)]"
	at := strings.Index(string(msrc), probe)
	cls := strings.LastIndex(string(msrc[:max(at, 0)]), "\nclass ")
	if at < 0 || cls < 0 {
		b.Fatalf("no class of %s returns x[: int(x.shape[0] / 2)]: the fixtures bench/gencorpus recombines changed", modelPath)
	}
	name := string(msrc[cls+len("\nclass "):])
	name = name[:strings.IndexAny(name, "(:")]
	line := strings.Count(string(msrc[:at]), "\n")
	dynamic, static := `{"x": {0: Dim("b")}}`, `{"x": {0: None}}`
	script := "import torch\nfrom torch.export import Dim, export\n\nfrom vision.models.vision_transformer import " + name +
		"\n\nep = export(" + name + "(), (torch.randn(8, 3),), dynamic_shapes=" + dynamic + ")\n"
	scriptPath := filepath.Join(dir, "export_probe.py")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		b.Fatal(err)
	}
	defer os.Remove(scriptPath)
	c := indexedClient(b, dir, 10*time.Minute)
	c.mu.Lock()
	c.lean = true
	c.mu.Unlock()
	model, exp := pathToURI(modelPath), pathToURI(scriptPath)
	c.open(model, string(msrc))
	c.diagsFor(model, 1)
	c.open(exp, script)
	c.diagsFor(exp, 1)
	errorAt := func(p publishDiagnosticsParams) bool {
		for _, d := range p.Diagnostics {
			if d.Code == "dynamic_shape_int" && int(d.Range.Start.Line) == line && d.Severity == protocol.DiagnosticSeverityError {
				return true
			}
		}
		return false
	}
	c.waitFor("the model's int() error", func() bool {
		list := c.diags[model]
		return len(list) > 0 && errorAt(list[len(list)-1])
	})
	text := script
	var lat []time.Duration
	// as a user reads what opening showed before typing: the analyses opening set off are
	// done (EXPORTDB_BENCH_FROM_OPEN=1 types at once, to time edits made while they run)
	if os.Getenv("EXPORTDB_BENCH_FROM_OPEN") == "" {
		c.quiet(time.Second, model, exp)
	}
	b.ResetTimer()
	defer profileEdits(b)()
	for i := 0; i < b.N; i++ {
		// each dynamic spec is new (as a user's edits are): nothing computed for an
		// earlier text of the declarations applies
		from, to := dynamic, static
		if i%2 == 1 {
			dynamic = fmt.Sprintf(`{"x": {0: Dim("b", max=%d)}}`, 1024+i)
			from, to = static, dynamic
		}
		at := strings.Index(text, from)
		r := rangeAt(text, at, at+len(from), c.enc)
		text = text[:at] + to + text[at+len(from):]
		before := c.publishes(model)
		start := time.Now()
		c.change(exp, int32(i+2), textDocumentContentChangeEvent{Range: &r, Text: to})
		c.waitFor(fmt.Sprintf("the model re-diagnosed after edit %d (%s)", i+1, to), func() bool {
			list := c.diags[model]
			return len(list) > before && errorAt(list[len(list)-1]) == (i%2 == 1)
		})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}
