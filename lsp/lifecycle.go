package lsp

import (
	"context"
	"encoding/json"
	"strconv"

	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// Command names (workspace/executeCommand).
const (
	cmdApplyAllFixes = "exportdb.applyAllFixes"
	cmdShowCase      = "exportdb.showCase"
	cmdDebugInfo     = "exportdb.debugInfo"
	cmdScanWorkspace = "exportdb.scanWorkspace"
)

func (s *Server) initialize(_ context.Context, params json.RawMessage) (any, error) {
	var p InitializeParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	caps := &p.Capabilities
	c := clientState{
		encoding:         negotiateEncoding(caps.General.PositionEncodings),
		pull:             caps.TextDocument.Diagnostic != nil,
		relatedInfo:      caps.TextDocument.PublishDiagnostics.RelatedInformation,
		docChanges:       caps.Workspace.WorkspaceEdit.DocumentChanges,
		applyEdit:        caps.Workspace.ApplyEdit,
		showDocument:     caps.Window.ShowDocument.Support,
		workDoneProgress: caps.Window.WorkDoneProgress,
		watchDynamic:     caps.Workspace.DidChangeWatchedFiles.DynamicRegistration,
		configuration:    caps.Workspace.Configuration,
		diagRefresh:      caps.Workspace.Diagnostics.RefreshSupport,
		codeLensRefresh:  caps.Workspace.CodeLens.RefreshSupport,
		literalActions:   caps.TextDocument.CodeAction.CodeActionLiteralSupport != nil,
	}
	if p.ClientInfo != nil {
		c.name = p.ClientInfo.Name
	}
	folders := p.WorkspaceFolders
	if len(folders) == 0 {
		switch {
		case p.RootURI != "":
			folders = []WorkspaceFolder{{URI: p.RootURI, Name: "root"}}
		case p.RootPath != "":
			folders = []WorkspaceFolder{{URI: pathToURI(p.RootPath), Name: "root"}}
		}
	}

	set, settingsErr := parseSettings(p.InitializationOptions)

	s.mu.Lock()
	s.client = c
	s.folders = folders
	s.settings = set
	s.state = stateInitialized
	s.mu.Unlock()
	s.applyLogLevel(set.LogLevel)
	if settingsErr != nil {
		s.showMessage(MessageError, "exportdb: invalid initializationOptions: %v", settingsErr)
	}
	s.log.Info("initialize", zap.String("client", c.name), zap.Stringer("positionEncoding", c.encoding),
		zap.Bool("pullDiagnostics", c.pull), zap.Int("folders", len(folders)))

	var res InitializeResult
	res.ServerInfo = ServerInfo{Name: "exportdb", Version: s.version}
	caps2 := &res.Capabilities
	caps2.PositionEncoding = c.encoding.String()
	caps2.TextDocumentSync = TextDocumentSyncOptions{OpenClose: true, Change: 2, Save: &SaveOptions{}}
	caps2.HoverProvider = true
	if c.literalActions {
		caps2.CodeActionProvider = CodeActionOptions{CodeActionKinds: []string{KindQuickFix, KindFixAllExportDB}}
	} else {
		caps2.CodeActionProvider = true
	}
	caps2.CodeLensProvider = &CodeLensOptions{}
	caps2.ExecuteCommandProvider = &ExecuteCommandOptions{Commands: []string{cmdApplyAllFixes, cmdShowCase, cmdDebugInfo, cmdScanWorkspace}}
	if c.pull {
		caps2.DiagnosticProvider = &DiagnosticOptions{Identifier: "exportdb"}
	}
	caps2.Workspace.WorkspaceFolders.Supported = true
	caps2.Workspace.WorkspaceFolders.ChangeNotifications = true
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
		s.mu.Unlock()
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
	var p CancelParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if id, ok := parseID(p.ID); ok {
		s.reqMu.Lock()
		cancel := s.inflight[id]
		s.reqMu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
	return nil, nil
}

// parseID reads a JSON-RPC id (a number or a string).
func parseID(raw json.RawMessage) (jsonrpc2.ID, bool) {
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return jsonrpc2.NewNumberID(n), true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return jsonrpc2.NewStringID(str), true
	}
	return jsonrpc2.ID{}, false
}
