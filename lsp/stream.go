package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// stream is the server's jsonrpc2.Stream (go.lsp.dev/jsonrpc2 v0.10): the LSP base
// protocol (Content-Length headers) made to survive a misbehaving client. jsonrpc2's own
// header stream ends the connection on the first malformed header or unparsable body; an
// editor's language server must not die of one bad message. Here a bad header is skipped
// (resynchronising on the next Content-Length), an oversized body is discarded, and an
// unparsable body is answered with a ParseError (or InvalidRequest) response; only the end
// of the input ends Read.
//
// Writes are queued and written by one goroutine, in order. Handlers that run on the
// connection's read loop reply there; were that write to block on a client that is itself
// blocked writing to us (say, answering our workspace/configuration request), both read
// loops would wait on each other. With the queue the read loop never waits on the client,
// up to maxQueued.
//
// Messages are encoded here (encodeMessage), not by jsonrpc2: its encoding puts "params":
// null into requests without params, answers an error that is not a *jsonrpc2.Error with
// code 0, and cannot write the null id that a response to an unreadable request needs.
// publishDiagnostics skips jsonrpc2 altogether (Server.notify, notificationFrame): it is
// encoded once, straight into its frame, and queued like the rest.
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
	spare      []byte     // a written frame's storage, for the next notificationFrame; guarded by qmu
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
			if cap(b) > cap(s.spare) && cap(b) <= maxSpareFrame {
				s.spare = b[:0] // written: a Writer keeps no part of what it was given
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
		if err := checkMessage(body); err != nil {
			s.answerMalformed(body, err)
			continue
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil {
			s.answerMalformed(body, err)
			continue
		}
		return msg, int64(hdr + length), nil
	}
}

// checkMessage rejects what jsonrpc2 v0.10's decoder lets through: a body with data after
// the JSON value (its decoder stops at the end of the first value, so a Content-Length
// that runs into the next message would go unnoticed), a body that is not an object, a
// "jsonrpc" member that is missing or not "2.0", a method that is not a string.
func checkMessage(body []byte) error {
	var probe struct {
		JSONRPC *string         `json:"jsonrpc"`
		Method  json.RawMessage `json:"method"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return err
	}
	if probe.JSONRPC == nil || *probe.JSONRPC != "2.0" {
		return errors.New(`"jsonrpc" must be "2.0"`)
	}
	if len(probe.Method) > 0 && probe.Method[0] != '"' {
		return errors.New("the method must be a string")
	}
	return nil
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
		if i := indexASCIIFold(t, "content-length:"); i >= 0 {
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

// indexASCIIFold is the index of the lower-case ASCII word in b, ignoring the case of
// ASCII letters, or -1. (bytes.ToLower would not do: it rewrites invalid UTF-8 as U+FFFD,
// which moves the index off the original bytes.)
func indexASCIIFold(b []byte, word string) int {
	for i := 0; i+len(word) <= len(b); i++ {
		j := 0
		for ; j < len(word); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				break
			}
		}
		if j == len(word) {
			return i
		}
	}
	return -1
}

// answerMalformed answers a body that is not a JSON-RPC message, with the request's id when
// one can be read from it (echoed verbatim: jsonrpc2 v0.10's ID holds only int32 numbers
// and strings), else null.
func (s *stream) answerMalformed(body []byte, err error) {
	code := jsonrpc2.ParseError
	id := json.RawMessage("null")
	if json.Valid(body) {
		code = jsonrpc2.InvalidRequest
		var probe struct {
			ID     json.RawMessage `json:"id"`
			Method json.RawMessage `json:"method"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(body, &probe) == nil {
			if len(probe.Method) == 0 && (len(probe.Result) > 0 || len(probe.Error) > 0) {
				// a malformed response: answering it would look like an answer to the
				// client's own request with that id
				s.log.Warn("malformed response; dropped", zap.Error(err), zap.Int("bytes", len(body)))
				return
			}
			if t := bytes.TrimSpace(probe.ID); len(t) > 0 && (t[0] == '"' || t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
				id = t
			}
			if string(id) == "null" && len(probe.Method) > 0 {
				return // a malformed notification gets no answer
			}
		}
	}
	s.log.Warn("malformed message", zap.Error(err), zap.Int("bytes", len(body)))
	e, _ := json.Marshal(jsonrpc2.NewError(code, "invalid JSON-RPC message: "+err.Error()))
	out := make([]byte, 0, len(e)+len(id)+40)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"error":`...)
	out = append(out, e...)
	out = append(out, '}')
	_, _ = s.writeBody(out)
}

// Write encodes msg, frames it and queues it for the writer goroutine.
func (s *stream) Write(_ context.Context, msg jsonrpc2.Message) (int64, error) {
	body, err := encodeMessage(msg)
	if err != nil {
		return 0, err
	}
	return s.writeBody(body)
}

// writeBody frames body and queues it.
func (s *stream) writeBody(body []byte) (int64, error) {
	buf := make([]byte, 0, len(body)+32)
	buf = appendHeader(buf, len(body))
	buf = append(buf, body...)
	return s.queueFrame(buf)
}

// appendHeader appends the base protocol's header block for a body of length bytes.
func appendHeader(b []byte, length int) []byte {
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(length), 10)
	return append(b, "\r\n\r\n"...)
}

// headerRoom is the most bytes a header block takes (appendHeader with 20 digits).
const headerRoom = len("Content-Length: \r\n\r\n") + 20

// maxSpareFrame bounds the written frame the stream keeps for the next one (4 MiB: the
// diagnostics of a large file take a few hundred kilobytes).
const maxSpareFrame = 4 << 20

// frameStorage returns storage for a frame of about size bytes: the last written frame's
// when it is large enough (the diagnostics of a keystroke in a large file are about the
// size of the last keystroke's, 0.2 MB in the 2,000-file workspace's model, and that much
// less allocated at each keystroke brings the next collection that much later), else nil.
func (s *stream) frameStorage(size int) []byte {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if cap(s.spare) < size {
		return nil
	}
	b := s.spare
	s.spare = nil
	return b
}

// notificationFrame encodes a notification whose params appendParams writes, framed:
// encoded once, straight into the frame the writer writes (no jsonrpc2.Notification, whose
// constructor re-encodes the params, and no copies). size is a guess at the body's length
// (publishSize's errs on the large side); storage that holds it is reused (frameStorage).
// Queue the frame with queueFrame.
func notificationFrame(storage []byte, method string, size int, appendParams func([]byte) ([]byte, error)) ([]byte, error) {
	buf := storage[:0]
	if cap(buf) < size {
		buf = make([]byte, 0, headerRoom+size)
	}
	buf = buf[:headerRoom]
	buf = append(buf, `{"jsonrpc":"2.0","method":`...)
	buf = appendJSONString(buf, method)
	buf = append(buf, `,"params":`...)
	buf, err := appendParams(buf)
	if err != nil {
		return nil, err
	}
	buf = append(buf, '}')
	// the header goes right before the body, in the room left for it
	var hdr [headerRoom]byte
	h := appendHeader(hdr[:0], len(buf)-headerRoom)
	start := headerRoom - len(h)
	copy(buf[start:], h)
	return buf[start:], nil
}

// queueFrame queues a framed message for the writer, in order with the messages written
// through jsonrpc2 (Write); it blocks while more than maxQueued bytes wait.
func (s *stream) queueFrame(buf []byte) (int64, error) {
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

// encodeMessage encodes a JSON-RPC 2.0 message: "jsonrpc" and "id" first, params left out
// when there are none, an error that is not a *jsonrpc2.Error sent as InternalError.
func encodeMessage(msg jsonrpc2.Message) ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, `{"jsonrpc":"2.0"`...)
	appendID := func(id jsonrpc2.ID) error {
		v, err := id.MarshalJSON()
		if err != nil {
			return err
		}
		b = append(b, `,"id":`...)
		b = append(b, v...)
		return nil
	}
	appendRequest := func(method string, params json.RawMessage) error {
		m, err := json.Marshal(method)
		if err != nil {
			return err
		}
		b = append(b, `,"method":`...)
		b = append(b, m...)
		if p := bytes.TrimSpace(params); len(p) > 0 && string(p) != "null" {
			b = append(b, `,"params":`...)
			b = append(b, p...)
		}
		return nil
	}
	var err error
	switch m := msg.(type) {
	case *jsonrpc2.Call:
		if err = appendID(m.ID()); err == nil {
			err = appendRequest(m.Method(), m.Params())
		}
	case *jsonrpc2.Notification:
		err = appendRequest(m.Method(), m.Params())
	case *jsonrpc2.Response:
		if err = appendID(m.ID()); err != nil {
			break
		}
		if rerr := m.Err(); rerr != nil {
			var werr *jsonrpc2.Error
			if !errors.As(rerr, &werr) {
				werr = jsonrpc2.NewError(jsonrpc2.InternalError, rerr.Error())
			}
			var e []byte
			if e, err = json.Marshal(werr); err == nil {
				b = append(b, `,"error":`...)
				b = append(b, e...)
			}
			break
		}
		res := bytes.TrimSpace(m.Result())
		if len(res) == 0 {
			res = []byte("null")
		}
		b = append(b, `,"result":`...)
		b = append(b, res...)
	default:
		err = fmt.Errorf("unknown message type %T", msg)
	}
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
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
