package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// maxMessageSize bounds one message body. A 16 MiB Python file (the analysis limit) is
// well under it even with JSON escaping; a larger body is skipped, not buffered.
const maxMessageSize = 128 << 20

// maxQueued bounds the bytes waiting to be written; past it Write blocks (back-pressure on
// a client that does not read).
const maxQueued = 64 << 20

// stream is the server's jsonrpc2.Stream: the LSP base protocol (Content-Length headers)
// made to survive a misbehaving client. jsonrpc2's own header stream ends the connection
// on the first malformed header or unparsable body; an editor's language server must not
// die of one bad message. Here a bad header is skipped (resynchronising on the next
// Content-Length), an oversized body is discarded, and an unparsable body is answered
// with a ParseError (or InvalidRequest) response; only the end of the input ends Read.
//
// Writes are queued and written by one goroutine, in order. jsonrpc2 writes a response on
// its read loop; were that write to block on a client that is itself blocked writing to
// us (say, answering our workspace/configuration request), both read loops would wait on
// each other. With the queue the read loop never waits on the client, up to maxQueued.
type stream struct {
	rwc io.ReadWriteCloser
	in  *bufio.Reader
	log *zap.Logger

	eof     chan struct{} // closed when the input has ended (stdin closed)
	eofOnce sync.Once

	frames  chan frame    // messages read by pump; closed when the input ends
	readErr error         // why the input ended; written by pump before it closes frames
	done    chan struct{} // closed by Close
	doneMu  sync.Once

	qmu        sync.Mutex
	qcond      *sync.Cond // signalled when the queue or closed changes; uses qmu
	queue      [][]byte   // frames to write; guarded by qmu
	queued     int        // bytes in queue; guarded by qmu
	werr       error      // the first write error; guarded by qmu
	closing    bool       // Close was called: write what is queued, then stop; guarded by qmu
	closed     bool       // the transport is closed; guarded by qmu
	writerDone chan struct{}
}

func newStream(rwc io.ReadWriteCloser, log *zap.Logger) *stream {
	s := &stream{rwc: rwc, in: bufio.NewReaderSize(rwc, 64<<10), log: log, eof: make(chan struct{}),
		frames: make(chan frame), done: make(chan struct{}), writerDone: make(chan struct{})}
	s.qcond = sync.NewCond(&s.qmu)
	go s.writer()
	go s.pump()
	return s
}

// writer writes queued frames until the stream closes or a write fails.
func (s *stream) writer() {
	defer close(s.writerDone)
	for {
		s.qmu.Lock()
		for len(s.queue) == 0 && !s.closed && !s.closing {
			s.qcond.Wait()
		}
		if s.closed || len(s.queue) == 0 {
			s.qmu.Unlock()
			return
		}
		batch := s.queue
		s.queue = nil
		s.qmu.Unlock()
		for _, b := range batch {
			_, err := s.rwc.Write(b)
			s.qmu.Lock()
			s.queued -= len(b)
			if err != nil && s.werr == nil {
				s.werr = err
			}
			s.qcond.Broadcast()
			failed := s.werr != nil
			s.qmu.Unlock()
			if failed {
				s.log.Debug("write failed; output closed", zap.Error(err))
				return
			}
		}
	}
}

// Read returns the next well-formed message. It returns at once when the stream is
// closed, even if the input never ends: the pump goroutine, not the connection's read
// loop, is the one blocked on the input (a blocking stdin cannot be interrupted).
func (s *stream) Read(context.Context) (jsonrpc2.Message, int64, error) {
	select {
	case f, ok := <-s.frames:
		if !ok {
			return nil, 0, s.readErr
		}
		return f.msg, f.n, nil
	case <-s.done:
		return nil, 0, io.EOF
	}
}

// frame is one message read by pump.
type frame struct {
	msg jsonrpc2.Message
	n   int64
}

// pump reads messages until the input ends or the stream closes.
func (s *stream) pump() {
	defer close(s.frames)
	for {
		msg, n, err := s.readMessage()
		if err != nil {
			s.readErr = err
			s.eofOnce.Do(func() { close(s.eof) })
			return
		}
		select {
		case s.frames <- frame{msg, n}:
		case <-s.done:
			return
		}
	}
}

// readMessage reads the next well-formed message, skipping and answering malformed ones.
func (s *stream) readMessage() (jsonrpc2.Message, int64, error) {
	for {
		length, hdr, err := s.readHeader()
		if err != nil {
			return nil, 0, err
		}
		if length < 0 {
			continue // malformed header block, already logged
		}
		if length > maxMessageSize {
			s.log.Warn("message too large; skipped", zap.Int("contentLength", length))
			if _, err := s.in.Discard(length); err != nil {
				return nil, 0, io.ErrUnexpectedEOF
			}
			continue
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(s.in, body); err != nil {
			return nil, 0, io.ErrUnexpectedEOF
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil {
			s.answerMalformed(body, err)
			continue
		}
		return msg, int64(hdr + length), nil
	}
}

// readHeader reads one header block. It returns length -1 for a block without a usable
// Content-Length, and an error only when the input fails or ends.
func (s *stream) readHeader() (length, n int, err error) {
	length = -1
	lines := 0
	for {
		line, err := s.in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// an absurd header line (binary garbage): drop it whole
			for errors.Is(err, bufio.ErrBufferFull) {
				n += len(line)
				line, err = s.in.ReadSlice('\n')
			}
			n += len(line)
			lines++
			if err == nil {
				continue
			}
		}
		if err != nil {
			if err == io.EOF && lines == 0 && len(line) == 0 {
				return 0, n, io.EOF
			}
			return 0, n, io.ErrUnexpectedEOF
		}
		n += len(line)
		lines++
		t := bytes.TrimRight(line, "\r\n")
		if len(t) == 0 {
			if lines == 1 {
				continue // stray blank line between messages
			}
			if length < 0 {
				s.log.Warn("header block without a valid Content-Length; skipped")
			}
			return length, n, nil
		}
		// Resynchronise after a short body or garbage: the header may follow junk on
		// the same line.
		if i := bytes.Index(bytes.ToLower(t), []byte("content-length:")); i >= 0 {
			v := bytes.TrimSpace(t[i+len("content-length:"):])
			if k, err := strconv.Atoi(string(v)); err == nil && k > 0 {
				length = k
				continue
			}
			s.log.Warn("invalid Content-Length", zap.ByteString("value", v))
			length = -1
			continue
		}
		if bytes.IndexByte(t, ':') < 0 {
			s.log.Warn("malformed header line; skipped", zap.Int("bytes", len(t)))
		}
	}
}

// answerMalformed answers a body that is not a JSON-RPC message, with the request's id when
// one can be read from it.
func (s *stream) answerMalformed(body []byte, err error) {
	code := jsonrpc2.ParseError
	var probe struct {
		ID     json.RawMessage `json:"id"`
		Method *string         `json:"method"`
	}
	id := jsonrpc2.ID{}
	if json.Unmarshal(body, &probe) == nil {
		code = jsonrpc2.InvalidRequest
		if len(probe.ID) > 0 {
			if i, err := strconv.ParseInt(string(probe.ID), 10, 64); err == nil {
				id = jsonrpc2.NewNumberID(i)
			} else if s, err := strconv.Unquote(string(probe.ID)); err == nil {
				id = jsonrpc2.NewStringID(s)
			}
		}
		if !id.IsValid() && probe.Method != nil {
			return // a malformed notification gets no answer
		}
	}
	s.log.Warn("malformed message", zap.Error(err), zap.Int("bytes", len(body)))
	msg := "invalid JSON-RPC message: " + err.Error()
	_, _ = s.Write(context.Background(), jsonrpc2.NewResponse(id, nil, jsonrpc2.NewError(code, msg)))
}

// Write frames msg and queues it for the writer goroutine.
func (s *stream) Write(_ context.Context, msg jsonrpc2.Message) (int64, error) {
	body, err := jsonrpc2.EncodeMessage(msg)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 0, len(body)+32)
	buf = append(buf, "Content-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	buf = append(buf, body...)
	s.qmu.Lock()
	defer s.qmu.Unlock()
	for s.queued > maxQueued && !s.closed && s.werr == nil {
		s.qcond.Wait()
	}
	switch {
	case s.closed || s.closing:
		return 0, io.ErrClosedPipe
	case s.werr != nil:
		return 0, s.werr
	}
	s.queue = append(s.queue, buf)
	s.queued += len(buf)
	s.qcond.Broadcast()
	return int64(len(buf)), nil
}

// Close lets the writer flush what is queued (for at most a second: the client may not be
// reading), then closes the transport.
func (s *stream) Close() error {
	s.doneMu.Do(func() { close(s.done) })
	s.qmu.Lock()
	s.closing = true
	s.qcond.Broadcast()
	s.qmu.Unlock()
	select {
	case <-s.writerDone:
	case <-time.After(time.Second):
	}
	err := s.rwc.Close()
	s.qmu.Lock()
	s.closed = true
	s.qcond.Broadcast()
	s.qmu.Unlock()
	return err
}
