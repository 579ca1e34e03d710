package check

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints "exportdb: checked 120/450 files" on stderr, rewritten in place, when
// stderr is a terminal and the scan has taken longer than progressDelay; it erases the
// line when done. A nil *progress does nothing.
type progress struct {
	w     io.Writer
	total int
	done  atomic.Int64
	quit  chan struct{}
	wg    sync.WaitGroup
}

const (
	progressDelay  = time.Second
	progressPeriod = 100 * time.Millisecond
)

func startProgress(stderr io.Writer, total int, quiet bool) *progress {
	if quiet || !isTerminal(stderr) {
		return nil
	}
	p := &progress{w: stderr, total: total, quit: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer p.wg.Done()
	select {
	case <-p.quit:
		return
	case <-time.After(progressDelay):
	}
	t := time.NewTicker(progressPeriod)
	defer t.Stop()
	for {
		fmt.Fprintf(p.w, "\rexportdb: checked %d/%d files", p.done.Load(), p.total)
		select {
		case <-p.quit:
			fmt.Fprint(p.w, "\r\x1b[K")
			return
		case <-t.C:
		}
	}
}

func (p *progress) add() {
	if p != nil {
		p.done.Add(1)
	}
}

func (p *progress) stop() {
	if p != nil {
		close(p.quit)
		p.wg.Wait()
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
