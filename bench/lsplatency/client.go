package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// client is a black-box LSP client of `exportdb lsp` over the process's stdin and stdout.
// It speaks the base protocol (Content-Length framing) and JSON-RPC 2.0 by hand with
// encoding/json, so it depends on nothing inside the server.
type client struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *os.File // the server's log
	exited chan struct{}
	err    error // cmd.Wait's result; read after exited is closed

	wmu sync.Mutex // serialises writes to stdin

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan response // by request id; guarded by mu

	// pubs receives every textDocument/publishDiagnostics, stamped when its frame was read.
	pubs chan publish
	// progress receives every $/progress notification, stamped likewise (never blocking
	// the reader: a client that does not read them loses them).
	progress chan progressEvent
}

// progressEvent is one $/progress notification of a work-done progress.
type progressEvent struct {
	at    time.Time
	Token any `json:"token"`
	Value struct {
		Kind       string `json:"kind"` // begin, report, end
		Title      string `json:"title"`
		Message    string `json:"message"`
		Percentage *int   `json:"percentage"`
	} `json:"value"`
}

// publish is one textDocument/publishDiagnostics notification.
type publish struct {
	at          time.Time
	URI         string            `json:"uri"`
	Version     *int32            `json:"version"`
	Diagnostics []json.RawMessage `json:"diagnostics"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// envelope is any incoming JSON-RPC message.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	response
}

// start runs `bin lsp` with its log in a temporary file.
func start(bin string) (*client, error) {
	logf, err := os.CreateTemp("", "exportdb-lsp-bench-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "lsp", "--stdio")
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &client{cmd: cmd, stdin: stdin, stderr: logf, exited: make(chan struct{}),
		pending: map[int64]chan response{}, pubs: make(chan publish, 1<<14), progress: make(chan progressEvent, 1<<12)}
	go c.read(bufio.NewReaderSize(stdout, 1<<20))
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// read reads the server's messages until its stdout closes.
func (c *client) read(r *bufio.Reader) {
	defer close(c.pubs)
	for {
		body, err := readFrame(r)
		if err != nil {
			return
		}
		at := time.Now()
		var m envelope
		if err := json.Unmarshal(body, &m); err != nil {
			fmt.Fprintf(os.Stderr, "lsplatency: undecodable message from the server: %v\n", err)
			continue
		}
		switch {
		case m.Method == "textDocument/publishDiagnostics":
			p := publish{at: at}
			if err := json.Unmarshal(m.Params, &p); err == nil {
				c.pubs <- p
			}
		case m.Method == "$/progress":
			p := progressEvent{at: at}
			if err := json.Unmarshal(m.Params, &p); err == nil {
				select {
				case c.progress <- p:
				default:
				}
			}
		case m.Method != "" && len(m.ID) > 0:
			// a request from the server (window/workDoneProgress/create among them): answer
			// like a minimal editor
			var result any
			if m.Method == "workspace/configuration" {
				var p struct{ Items []json.RawMessage }
				_ = json.Unmarshal(m.Params, &p)
				result = make([]any, len(p.Items))
			}
			_ = c.send(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": result})
		case m.Method == "" && len(m.ID) > 0:
			id, err := strconv.ParseInt(string(m.ID), 10, 64)
			if err != nil {
				continue
			}
			c.mu.Lock()
			ch := c.pending[id]
			delete(c.pending, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- m.response
			}
		}
	}
}

// readFrame reads one Content-Length framed message body.
func readFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if length < 0 {
				continue
			}
			break
		}
		if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("bad Content-Length %q", line)
			}
			length = n
		}
	}
	body := make([]byte, length)
	_, err := io.ReadFull(r, body)
	return body, err
}

// send frames and writes one message.
func (c *client) send(msg any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.stdin.Write(b.Bytes())
	return err
}

func (c *client) notify(method string, params any) error {
	return c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// call sends a request and waits for its response (at most timeout).
func (c *client) call(method string, params any, timeout time.Duration) (json.RawMessage, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan response, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if err := c.send(msg); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, fmt.Errorf("%s: error %d: %s", method, r.Error.Code, r.Error.Message)
		}
		return r.Result, nil
	case <-c.exited:
		return nil, fmt.Errorf("%s: the server exited: %v", method, c.err)
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: no answer in %v", method, timeout)
	}
}

// initialize initializes the session as VS Code does as far as the server cares: UTF-16
// positions, pushed diagnostics with versions (no textDocument.diagnostic, so the server
// pushes). With folder set, that directory is the one workspace folder and the client
// supports work-done progress (the server reports its workspace index); without it there
// is no workspace folder.
func (c *client) initialize(folder string) error {
	caps := map[string]any{
		"general": map[string]any{"positionEncodings": []string{"utf-16"}},
		"textDocument": map[string]any{
			"synchronization":    map[string]any{"didSave": true},
			"publishDiagnostics": map[string]any{"relatedInformation": true, "versionSupport": true},
			"hover":              map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
		},
		"window": map[string]any{"workDoneProgress": folder != ""},
	}
	params := map[string]any{
		"processId":    os.Getpid(),
		"clientInfo":   map[string]string{"name": "exportdb-lsplatency"},
		"rootUri":      nil,
		"capabilities": caps,
	}
	if folder != "" {
		params["rootUri"] = fileURI(folder)
		params["workspaceFolders"] = []any{map[string]string{"uri": fileURI(folder), "name": filepath.Base(folder)}}
		caps["workspace"] = map[string]any{"workspaceFolders": true}
	}
	res, err := c.call("initialize", params, 30*time.Second)
	if err != nil {
		return err
	}
	var init struct {
		Capabilities struct {
			PositionEncoding string `json:"positionEncoding"`
		} `json:"capabilities"`
	}
	if err := json.Unmarshal(res, &init); err != nil {
		return err
	}
	if enc := init.Capabilities.PositionEncoding; enc != "" && enc != "utf-16" {
		return fmt.Errorf("the server chose position encoding %q, want utf-16", enc)
	}
	return c.notify("initialized", map[string]any{})
}

// change sends one didChange of version v with one content change.
func (c *client) change(uri string, v int32, change map[string]any) error {
	return c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": v},
		"contentChanges": []any{change},
	})
}

func (c *client) open(uri, text string) error {
	return c.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": "python", "version": 1, "text": text}})
}

// waitPublish returns the first publishDiagnostics for uri with the given version,
// dropping any other publish. errNoVersion reports a publish without a version.
func (c *client) waitPublish(uri string, version int32, timeout time.Duration) (publish, error) {
	deadline := time.After(timeout)
	for {
		select {
		case p, ok := <-c.pubs:
			if !ok {
				return publish{}, fmt.Errorf("the server closed its output (exit: %v)", c.exitErr())
			}
			if p.URI != uri {
				continue
			}
			if p.Version == nil {
				return p, errNoVersion
			}
			if *p.Version == version {
				return p, nil
			}
		case <-deadline:
			return publish{}, fmt.Errorf("no diagnostics for %s version %d in %v", uri, version, timeout)
		}
	}
}

var errNoVersion = errors.New("publishDiagnostics without a version")

func (c *client) exitErr() error {
	select {
	case <-c.exited:
		return c.err
	case <-time.After(time.Second):
		return errors.New("still running")
	}
}

// close ends the session (shutdown, exit) and waits for the process; it kills it if it
// does not exit in time.
func (c *client) close() error {
	_, err := c.call("shutdown", nil, 10*time.Second)
	if err == nil {
		err = c.notify("exit", nil)
	}
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		err = errors.New("the server did not exit after shutdown and exit; killed")
	}
	c.stderr.Close()
	if err == nil && c.err != nil {
		err = fmt.Errorf("the server exited with %v", c.err)
	}
	if err == nil {
		os.Remove(c.stderr.Name())
	}
	return err
}

// memory reads the server's resident set size and its peak (VmRSS, VmHWM) in KiB.
func (c *client) memory() (rss, hwm int, err error) {
	return procMemory(c.cmd.Process.Pid)
}

func procMemory(pid int) (rss, hwm int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm, nil
}

// faultyEdit is the number of the server's minor page faults above which an edit counts as
// one that grew the heap into pages the process had never written (a keystroke of the
// workspace's model allocates about 1,150 pages; one that reuses the heap faults a few).
const faultyEdit = 100

// procFaults reads process pid's minor page faults so far from /proc (-1 when it cannot).
func procFaults(pid int) int {
	f := procStat(pid)
	if len(f) < 8 {
		return -1
	}
	n, err := strconv.Atoi(f[7])
	if err != nil {
		return -1
	}
	return n
}

// procCPU reads the CPU time process pid has used so far, user and system, from /proc
// (-1 when it cannot), to the kernel's clock tick (USER_HZ, 100 a second on Linux).
func procCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 13 {
		return -1
	}
	user, err1 := strconv.Atoi(f[11])
	sys, err2 := strconv.Atoi(f[12])
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(user+sys) * (time.Second / 100)
}

// procStat returns the fields of /proc/<pid>/stat after the command name (which is in
// parentheses and may hold spaces): state ppid pgrp session tty_nr tpgid flags minflt
// cminflt majflt cmajflt utime stime ...; nil when it cannot be read.
func procStat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	rest := string(data)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	return strings.Fields(rest)
}
