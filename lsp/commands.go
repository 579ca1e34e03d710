package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// workspace/executeCommand: exportdb.applyAllFixes [uri], exportdb.showCase name,
// exportdb.debugInfo, exportdb.scanWorkspace, exportdb.declareDims {uri, class, parameter,
// axes} (dims_command.go).

func (s *Server) executeCommand(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.ExecuteCommandParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	strArg := func(i int) (string, bool) {
		if i >= len(p.Arguments) {
			return "", false
		}
		v, ok := p.Arguments[i].(string)
		return v, ok
	}
	switch p.Command {
	case cmdApplyAllFixes:
		uri, _ := strArg(0)
		return nil, s.applyAllFixes(ctx, protocol.DocumentURI(uri))
	case cmdShowCase:
		name, ok := strArg(0)
		if !ok {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, cmdShowCase+": want the case name as the first argument")
		}
		return nil, s.showCase(ctx, name)
	case cmdDebugInfo:
		info := s.debugInfo()
		s.notify("window/logMessage", protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: info})
		s.showMessage(protocol.MessageTypeInfo, "%s", info)
		return info, nil
	case cmdDeclareDims:
		return s.declareDims(ctx, p.Arguments)
	case cmdScanWorkspace:
		tok, ok := s.startScan()
		if !ok {
			return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, cmdScanWorkspace+": no workspace folder to scan")
		}
		return tok, nil
	}
	return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "unknown command: "+p.Command)
}

// applyAllFixes applies the safe fixes of one document (or of every open document) through
// workspace/applyEdit. The document may be a notebook (every cell) or one of its cells.
func (s *Server) applyAllFixes(ctx context.Context, uri protocol.DocumentURI) error {
	s.mu.Lock()
	c := s.client
	var uris []protocol.DocumentURI
	if uri != "" {
		uris = []protocol.DocumentURI{uri}
	} else {
		for u := range s.docs {
			uris = append(uris, u)
		}
		sort.Slice(uris, func(i, j int) bool { return uris[i] < uris[j] })
	}
	s.mu.Unlock()
	if !c.applyEdit {
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, cmdApplyAllFixes+": the client does not support workspace/applyEdit")
	}
	total := 0
	for _, u := range uris {
		edit, n, err := s.fixAllOf(ctx, u, c)
		if errors.Is(err, errNoDocument) {
			if uri != "" {
				return jsonrpc2.NewError(jsonrpc2.InvalidParams, cmdApplyAllFixes+": document is not open: "+string(u))
			}
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		var out protocol.ApplyWorkspaceEditResponse
		if err := s.call(ctx, "workspace/applyEdit", protocol.ApplyWorkspaceEditParams{Label: "exportdb: apply all safe fixes", Edit: *edit}, &out); err != nil {
			return err
		}
		if !out.Applied {
			s.log.Warn("client did not apply the fixes", zap.String("uri", string(u)), zap.String("reason", out.FailureReason))
			continue
		}
		total += n
	}
	if total == 0 {
		s.showMessage(protocol.MessageTypeInfo, "exportdb: no safe fixes to apply")
	}
	return nil
}

// showCase opens a case's ExportDB page (window/showDocument), or shows its link.
func (s *Server) showCase(ctx context.Context, name string) error {
	c, ok := catalog.Default().Lookup(name)
	if !ok {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, cmdShowCase+": unknown case "+name)
	}
	url := c.URL("")
	s.mu.Lock()
	canShow := s.client.showDocument
	s.mu.Unlock()
	if canShow {
		var out protocol.ShowDocumentResult
		err := s.call(ctx, "window/showDocument", protocol.ShowDocumentParams{URI: protocol.URI(url), External: true}, &out)
		if err == nil && out.Success {
			return nil
		}
		s.log.Debug("window/showDocument failed", zap.Error(err))
	}
	s.showMessage(protocol.MessageTypeInfo, "ExportDB case %s: %s", c.Name, url)
	return nil
}

// debugInfo describes the session: version, target torch version, configuration files in
// force, negotiated position encoding.
func (s *Server) debugInfo() string {
	s.mu.Lock()
	c := s.client
	paths := map[protocol.DocumentURI]string{}
	for u, d := range s.docs {
		paths[u] = d.path
	}
	folders := append([]protocol.WorkspaceFolder(nil), s.folders...)
	nNotebooks := len(s.notebooks)
	nDocs := len(s.docs) - nNotebooks
	s.mu.Unlock()

	type inForce struct {
		target string
		docs   int
	}
	configs := map[string]*inForce{}
	add := func(path string, n int) {
		pc := s.configFor(path)
		name := pc.cfg.Path
		if name == "" {
			name = "(none: defaults)"
		}
		target := pc.cfg.Target
		tv := target.String()
		if target.IsZero() {
			tv = catalog.Default().LatestVersion().String() + " (newest the catalog knows)"
		}
		e := configs[name]
		if e == nil {
			e = &inForce{target: tv}
			configs[name] = e
		}
		e.docs += n
	}
	for _, p := range paths {
		add(p, 1)
	}
	if len(paths) == 0 {
		add("", 0)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "exportdb %s (%s)\n", s.version, runtime.Version())
	if c.name != "" {
		fmt.Fprintf(&b, "client: %s\n", c.name)
	}
	fmt.Fprintf(&b, "position encoding: %s\n", c.encoding)
	mode := "push (textDocument/publishDiagnostics)"
	switch {
	case c.pull:
		mode = "pull (textDocument/diagnostic)"
	case c.canPull:
		mode += "; the client pulls, but without workspace/diagnostic/refresh"
	}
	fmt.Fprintf(&b, "diagnostics: %s\n", mode)
	names := make([]string, 0, len(configs))
	for n := range configs {
		names = append(names, n)
	}
	sort.Strings(names)
	b.WriteString("config files in force:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: target torch version %s (%d open documents)\n", n, configs[n].target, configs[n].docs)
	}
	fmt.Fprintf(&b, "open documents: %d\n", nDocs)
	if nNotebooks > 0 {
		fmt.Fprintf(&b, "open notebooks: %d\n", nNotebooks)
	}
	for _, f := range folders {
		fmt.Fprintf(&b, "workspace folder: %s\n", f.URI)
	}
	fmt.Fprintf(&b, "rules: %d (%d implemented)", len(s.rules), implemented(s.rules))
	return b.String()
}

func implemented(rules []*analysis.Rule) int {
	n := 0
	for _, r := range rules {
		if r.Run != nil {
			n++
		}
	}
	return n
}
