package lsp

import (
	"context"
	"encoding/json"
	"sort"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/catalog"
)

// exportdb/documentStatus: what the server judges a document by, for a client's status bar
// (the VS Code extension shows the target torch version of the active editor). A request of
// our own, answered without side effects (exportdb.debugInfo also pops up a message).

type documentStatusParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
}

// documentStatus is the answer. TorchVersion is the version findings are judged for, and
// TorchVersionFrom says where it comes from: the configuration file's path, "settings" (an
// editor setting), or "" (the newest version the catalog knows).
type documentStatus struct {
	TorchVersion     string `json:"torchVersion"`
	TorchVersionFrom string `json:"torchVersionFrom"`
	Strict           bool   `json:"strict"` // false when the settings or configuration fix non-strict mode
	// Mode is how the export mode is chosen: "strict" or "non-strict" (fixed by the settings
	// or configuration), or "export calls" (the strict= of the calls that trace the code).
	Mode       string   `json:"mode"`
	ConfigFile string   `json:"configFile"` // "" when none applies
	Module     string   `json:"module"`     // the document's module name in the project; "" when it has none
	Linked     []string `json:"linked"`     // the project modules its analysis links
	IndexReady bool     `json:"indexReady"` // the workspace index is built
}

func (s *Server) documentStatus(_ context.Context, params json.RawMessage) (any, error) {
	var p documentStatusParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	path := uriToPath(p.TextDocument.URI)
	pc := s.configFor(path)
	opts := pc.options(path)
	st := documentStatus{
		TorchVersion: opts.TargetVersion().String(), Strict: !opts.NonStrict, Mode: exportMode(opts), ConfigFile: pc.cfg.Path, Linked: []string{},
	}
	s.mu.Lock()
	fromSettings := s.settings.TorchVersion != ""
	if d := s.docs[p.TextDocument.URI]; d != nil {
		st.Module = d.module
		for m := range d.deps {
			st.Linked = append(st.Linked, m)
		}
	}
	proj := s.project
	s.mu.Unlock()
	sort.Strings(st.Linked)
	switch {
	case fromSettings:
		st.TorchVersionFrom = "settings"
	case !pc.cfg.Target.IsZero():
		st.TorchVersionFrom = pc.cfg.Path
	default:
		st.TorchVersion = catalog.Default().LatestVersion().String()
	}
	if proj != nil {
		proj.mu.Lock()
		st.IndexReady = proj.indexed
		proj.mu.Unlock()
	}
	return st, nil
}

// exportMode says how opts choose the export mode findings are judged for.
func exportMode(opts analysis.Options) string {
	switch {
	case opts.NonStrict:
		return "non-strict"
	case opts.Strict:
		return "strict"
	}
	return "export calls"
}
