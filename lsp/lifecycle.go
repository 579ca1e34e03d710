package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/config"
)

// Command names (workspace/executeCommand).
const (
	cmdApplyAllFixes = "exportdb.applyAllFixes"
	cmdShowCase      = "exportdb.showCase"
	cmdDebugInfo     = "exportdb.debugInfo"
	cmdScanWorkspace = "exportdb.scanWorkspace"
	cmdDeclareDims   = "exportdb.declareDims"
)

func (s *Server) initialize(_ context.Context, params json.RawMessage) (any, error) {
	if err := decodeParams(params, &struct{}{}); err != nil {
		return nil, err // missing or not JSON
	}
	var p protocol.InitializeParams
	var p317 initializeParams317
	for _, v := range []any{&p, &p317} {
		err := json.Unmarshal(params, v)
		var terr *json.UnmarshalTypeError
		if errors.As(err, &terr) {
			// a capability of a type v0.12 does not expect (the decoder fills in the
			// rest): not worth refusing the session over
			s.log.Warn("initialize: a parameter of an unexpected type; ignored", zap.Error(err))
			continue
		}
		if err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
		}
	}
	c := clientState{
		encoding:    negotiateEncoding(p317.Capabilities.General.PositionEncodings),
		canPull:     p317.Capabilities.TextDocument.Diagnostic != nil,
		diagRefresh: p317.Capabilities.Workspace.Diagnostics != nil && p317.Capabilities.Workspace.Diagnostics.RefreshSupport,
	}
	// Pull only with a client that can be asked to pull again (workspace/diagnostic/refresh):
	// otherwise a change of settings or configuration files would never reach it. Pushing
	// to such a client only after those changes does not work either: Neovim 0.10 (pull,
	// no refresh) keeps pulled and pushed diagnostics in separate namespaces, so the stale
	// pulled ones would stay next to the pushed ones until the next edit. It gets push.
	c.pull = c.canPull && c.diagRefresh
	caps := &p.Capabilities
	if ws := caps.Workspace; ws != nil {
		c.applyEdit = ws.ApplyEdit
		c.docChanges = ws.WorkspaceEdit != nil && ws.WorkspaceEdit.DocumentChanges
		c.createFiles = ws.WorkspaceEdit != nil && slices.Contains(ws.WorkspaceEdit.ResourceOperations, "create")
		c.watchDynamic = ws.DidChangeWatchedFiles != nil && ws.DidChangeWatchedFiles.DynamicRegistration
		c.configuration = ws.Configuration
		c.codeLensRefresh = ws.CodeLens != nil && ws.CodeLens.RefreshSupport
	}
	if td := caps.TextDocument; td != nil {
		c.relatedInfo = td.PublishDiagnostics != nil && td.PublishDiagnostics.RelatedInformation
		c.literalActions = td.CodeAction != nil && td.CodeAction.CodeActionLiteralSupport != nil
	}
	if w := caps.Window; w != nil {
		c.workDoneProgress = w.WorkDoneProgress
		c.showDocument = w.ShowDocument != nil && w.ShowDocument.Support
	}
	if p.ClientInfo != nil {
		c.name = p.ClientInfo.Name
	}
	folders := p.WorkspaceFolders
	if len(folders) == 0 {
		switch {
		case p.RootURI != "":
			folders = []protocol.WorkspaceFolder{{URI: string(p.RootURI), Name: "root"}}
		case p.RootPath != "":
			folders = []protocol.WorkspaceFolder{{URI: string(pathToURI(p.RootPath)), Name: "root"}}
		}
	}

	set, settingsErr := parseSettings(p317.InitializationOptions)

	var roots []string
	for _, f := range folders {
		if p := uriToPath(protocol.DocumentURI(f.URI)); p != "" {
			roots = append(roots, p)
		}
	}
	proj := newProject(roots, func(folder string) []string {
		if cfg, err := config.Discover(folder); err == nil && cfg != nil {
			return cfg.Src
		}
		return nil
	})
	if !c.watchDynamic {
		proj.missTTL = missTTLUnwatched
		s.goSafe("missing modules", func() { proj.refreshMissingEvery(s.ctx) })
	}
	s.mu.Lock()
	s.client = c
	s.folders = folders
	s.project = proj
	s.settings = set
	s.state = stateInitialized
	s.mu.Unlock()
	s.applyLogLevel(set.LogLevel)
	if settingsErr != nil {
		s.showMessage(protocol.MessageTypeError, "exportdb: invalid initializationOptions: %v", settingsErr)
	}
	s.log.Info("initialize", zap.String("client", c.name), zap.Stringer("positionEncoding", c.encoding),
		zap.Bool("pullDiagnostics", c.pull), zap.Int("folders", len(folders)))

	res := initializeResult{ServerInfo: &protocol.ServerInfo{Name: "exportdb", Version: s.version}}
	caps2 := &res.Capabilities
	caps2.PositionEncoding = c.encoding.String()
	caps2.TextDocumentSync = &protocol.TextDocumentSyncOptions{OpenClose: true,
		Change: protocol.TextDocumentSyncKindIncremental, Save: &protocol.SaveOptions{}}
	caps2.HoverProvider = true
	if c.literalActions {
		caps2.CodeActionProvider = &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix, KindFixAllExportDB}}
	} else {
		caps2.CodeActionProvider = true
	}
	caps2.CodeLensProvider = &protocol.CodeLensOptions{}
	caps2.ExecuteCommandProvider = &protocol.ExecuteCommandOptions{Commands: []string{cmdApplyAllFixes, cmdShowCase, cmdDebugInfo, cmdScanWorkspace, cmdDeclareDims}}
	if c.pull {
		caps2.DiagnosticProvider = &diagnosticOptions{Identifier: "exportdb"}
	}
	caps2.NotebookDocumentSync = &notebookDocumentSyncOptions{NotebookSelector: notebookSelectors, Save: true}
	caps2.Workspace = &protocol.ServerCapabilitiesWorkspace{WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{
		Supported: true, ChangeNotifications: true}}
	return res, nil
}

func (s *Server) initialized(_ context.Context, _ json.RawMessage) (any, error) {
	s.mu.Lock()
	c := s.client
	s.mu.Unlock()
	// Calls to the client need the read loop free: run them on a goroutine.
	s.goSafe("initialized", func() {
		if c.watchDynamic {
			s.registerConfigWatchers()
		}
		if c.configuration {
			s.fetchConfiguration()
		}
		s.mu.Lock()
		scan := s.settings.ScanWorkspaceOnStartup
		var roots []string
		for _, f := range s.folders {
			if p := uriToPath(protocol.DocumentURI(f.URI)); p != "" {
				roots = append(roots, p)
			}
		}
		s.mu.Unlock()
		if len(roots) > 0 {
			s.mu.Lock()
			s.indexing = true
			s.mu.Unlock()
			s.goSafe("workspace index", func() {
				defer func() {
					s.mu.Lock()
					s.indexing = false
					s.mu.Unlock()
				}()
				s.buildIndex(s.ctx, roots)
			})
		}
		if scan {
			s.startScan()
		}
	})
	return nil, nil
}

func (s *Server) shutdownRequest(_ context.Context, _ json.RawMessage) (any, error) {
	s.mu.Lock()
	s.state = stateShutdown
	s.shutdown = true
	for _, cancel := range s.scans {
		cancel()
	}
	for _, d := range s.docs {
		if d.cancelRun != nil {
			d.cancelRun()
		}
	}
	s.mu.Unlock()
	s.log.Info("shutdown")
	return nil, nil
}

func (s *Server) exitNotification(_ context.Context, _ json.RawMessage) (any, error) {
	s.log.Info("exit")
	s.exitOnce.Do(func() { close(s.exit) })
	return nil, nil
}

func (s *Server) cancelRequestNotification(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.CancelParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if id, ok := requestID(p.ID); ok {
		s.reqMu.Lock()
		cancel := s.inflight[id]
		s.reqMu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
	return nil, nil
}

// requestID converts the id of $/cancelRequest, decoded by encoding/json into a float64
// or a string, to a jsonrpc2 id (v0.10 ids are int32 numbers or strings).
func requestID(v any) (jsonrpc2.ID, bool) {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt32 && v <= math.MaxInt32 {
			return jsonrpc2.NewNumberID(int32(v)), true
		}
	case string:
		return jsonrpc2.NewStringID(v), true
	}
	return jsonrpc2.ID{}, false
}
