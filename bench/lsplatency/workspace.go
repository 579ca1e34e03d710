package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

// Workspace mode (issue 12, "Speed and memory"): the server with a model library as its
// workspace folder (bench/gencorpus -layout package: about 2,000 files and a million lines
// in one package whose models import its layers and helpers), as an editor opens a project:
//
//  1. initialize with the folder and work-done progress; the server indexes the workspace
//     in the background and reports $/progress (token exportdb-index). Measured: from the
//     initialized notification to the progress's end, and how many reports came;
//  2. right after initialized, open the 5,680-line model file (models/vision_transformer.py)
//     and type into it as in latency mode, one edit after another's diagnostics, until the
//     index ends: edit-to-diagnostics while the index is built;
//  3. once the index is done and the server is idle (-settle), read VmRSS and VmHWM;
//  4. make -edits more edits: edit-to-diagnostics with the index built;
//  5. open the helper module (layers/helpers.py) and flip what feat_size returns
//     (x.shape[-1] <-> 16) -dep-edits times: each time, from the helper's didChange to the
//     publishDiagnostics of the open model in which the dynamic_shape_round finding that
//     round(feat_size(x) / 2) causes has appeared or gone as it should;
//  6. read VmRSS and VmHWM again, then close the model and open its final text afresh: the
//     diagnostics must equal the last ones published.
const (
	targetIndexS     = 10
	targetDependent  = 50 // ms, p95
	targetWorkspace  = 300
	bigModelRel      = "vision/models/vision_transformer.py"
	helpersRel       = "vision/layers/helpers.py"
	indexToken       = "exportdb-index"
	helperReturn     = "x.shape[-1]"
	helperConstant   = "16"
	dependentSnippet = "n = round(feat_size(x) / 2)"
)

type workspaceReport struct {
	Dir           string  `json:"dir"`
	Files         int     `json:"files"`
	Lines         int     `json:"lines"`
	Bytes         int     `json:"bytes"`
	ModelLines    int     `json:"model_lines"`
	Cores         int     `json:"cores"`
	IndexMs       float64 `json:"index_ms"`       // initialized -> the index's progress end
	IndexMessage  string  `json:"index_message"`  // the end's message
	IndexReports  int     `json:"index_reports"`  // $/progress reports between begin and end
	OpenMs        float64 `json:"open_ms"`        // didOpen of the model -> its first diagnostics
	OpenedIndexed bool    `json:"opened_indexed"` // the first diagnostics came after the index's end

	During stats `json:"during_index"` // edits sent while the index was being built
	After  stats `json:"after_index"`
	// Dependent: the helper's didChange -> the model's diagnostics with the finding flipped.
	Dependent       stats `json:"dependent"`
	DependentExtra  int   `json:"dependent_extra_publishes"` // model publishes that did not show the flip yet
	DependentHelper stats `json:"dependent_helper"`          // the helper's own diagnostics

	// AfterFaults: the server's minor page faults per edit once indexed (the typist's
	// faults), and how many edits took over faultyEdit of them, with their latencies.
	AfterFaults      []int `json:"after_faults"`
	AfterFaultyEdits stats `json:"after_faulty_edits"`
	// AfterCPUMs: the server's CPU time (user and system) per edit once indexed, from the
	// first edit to the last one's diagnostics: the analyses and whatever the server does
	// in the pauses between them (collections, touching the heap, settling the tree)
	AfterCPUMs float64 `json:"after_cpu_ms_per_edit"`

	IndexRSSMB   float64 `json:"index_settled_rss_mb"` // after the index, idle
	IndexHWMMB   float64 `json:"index_hwm_mb"`
	EndRSSMB     float64 `json:"end_rss_mb"` // after every measurement, idle
	EndHWMMB     float64 `json:"end_hwm_mb"`
	SettleS      float64 `json:"settle_s"`
	FinalMatches bool    `json:"final_matches_fresh_open"`
	TargetIndex  bool    `json:"target_index_met"`     // IndexMs <= 10 s
	TargetDuring bool    `json:"target_during_met"`    // p95 <= 10 ms (false with no edit during the index: see during_index.n)
	TargetAfter  bool    `json:"target_after_met"`     // p95 <= 10 ms
	TargetDep    bool    `json:"target_dependent_met"` // p95 <= 50 ms
	TargetRSS    bool    `json:"target_rss_met"`       // both settled VmRSS <= 300 MB
	LoadStart    string  `json:"loadavg_start"`
	LoadEnd      string  `json:"loadavg_end"`
}

// stats summarises latencies.
type stats struct {
	N           int       `json:"n"`
	P50Ms       float64   `json:"p50_ms"`
	P95Ms       float64   `json:"p95_ms"`
	P99Ms       float64   `json:"p99_ms"`
	MaxMs       float64   `json:"max_ms"`
	MeanMs      float64   `json:"mean_ms"`
	LatenciesMs []float64 `json:"latencies_ms"`
}

func summarise(lat []time.Duration) stats {
	s := stats{N: len(lat)}
	for _, d := range lat {
		s.LatenciesMs = append(s.LatenciesMs, ms(d))
	}
	if len(lat) == 0 {
		return s
	}
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	s.P50Ms = ms(percentile(sorted, 50))
	s.P95Ms = ms(percentile(sorted, 95))
	s.P99Ms = ms(percentile(sorted, 99))
	s.MaxMs = ms(sorted[len(sorted)-1])
	s.MeanMs = ms(sum / time.Duration(len(sorted)))
	return s
}

func (s stats) String() string {
	if s.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  mean %.2f ms  (n=%d)", s.P50Ms, s.P95Ms, s.P99Ms, s.MaxMs, s.MeanMs, s.N)
}

// typist makes the planned single-character edits on one open document.
type typist struct {
	c    *client
	uri  string
	text string
	plan []edit
	next int
	v    int32
	// faults are the server's minor page faults from sending each edit to its diagnostics
	// (whatever else the server did meanwhile included): a keystroke that allocates into
	// pages the process never wrote pays one per page
	faults []int
}

// edit makes the next edit and returns the time to its diagnostics.
func (t *typist) edit() (time.Duration, publish, error) {
	e := t.plan[t.next%len(t.plan)]
	t.next++
	t.v++
	change := e.change(t.text)
	t.text = e.apply(t.text)
	f0 := procFaults(t.c.cmd.Process.Pid)
	t0 := time.Now()
	if err := t.c.change(t.uri, t.v, change); err != nil {
		return 0, publish{}, err
	}
	p, err := waitVersion(t.c, t.uri, t.v, time.Minute)
	if err != nil {
		return 0, p, fmt.Errorf("edit %d: %w", t.next, err)
	}
	d := p.at.Sub(t0)
	if f0 >= 0 {
		if f1 := procFaults(t.c.cmd.Process.Pid); f1 >= f0 {
			t.faults = append(t.faults, f1-f0)
		}
	}
	return d, p, nil
}

func measureWorkspace(bin, dir string, edits, depEdits int, settle, pace time.Duration) (r *workspaceReport, err error) {
	r = &workspaceReport{Dir: dir, Cores: runtime.NumCPU(), SettleS: settle.Seconds(), LoadStart: loadavg()}
	if err := countTree(dir, r); err != nil {
		return nil, err
	}
	modelPath, helperPath := filepath.Join(dir, bigModelRel), filepath.Join(dir, helpersRel)
	modelText, err := readText(modelPath)
	if err != nil {
		return nil, err
	}
	helperText, err := readText(helperPath)
	if err != nil {
		return nil, err
	}
	r.ModelLines = strings.Count(modelText, "\n")
	if !strings.Contains(modelText, dependentSnippet) || strings.Count(helperText, helperReturn) != 1 {
		return nil, fmt.Errorf("%s is not a bench/gencorpus -layout package workspace (no %q in the model, or not one %q in the helpers)", dir, dependentSnippet, helperReturn)
	}
	plan, _, err := planEdits(modelText, max(edits, 1))
	if err != nil {
		return nil, err
	}
	model, helper := fileURI(modelPath), fileURI(helperPath)

	c, err := start(bin)
	if err != nil {
		return nil, err
	}
	defer func() {
		c.cmd.Process.Kill()
		if err != nil {
			err = fmt.Errorf("%w (server log: %s)", err, c.stderr.Name())
		}
	}()
	indexEnd := make(chan progressEvent, 1)
	go watchIndex(c, r, indexEnd)
	if err := c.initialize(dir); err != nil {
		return nil, err
	}
	t0 := time.Now() // initialize sends initialized last

	// 1, 2: open the model at once and type while the index is built
	if err := c.open(model, modelText); err != nil {
		return nil, err
	}
	p, err := waitVersion(c, model, 1, 2*time.Minute)
	if err != nil {
		return nil, err
	}
	r.OpenMs = ms(p.at.Sub(t0))
	ty := &typist{c: c, uri: model, text: modelText, plan: plan, v: 1}
	var during []time.Duration
	var end progressEvent
	ended := false
	select {
	case end = <-indexEnd:
		ended = true
		r.OpenedIndexed = true
	default:
	}
	for !ended && len(during) < edits {
		d, _, err := ty.edit()
		if err != nil {
			return nil, err
		}
		during = append(during, d)
		select {
		case end = <-indexEnd:
			ended = true
		default:
		}
	}
	if !ended {
		select {
		case end = <-indexEnd:
		case <-time.After(10 * time.Minute):
			return nil, errors.New("the workspace index did not end in 10 minutes")
		case <-c.exited:
			return nil, fmt.Errorf("the server exited: %v", c.err)
		}
	}
	r.During = summarise(during)
	r.IndexMs = ms(end.at.Sub(t0))
	r.IndexMessage = end.Value.Message

	// 3: the index settles (the open model is re-analysed with its grown neighbourhood)
	time.Sleep(settle)
	rss, hwm, err := c.memory()
	if err != nil {
		return nil, err
	}
	r.IndexRSSMB, r.IndexHWMMB = float64(rss)/1024, float64(max(rss, hwm))/1024

	// 4: typing with the index built
	var after []time.Duration
	faultsBefore := len(ty.faults)
	var last publish
	cpu0 := procCPU(c.cmd.Process.Pid)
	for i := 0; i < edits; i++ {
		time.Sleep(pace)
		d, p, err := ty.edit()
		if err != nil {
			return nil, err
		}
		after = append(after, d)
		last = p
	}
	if cpu1 := procCPU(c.cmd.Process.Pid); cpu0 >= 0 && cpu1 >= cpu0 && edits > 0 {
		r.AfterCPUMs = ms(cpu1-cpu0) / float64(edits)
	}
	r.After = summarise(after)
	if fs := ty.faults[min(faultsBefore, len(ty.faults)):]; len(fs) == len(after) {
		r.AfterFaults = fs
		var faulty []time.Duration
		for i, f := range fs {
			if f > faultyEdit {
				faulty = append(faulty, after[i])
			}
		}
		r.AfterFaultyEdits = summarise(faulty)
	}

	// 5: a helper's surface changes; the open model that imports it is re-diagnosed
	if err := c.open(helper, helperText); err != nil {
		return nil, err
	}
	if _, err := waitVersion(c, helper, 1, time.Minute); err != nil {
		return nil, err
	}
	// the helper's first analysis re-analyses its dependents (its surface was not known)
	if p, ok := quiet(c, model, time.Second); ok {
		last = p
	}
	line := strings.Count(ty.text[:strings.Index(ty.text, dependentSnippet)], "\n")
	if !hasFinding(last.Diagnostics, "dynamic_shape_round", line) {
		return nil, fmt.Errorf("the model has no dynamic_shape_round finding on line %d (%s) before the helper is edited", line+1, dependentSnippet)
	}
	var dep, own []time.Duration
	htext, hv := helperText, int32(1)
	for i := 0; i < depEdits; i++ {
		from, to := helperReturn, helperConstant
		if i%2 == 1 {
			from, to = to, from
		}
		time.Sleep(pace)
		at := strings.Index(htext, "return "+from) + len("return ")
		e := edit{off: at, del: len(from), ins: to}
		change := e.change(htext)
		htext = e.apply(htext)
		hv++
		t0 := time.Now()
		if err := c.change(helper, hv, change); err != nil {
			return nil, err
		}
		want := i%2 == 1 // the finding is back after the helper returns a size again
		gotModel, gotHelper := false, false
		deadline := time.After(time.Minute)
		for !gotModel || !gotHelper {
			select {
			case p, ok := <-c.pubs:
				if !ok {
					return nil, fmt.Errorf("the server closed its output (exit: %v)", c.exitErr())
				}
				switch {
				case p.URI == helper && p.Version != nil && *p.Version == hv && !gotHelper:
					gotHelper = true
					own = append(own, p.at.Sub(t0))
				case p.URI == model && !gotModel:
					if hasFinding(p.Diagnostics, "dynamic_shape_round", line) == want {
						gotModel = true
						dep = append(dep, p.at.Sub(t0))
						last = p
					} else {
						r.DependentExtra++
					}
				}
			case <-deadline:
				return nil, fmt.Errorf("helper edit %d: the model was not re-diagnosed within a minute (model %v, helper %v)", i+1, gotModel, gotHelper)
			}
		}
	}
	r.Dependent, r.DependentHelper = summarise(dep), summarise(own)

	// 6: memory, then the incremental result against a fresh open of the final text
	time.Sleep(settle)
	if rss, hwm, err = c.memory(); err != nil {
		return nil, err
	}
	r.EndRSSMB, r.EndHWMMB = float64(rss)/1024, float64(max(rss, hwm))/1024
	if err := c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": model}}); err != nil {
		return nil, err
	}
	if err := c.open(model, ty.text); err != nil {
		return nil, err
	}
	fresh, err := waitVersion(c, model, 1, 2*time.Minute) // after the unversioned clearing of the close
	if err != nil {
		return nil, err
	}
	r.FinalMatches = sameDiagnostics(last.Diagnostics, fresh.Diagnostics)
	if err := c.close(); err != nil {
		return nil, err
	}
	r.LoadEnd = loadavg()
	r.TargetIndex = r.IndexMs <= targetIndexS*1000
	r.TargetDuring = r.During.N > 0 && r.During.P95Ms <= targetP95Ms
	r.TargetAfter = r.After.P95Ms <= targetP95Ms
	r.TargetDep = r.Dependent.P95Ms <= targetDependent
	r.TargetRSS = max(r.IndexRSSMB, r.EndRSSMB) <= targetWorkspace
	return r, nil
}

// waitVersion is waitPublish that skips publishes without a version (the server clears a
// closed document's diagnostics with one).
func waitVersion(c *client, uri string, v int32, timeout time.Duration) (publish, error) {
	deadline := time.Now().Add(timeout)
	for {
		p, err := c.waitPublish(uri, v, time.Until(deadline))
		if !errors.Is(err, errNoVersion) {
			return p, err
		}
	}
}

// quiet reads publishes until none came for d and returns the last one for uri.
func quiet(c *client, uri string, d time.Duration) (publish, bool) {
	var last publish
	got := false
	for {
		select {
		case p, ok := <-c.pubs:
			if !ok {
				return last, got
			}
			if p.URI == uri {
				last, got = p, true
			}
		case <-time.After(d):
			return last, got
		}
	}
}

// watchIndex reads the progress notifications: it counts the index's reports and sends
// its end.
func watchIndex(c *client, r *workspaceReport, end chan<- progressEvent) {
	for {
		select {
		case p := <-c.progress:
			if fmt.Sprint(p.Token) != indexToken {
				continue
			}
			switch p.Value.Kind {
			case "report":
				r.IndexReports++
			case "end":
				end <- p
				return
			}
		case <-c.exited:
			return
		}
	}
}

// hasFinding reports whether a diagnostic with the code starts on the line (0-based).
func hasFinding(diags []json.RawMessage, code string, line int) bool {
	for _, raw := range diags {
		var d struct {
			Code  any `json:"code"`
			Range struct {
				Start struct {
					Line int `json:"line"`
				} `json:"start"`
			} `json:"range"`
		}
		if json.Unmarshal(raw, &d) == nil && fmt.Sprint(d.Code) == code && d.Range.Start.Line == line {
			return true
		}
	}
	return false
}

func readText(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// countTree counts the Python files, lines and bytes under dir.
func countTree(dir string, r *workspaceReport) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r.Files++
		r.Lines += strings.Count(string(b), "\n")
		r.Bytes += len(b)
		return nil
	})
}

func (r *workspaceReport) print() {
	fmt.Printf("lsp workspace: %s (%d Python files, %d lines, %.1f MB), %d cores, pushed diagnostics\n",
		r.Dir, r.Files, r.Lines, float64(r.Bytes)/(1<<20), r.Cores)
	fmt.Printf("  index (initialized -> progress end): %.2f s, %d progress reports, %q; target <= %d s: %s\n",
		r.IndexMs/1000, r.IndexReports, r.IndexMessage, targetIndexS, verdict(r.TargetIndex))
	when := "while the index was built"
	if r.OpenedIndexed {
		when = "after the index ended"
	}
	fmt.Printf("  open %s (%d lines): first diagnostics %.0f ms after initialized, %s\n", bigModelRel, r.ModelLines, r.OpenMs, when)
	if r.During.N == 0 {
		fmt.Printf("  edit -> diagnostics while indexing: no edit (the index ended before the model's first diagnostics)\n")
	} else {
		fmt.Printf("  edit -> diagnostics while indexing: %s; target p95 <= %d ms: %s\n", r.During, targetP95Ms, verdict(r.TargetDuring))
	}
	fmt.Printf("  edit -> diagnostics once indexed:   %s; target p95 <= %d ms: %s\n", r.After, targetP95Ms, verdict(r.TargetAfter))
	if len(r.AfterFaults) > 0 {
		sorted := slices.Sorted(slices.Values(r.AfterFaults))
		fmt.Printf("    (the server's page faults per edit: p50 %d, max %d; %d edits took over %d: %s)\n",
			sorted[len(sorted)/2], sorted[len(sorted)-1], r.AfterFaultyEdits.N, faultyEdit, r.AfterFaultyEdits)
	}
	if r.AfterCPUMs > 0 {
		fmt.Printf("    (the server's CPU per edit, pauses included: %.1f ms)\n", r.AfterCPUMs)
	}
	fmt.Printf("  helper edit -> dependent model's diagnostics: %s; target p95 <= %d ms: %s\n", r.Dependent, targetDependent, verdict(r.TargetDep))
	fmt.Printf("    (the helper's own diagnostics: %s; %d model publishes before the flip)\n", r.DependentHelper, r.DependentExtra)
	fmt.Printf("  server memory: VmRSS %.1f MB once indexed and idle (peak %.1f MB); %.1f MB at the end (peak %.1f MB); target <= %d MB: %s\n",
		r.IndexRSSMB, r.IndexHWMMB, r.EndRSSMB, r.EndHWMMB, targetWorkspace, verdict(r.TargetRSS))
	fmt.Printf("  final diagnostics = a fresh open of the final text: %v\n", r.FinalMatches)
	fmt.Printf("  load average: %s (start), %s (end)\n\n", r.LoadStart, r.LoadEnd)
}

// bestWorkspace is the best of each number over the runs (each from its own run: the
// machine's other work hits runs unevenly).
func bestWorkspace(runs []*workspaceReport) *workspaceReport {
	b := *runs[0]
	for _, r := range runs[1:] {
		if r.IndexMs < b.IndexMs {
			b.IndexMs, b.IndexMessage, b.IndexReports = r.IndexMs, r.IndexMessage, r.IndexReports
		}
		if r.During.N > 0 && (b.During.N == 0 || r.During.P95Ms < b.During.P95Ms) {
			b.During = r.During
		}
		if r.After.P95Ms < b.After.P95Ms {
			// with the same run's faults and CPU
			b.After, b.AfterFaults, b.AfterFaultyEdits, b.AfterCPUMs = r.After, r.AfterFaults, r.AfterFaultyEdits, r.AfterCPUMs
		}
		if r.Dependent.P95Ms < b.Dependent.P95Ms {
			b.Dependent, b.DependentHelper, b.DependentExtra = r.Dependent, r.DependentHelper, r.DependentExtra
		}
		if max(r.IndexRSSMB, r.EndRSSMB) < max(b.IndexRSSMB, b.EndRSSMB) {
			b.IndexRSSMB, b.IndexHWMMB, b.EndRSSMB, b.EndHWMMB = r.IndexRSSMB, r.IndexHWMMB, r.EndRSSMB, r.EndHWMMB
		}
		b.FinalMatches = b.FinalMatches && r.FinalMatches
		b.OpenedIndexed = b.OpenedIndexed && r.OpenedIndexed
	}
	b.LoadEnd = runs[len(runs)-1].LoadEnd
	b.TargetIndex = b.IndexMs <= targetIndexS*1000
	b.TargetDuring = b.During.N > 0 && b.During.P95Ms <= targetP95Ms
	b.TargetAfter = b.After.P95Ms <= targetP95Ms
	b.TargetDep = b.Dependent.P95Ms <= targetDependent
	b.TargetRSS = max(b.IndexRSSMB, b.EndRSSMB) <= targetWorkspace
	return &b
}
