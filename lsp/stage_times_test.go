package lsp

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestAnalysisStagesLogged: at debug level each published analysis logs the time each of
// its stages took, in order, summing to no more than the total; an edit's line comes with
// its version. At info level there is no such line, and no run records its stages.
func TestAnalysisStagesLogged(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	c := newTestClient(t, func(s *Server) { s.log = zap.New(core) })
	uri, text := openIdleModel(t, c)
	end := rangeAt(text, len(text), len(text), c.enc)
	c.change(uri, 2, textDocumentContentChangeEvent{Range: &end, Text: "#"})
	c.diagsFor(uri, 2)
	c.waitFor("the second analysis's line", func() bool { return logs.FilterMessage("analysed").Len() >= 2 })
	for i, e := range logs.FilterMessage("analysed").All()[:2] {
		m := e.ContextMap()
		if m["uri"] != string(uri) || m["version"] != int32(i+1) {
			t.Errorf("line %d: uri %v version %v, want %s version %d", i+1, m["uri"], m["version"], uri, i+1)
		}
		var names []string
		var sum time.Duration
		for _, f := range e.Context {
			if f.Type == zapcore.DurationType && f.Key != "total" {
				names = append(names, f.Key)
				sum += time.Duration(f.Integer)
			}
		}
		want := []string{"parse", "model", "link", "rules", "convert", "publish"}
		if len(names) != len(want) {
			t.Fatalf("line %d: stages %v, want %v", i+1, names, want)
		}
		for k := range want {
			if names[k] != want[k] {
				t.Errorf("line %d: stages %v, want %v", i+1, names, want)
				break
			}
		}
		if total, _ := m["total"].(time.Duration); total < sum || total <= 0 {
			t.Errorf("line %d: total %v, the stages sum to %v", i+1, total, sum)
		}
	}

	quiet, qlogs := observer.New(zapcore.InfoLevel)
	q := newTestClient(t, func(s *Server) { s.log = zap.New(quiet) })
	quri, _ := openIdleModel(t, q)
	if n := qlogs.FilterMessage("analysed").Len(); n != 0 {
		t.Errorf("%d analysis lines at info level", n)
	}
	v, err := q.server.view(q.server.ctx, quri)
	if err != nil {
		t.Fatal(err)
	}
	if v.res.stages != nil {
		t.Error("a run recorded its stages with the debug lines off")
	}
}
