package lsp

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// stageTimes records when one analysis run reached each of its stages, for the debug
// log: `exportdb lsp --log-level debug` writes a line per published analysis with the time
// each stage took (parse, model, link, rules, convert, publish), so that a slow keystroke
// on a user's machine says where it went. nil when the log does not write debug lines:
// the keystroke path then reads no clock for it.
type stageTimes struct {
	start time.Time
	last  time.Time
	name  string // the stage running since last
	took  []zap.Field
}

// stageTimes returns a recorder for a run starting now, or nil when debug lines are off.
func (s *Server) stageTimes() *stageTimes {
	if !s.log.Core().Enabled(zapcore.DebugLevel) {
		return nil
	}
	now := time.Now()
	return &stageTimes{start: now, last: now}
}

// mark notes that the run reached stage name: the stage before it ended.
func (st *stageTimes) mark(name string) {
	if st == nil {
		return
	}
	now := time.Now()
	if st.name != "" {
		st.took = append(st.took, zap.Duration(st.name, now.Sub(st.last)))
	}
	st.name, st.last = name, now
}

// log writes the run's line once its diagnostics are published.
func (st *stageTimes) log(log *zap.Logger, uri string, version int32, diagnostics int) {
	if st == nil {
		return
	}
	st.mark("")
	fields := append([]zap.Field{zap.String("uri", uri), zap.Int32("version", version), zap.Int("diagnostics", diagnostics),
		zap.Duration("total", st.last.Sub(st.start))}, st.took...)
	log.Debug("analysed", fields...)
}
