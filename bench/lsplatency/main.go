// Command lsplatency measures `exportdb lsp` from the outside, as an editor sees it: a
// black-box client over the binary's stdin and stdout (JSON-RPC written by hand, so the
// measurement depends on nothing inside the server).
//
// Latency mode (issue 8, point 2): open one large file (5,000+ lines), make single-character
// edits (typing a word into a line of a forward method and deleting it again, plus a few
// edits elsewhere) and record, for each edit, the time from sending didChange of version N
// to receiving publishDiagnostics of version N. It reports p50, p95 and max; the target is
// p95 within 10 ms.
//
// Workspace mode (issue 12): a generated model library of 2,000 files and a million lines
// as the workspace folder; the time to the workspace index's end, edit-to-diagnostics on
// its 5,680-line model file while the index is built and after, the time from an edit of an
// open helper module to the diagnostics of the open model that imports it, and the
// server's memory (workspace.go says how).
//
// Memory mode: open 200 documents of 2,000+ lines at once, wait for all their diagnostics
// and read the server's resident memory from /proc/<pid>/status (VmRSS, and VmHWM for the
// peak); the target is 100 MB.
//
//	go run ./bench/lsplatency                        # latency, on a generated 5,200-line file
//	go run ./bench/lsplatency -mode memory           # 200 open documents
//	go run ./bench/lsplatency -mode all -json        # both, machine-readable
//	go run ./bench/lsplatency -bin /tmp/exportdb -file big.py -edits 500
//	go run ./bench/lsplatency -mode all -runs 5       # best of 5 on a shared machine
//	go run ./bench/lsplatency -mode workspace         # a 2,000-file project (workspace.go)
//	go run ./bench/lsplatency -mode workspace -pace 100ms  # typed at a person's pace
//
// The numbers are measurements, not assertions: the exit status is 0 whether or not a
// target is met (the report says), and 1 only when the run itself fails.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	targetP95Ms = 10
	targetRSSMB = 100
)

// config is the command line.
type config struct {
	bin, mode string
	file      string
	lines     int
	edits     int
	dir       string
	docs      int
	docLines  int
	settle    time.Duration
	serial    bool
	runs      int
	jsonOut   bool

	workspace string // workspace mode: a bench/gencorpus -layout package directory
	wsFiles   int
	wsLines   int
	bigLines  int
	depEdits  int
	pace      time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "exportdb binary (default: build ./cmd/exportdb into a temporary directory)")
	flag.StringVar(&c.mode, "mode", "latency", "latency, memory, workspace or all")
	flag.StringVar(&c.file, "file", "", "latency: the Python file to edit (default: generate one with bench/gencorpus)")
	flag.IntVar(&c.lines, "lines", 5200, "latency: lines of the generated file (at least)")
	flag.IntVar(&c.edits, "edits", 200, "latency: number of single-character edits")
	flag.StringVar(&c.dir, "dir", "", "memory: a directory of .py files to open (default: generate them)")
	flag.IntVar(&c.docs, "docs", 200, "memory: number of documents to open")
	flag.IntVar(&c.docLines, "doc-lines", 2000, "memory: lines of each generated document (at least)")
	flag.DurationVar(&c.settle, "settle", 3*time.Second, "memory, workspace: wait this long after the last diagnostics before reading VmRSS again")
	flag.BoolVar(&c.serial, "serial", false, "memory: open the documents one at a time, each after the previous one's diagnostics (default: all at once)")
	flag.StringVar(&c.workspace, "workspace", "", "workspace: the project folder, written by bench/gencorpus -layout package (default: generate one)")
	flag.IntVar(&c.wsFiles, "ws-files", 2000, "workspace: files of the generated project")
	flag.IntVar(&c.wsLines, "ws-lines", 1_000_000, "workspace: lines of the generated project (about)")
	flag.IntVar(&c.bigLines, "model-lines", 5680, "workspace: lines of its model file that is edited (at least)")
	flag.IntVar(&c.depEdits, "dep-edits", 20, "workspace: edits of the helper module, each timed to the dependent model's diagnostics")
	flag.DurationVar(&c.pace, "pace", 0, "latency, workspace: wait this long before each edit, as a person types (default: each edit as soon as the last one's diagnostics arrived)")
	flag.IntVar(&c.runs, "runs", 1, "repeat each measurement with a fresh server and report every run and the best (lowest p95, lowest settled VmRSS): the machine may be shared")
	flag.BoolVar(&c.jsonOut, "json", false, "print one JSON object instead of text")
	flag.Parse()

	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "lsplatency:", err)
		os.Exit(1)
	}
}

// report is the -json output: every run, and the best one.
type report struct {
	Latency     *latencyReport   `json:"latency,omitempty"`
	LatencyRuns []*latencyReport `json:"latency_runs,omitempty"`
	Memory      *memoryReport    `json:"memory,omitempty"`
	MemoryRuns  []*memoryReport  `json:"memory_runs,omitempty"`
	// Workspace is the best of each number over the runs.
	Workspace     *workspaceReport   `json:"workspace,omitempty"`
	WorkspaceRuns []*workspaceReport `json:"workspace_runs,omitempty"`
}

func run(c config) error {
	if c.mode != "latency" && c.mode != "memory" && c.mode != "workspace" && c.mode != "all" {
		return fmt.Errorf("-mode: want latency, memory, workspace or all, got %q", c.mode)
	}
	c.runs = max(c.runs, 1)
	if c.pace < 0 {
		return fmt.Errorf("-pace: want a duration of 0 or more, got %v", c.pace)
	}
	if c.pace > 0 && !c.jsonOut {
		fmt.Printf("each edit %v after the last one's diagnostics (-pace)\n", c.pace)
	}
	tmp, err := os.MkdirTemp("", "lsplatency-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		c.bin = filepath.Join(tmp, "exportdb")
		if err := goCmd(root, "build", "-o", c.bin, "./cmd/exportdb"); err != nil {
			return err
		}
	}
	var rep report
	if c.mode == "latency" || c.mode == "all" {
		if c.file == "" {
			paths, err := generate(tmp, "latency", 1, c.lines, 1)
			if err != nil {
				return err
			}
			c.file = paths[0]
		}
		rep.LatencyRuns, rep.Latency, err = bestOf(c, "latency",
			func() (*latencyReport, error) { return measureLatency(c.bin, c.file, c.edits, c.pace) },
			func(a, b *latencyReport) bool { return a.P95Ms < b.P95Ms })
		if err != nil {
			return err
		}
		if !c.jsonOut && c.runs > 1 {
			r := rep.Latency
			fmt.Printf("latency, best of %d runs (lowest p95): p50 %.2f ms  p95 %.2f ms  max %.2f ms; target p95 <= %d ms: %s\n\n",
				c.runs, r.P50Ms, r.P95Ms, r.MaxMs, targetP95Ms, verdict(r.TargetMet))
		}
	}
	if c.mode == "memory" || c.mode == "all" {
		var paths []string
		if c.dir != "" {
			paths, err = pyFiles(c.dir, c.docs)
		} else {
			paths, err = generate(tmp, "memory", c.docs, c.docLines, 2)
		}
		if err != nil {
			return err
		}
		rep.MemoryRuns, rep.Memory, err = bestOf(c, "memory",
			func() (*memoryReport, error) { return measureMemory(c.bin, paths, c.settle, c.serial) },
			func(a, b *memoryReport) bool { return a.SettledRSSMB < b.SettledRSSMB })
		if err != nil {
			return err
		}
		if !c.jsonOut && c.runs > 1 {
			r := rep.Memory
			fmt.Printf("memory, best of %d runs: VmRSS %.1f MB settled (%.1f MB right after the diagnostics), peak %.1f MB; target <= %d MB: %s\n\n",
				c.runs, r.SettledRSSMB, r.RSSMB, r.HWMMB, targetRSSMB, verdict(r.TargetMet))
		}
	}
	if c.mode == "workspace" || c.mode == "all" {
		if c.workspace == "" {
			c.workspace = filepath.Join(tmp, "workspace")
			if err := generateWorkspace(c.workspace, c.wsFiles, c.wsLines, c.bigLines); err != nil {
				return err
			}
		}
		rep.WorkspaceRuns, _, err = bestOf(c, "workspace",
			func() (*workspaceReport, error) {
				return measureWorkspace(c.bin, c.workspace, c.edits, c.depEdits, c.settle, c.pace)
			},
			func(a, b *workspaceReport) bool { return false })
		if err != nil {
			return err
		}
		rep.Workspace = bestWorkspace(rep.WorkspaceRuns)
		if !c.jsonOut && c.runs > 1 {
			fmt.Printf("workspace, best of %d runs (each number the best of the runs): ", c.runs)
			rep.Workspace.print()
		}
	}
	if c.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return nil
}

// ---- latency ----

type latencyReport struct {
	File            string    `json:"file"`
	Lines           int       `json:"lines"`
	Bytes           int       `json:"bytes"`
	Edits           int       `json:"edits"`
	Count           int       `json:"count"` // edits whose diagnostics arrived (== edits)
	OpenMs          float64   `json:"open_ms"`
	Diagnostics     int       `json:"diagnostics"` // on the opened file
	P50Ms           float64   `json:"p50_ms"`
	P95Ms           float64   `json:"p95_ms"`
	MaxMs           float64   `json:"max_ms"`
	MeanMs          float64   `json:"mean_ms"`
	TargetP95Ms     float64   `json:"target_p95_ms"`
	TargetMet       bool      `json:"target_met"`
	MatchedVersion  bool      `json:"matched_by_version"` // false: the first publish after each change was taken
	FinalMatchesNew bool      `json:"final_matches_fresh_open"`
	RSSMB           float64   `json:"rss_mb"`
	HWMMB           float64   `json:"hwm_mb"`
	LoadStart       string    `json:"loadavg_start"`
	LoadEnd         string    `json:"loadavg_end"`
	Sites           []string  `json:"sites"`        // where the edits type: line:character (1-based) and the word
	LatenciesMs     []float64 `json:"latencies_ms"` // in edit order
}

func measureLatency(bin, file string, n int, pace time.Duration) (*latencyReport, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	text := string(data)
	plan, sites, err := planEdits(text, n)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(file)
	uri := fileURI(abs)
	r := &latencyReport{File: file, Lines: strings.Count(text, "\n"), Bytes: len(text), Edits: n,
		TargetP95Ms: targetP95Ms, MatchedVersion: true, LoadStart: loadavg()}
	for _, s := range sites {
		p := position(text, s.off)
		r.Sites = append(r.Sites, fmt.Sprintf("%d:%d %q", p["line"]+1, p["character"]+1, s.word))
	}

	c, err := start(bin)
	if err != nil {
		return nil, err
	}
	defer c.cmd.Process.Kill()
	if err := c.initialize(""); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := c.open(uri, text); err != nil {
		return nil, err
	}
	p, err := c.waitPublish(uri, 1, 2*time.Minute)
	if errors.Is(err, errNoVersion) {
		r.MatchedVersion, err = false, nil
	}
	if err != nil {
		return nil, err
	}
	r.OpenMs = ms(p.at.Sub(t0))
	r.Diagnostics = len(p.Diagnostics)

	var lat []time.Duration
	last := p
	for i, e := range plan {
		time.Sleep(pace)
		v := int32(i + 2)
		change := e.change(text)
		text = e.apply(text)
		t0 := time.Now()
		err := c.notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": v},
			"contentChanges": []any{change},
		})
		if err != nil {
			return nil, err
		}
		p, err := c.waitPublish(uri, v, time.Minute)
		if errors.Is(err, errNoVersion) {
			r.MatchedVersion, err = false, nil
		}
		if err != nil {
			return nil, fmt.Errorf("edit %d: %w", i+1, err)
		}
		lat = append(lat, p.at.Sub(t0))
		last = p
	}
	r.Count = len(lat)
	if rss, hwm, err := c.memory(); err == nil {
		r.RSSMB, r.HWMMB = float64(rss)/1024, float64(max(rss, hwm))/1024
	}

	// The incremental result must be the result for the final text: open the final text
	// as a new document next to the file and compare.
	check := fileURI(strings.TrimSuffix(abs, ".py") + "_final_check.py")
	if err := c.open(check, text); err != nil {
		return nil, err
	}
	fresh, err := c.waitPublish(check, 1, 2*time.Minute)
	if err != nil && !errors.Is(err, errNoVersion) {
		return nil, err
	}
	// messages name the file of a declaration: the check file's name stands for the file's
	freshDiags := renamed(fresh.Diagnostics, filepath.Base(strings.TrimPrefix(string(check), "file://")), filepath.Base(abs))
	r.FinalMatchesNew = sameDiagnostics(last.Diagnostics, freshDiags)
	if !r.FinalMatchesNew {
		for _, d := range diagnosticsDiff(last.Diagnostics, freshDiags, 8) {
			fmt.Fprintln(os.Stderr, "  "+d)
		}
	}
	if err := c.close(); err != nil {
		return nil, err
	}

	r.LoadEnd = loadavg()
	for _, d := range lat {
		r.LatenciesMs = append(r.LatenciesMs, ms(d))
	}
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	if len(sorted) > 0 {
		r.P50Ms = ms(percentile(sorted, 50))
		r.P95Ms = ms(percentile(sorted, 95))
		r.MaxMs = ms(sorted[len(sorted)-1])
		r.MeanMs = ms(sum / time.Duration(len(sorted)))
	}
	r.TargetMet = r.P95Ms <= targetP95Ms
	return r, nil
}

func (r *latencyReport) print() {
	fmt.Printf("lsp latency: %s (%d lines, %d bytes), %d single-character edits, utf-16, pushed diagnostics\n",
		r.File, r.Lines, r.Bytes, r.Edits)
	fmt.Printf("  typing at (line:col word):    %s\n", strings.Join(r.Sites, ", "))
	fmt.Printf("  open (parse + analysis):      %.1f ms, %d diagnostics\n", r.OpenMs, r.Diagnostics)
	how := "matched by version"
	if !r.MatchedVersion {
		how = "NOT versioned: the first publish after each change was taken"
	}
	fmt.Printf("  didChange -> its diagnostics: p50 %.2f ms  p95 %.2f ms  max %.2f ms  mean %.2f ms  (n=%d, %s)\n",
		r.P50Ms, r.P95Ms, r.MaxMs, r.MeanMs, r.Count, how)
	fmt.Printf("  target p95 <= %d ms:           %s\n", targetP95Ms, verdict(r.TargetMet))
	fmt.Printf("  server memory after the edits: VmRSS %.1f MB, VmHWM %.1f MB\n", r.RSSMB, r.HWMMB)
	fmt.Printf("  final diagnostics = a fresh open of the final text: %v\n", r.FinalMatchesNew)
	fmt.Printf("  load average: %s (start), %s (end)\n\n", r.LoadStart, r.LoadEnd)
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

// sameDiagnostics compares two diagnostic lists by code, range, severity and message
// (relatedInformation names the document, so it differs between two URIs).
// renamed returns the diagnostics with the file name from replaced by to.
func renamed(l []json.RawMessage, from, to string) []json.RawMessage {
	out := make([]json.RawMessage, len(l))
	for i, raw := range l {
		out[i] = json.RawMessage(strings.ReplaceAll(string(raw), from, to))
	}
	return out
}

func sameDiagnostics(a, b []json.RawMessage) bool {
	return len(diagnosticsDiff(a, b, 1)) == 0
}

// diagnosticsDiff lists up to n diagnostics only one of a (the edited document's) and b (a
// fresh open's) has, as "edited only: ..." and "fresh only: ...".
func diagnosticsDiff(a, b []json.RawMessage, n int) []string {
	key := func(l []json.RawMessage) []string {
		var out []string
		for _, raw := range l {
			var d struct {
				Code     any             `json:"code"`
				Range    json.RawMessage `json:"range"`
				Severity int             `json:"severity"`
				Message  string          `json:"message"`
			}
			_ = json.Unmarshal(raw, &d)
			out = append(out, fmt.Sprintf("%v %s %d %s", d.Code, d.Range, d.Severity, d.Message))
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	var out []string
	for i, j := 0, 0; (i < len(ka) || j < len(kb)) && len(out) < n; {
		switch {
		case j >= len(kb) || i < len(ka) && ka[i] < kb[j]:
			out = append(out, "edited only: "+ka[i])
			i++
		case i >= len(ka) || kb[j] < ka[i]:
			out = append(out, "fresh only: "+kb[j])
			j++
		default:
			i++
			j++
		}
	}
	return out
}

// ---- memory ----

type memoryReport struct {
	Docs         int     `json:"docs"`
	Serial       bool    `json:"serial"` // opened one at a time, not all at once
	Lines        int     `json:"lines"`  // in all documents
	MinLines     int     `json:"min_lines"`
	Bytes        int     `json:"bytes"`
	PublishedMs  float64 `json:"published_ms"` // from the first didOpen to the last diagnostics
	RSSMB        float64 `json:"rss_mb"`       // right after the last diagnostics
	SettledRSSMB float64 `json:"settled_rss_mb"`
	HWMMB        float64 `json:"hwm_mb"` // peak
	SettleS      float64 `json:"settle_s"`
	TargetMB     float64 `json:"target_mb"`
	TargetMet    bool    `json:"target_met"` // settled VmRSS within TargetMB
	LoadStart    string  `json:"loadavg_start"`
	LoadEnd      string  `json:"loadavg_end"`
}

func measureMemory(bin string, paths []string, settle time.Duration, serial bool) (*memoryReport, error) {
	r := &memoryReport{Docs: len(paths), Serial: serial, TargetMB: targetRSSMB, SettleS: settle.Seconds(), LoadStart: loadavg(), MinLines: math.MaxInt}
	texts := make([]string, len(paths))
	uris := make([]string, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		texts[i] = string(b)
		abs, _ := filepath.Abs(p)
		uris[i] = fileURI(abs)
		n := strings.Count(texts[i], "\n")
		r.Lines += n
		r.MinLines = min(r.MinLines, n)
		r.Bytes += len(b)
	}
	c, err := start(bin)
	if err != nil {
		return nil, err
	}
	defer c.cmd.Process.Kill()
	if err := c.initialize(""); err != nil {
		return nil, err
	}
	// Open every document at once, as an editor restoring a session does (the reader
	// collects the diagnostics meanwhile), or one at a time with -serial.
	t0 := time.Now()
	sent := make(chan error, 1)
	waiting := map[string]bool{}
	for _, u := range uris {
		waiting[u] = true
	}
	if serial {
		for i := range paths {
			if err := c.open(uris[i], texts[i]); err != nil {
				return nil, err
			}
			if _, err := c.waitPublish(uris[i], 1, time.Minute); err != nil && !errors.Is(err, errNoVersion) {
				return nil, err
			}
			delete(waiting, uris[i])
		}
		sent <- nil
	} else {
		go func() {
			for i := range paths {
				if err := c.open(uris[i], texts[i]); err != nil {
					sent <- err
					return
				}
			}
			sent <- nil
		}()
	}
	deadline := time.After(5 * time.Minute)
	for len(waiting) > 0 {
		select {
		case p, ok := <-c.pubs:
			if !ok {
				return nil, fmt.Errorf("the server closed its output (exit: %v)", c.exitErr())
			}
			if p.Version == nil || *p.Version == 1 {
				delete(waiting, p.URI)
			}
		case <-deadline:
			return nil, fmt.Errorf("%d of %d documents got no diagnostics in 5 minutes", len(waiting), len(uris))
		}
	}
	r.PublishedMs = ms(time.Since(t0))
	if err := <-sent; err != nil {
		return nil, err
	}
	rss, _, err := c.memory()
	if err != nil {
		return nil, err
	}
	r.RSSMB = float64(rss) / 1024
	time.Sleep(settle)
	rss, hwm, err := c.memory()
	if err != nil {
		return nil, err
	}
	// VmHWM is updated lazily by the kernel and can trail a VmRSS read a moment ago
	r.SettledRSSMB, r.HWMMB = float64(rss)/1024, max(float64(hwm)/1024, r.RSSMB, float64(rss)/1024)
	r.TargetMet = r.SettledRSSMB <= targetRSSMB
	if err := c.close(); err != nil {
		return nil, err
	}
	r.LoadEnd = loadavg()
	return r, nil
}

func (r *memoryReport) print() {
	how := "at once"
	if r.Serial {
		how = "one at a time"
	}
	fmt.Printf("lsp memory: %d documents opened %s (%d lines in all, each %d+ lines, %.1f MB of text), pushed diagnostics\n",
		r.Docs, how, r.Lines, r.MinLines, float64(r.Bytes)/(1<<20))
	fmt.Printf("  all diagnostics published after %.0f ms\n", r.PublishedMs)
	fmt.Printf("  server VmRSS: %.1f MB then, %.1f MB %.0f s later; peak (VmHWM) %.1f MB\n", r.RSSMB, r.SettledRSSMB, r.SettleS, r.HWMMB)
	fmt.Printf("  target VmRSS <= %d MB:         %s\n", targetRSSMB, verdict(r.TargetMet))
	fmt.Printf("  load average: %s (start), %s (end)\n\n", r.LoadStart, r.LoadEnd)
}

// ---- helpers ----

// bestOf measures c.runs times, printing each run (unless -json), and returns every run
// and the best one by less.
func bestOf[R interface{ print() }](c config, what string, measure func() (R, error), less func(a, b R) bool) ([]R, R, error) {
	var runs []R
	var best R
	for i := 0; i < c.runs; i++ {
		r, err := measure()
		if err != nil {
			return nil, best, fmt.Errorf("%s: %w", what, err)
		}
		runs = append(runs, r)
		if i == 0 || less(r, best) {
			best = r
		}
		if !c.jsonOut {
			if c.runs > 1 {
				fmt.Printf("%s run %d of %d: ", what, i+1, c.runs)
			}
			r.print()
		}
	}
	return runs, best, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func fileURI(abs string) string { return "file://" + filepath.ToSlash(abs) }

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run inside the exportdb-lsp module, or pass -bin and -file/-dir")
	}
	return filepath.Dir(mod), nil
}

func goCmd(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// generate writes n files of at least lines lines with bench/gencorpus and returns them.
func generate(tmp, name string, n, lines int, seed int) ([]string, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(tmp, name)
	if err := goCmd(root, "run", "./bench/gencorpus", "-root", root, "-out", out,
		"-files", fmt.Sprint(n), "-min-lines", fmt.Sprint(lines), "-seed", fmt.Sprint(seed)); err != nil {
		return nil, err
	}
	return pyFiles(out, n)
}

// generateWorkspace writes a model library with bench/gencorpus -layout package.
func generateWorkspace(out string, files, lines, bigLines int) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	return goCmd(root, "run", "./bench/gencorpus", "-root", root, "-layout", "package", "-out", out,
		"-files", fmt.Sprint(files), "-lines", fmt.Sprint(lines), "-big-lines", fmt.Sprint(bigLines))
}

// pyFiles returns up to n .py files under dir, sorted.
func pyFiles(dir string, n int) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".py") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	if len(paths) < n {
		return nil, fmt.Errorf("%s holds %d .py files, want %d", dir, len(paths), n)
	}
	return paths[:n], nil
}
