package lsp

import (
	"encoding/json"

	"go.lsp.dev/protocol"
)

// The LSP types come from go.lsp.dev/protocol v0.12.0 (LSP 3.16) wherever its type has the
// wire shape the protocol specifies. This file declares only what v0.12 lacks or gets
// wrong, each with the reason:
//
//   - LSP 3.17: position encoding negotiation (general.positionEncodings,
//     capabilities.positionEncoding), pull diagnostics (textDocument.diagnostic,
//     diagnosticProvider, textDocument/diagnostic and its reports),
//     workspace.diagnostics.refreshSupport, and notebook document sync (its types are in
//     notebook_protocol.go).
//   - TextDocumentContentChangeEvent: v0.12's Range is a value, so a whole-document change
//     (no range) and an insert at 0:0 decode alike.
//   - PublishDiagnosticsParams: v0.12's Version is a uint32 with omitempty, so version 0
//     (Neovim's first version of every buffer) vanishes from the wire.
//   - WorkspaceEdit: v0.12's DocumentChanges holds text edits only; a file the server
//     creates (the configuration file exportdb.declareDims writes) needs a CreateFile
//     before its edit (applyEditParams).
//   - Progress: v0.12's ProgressToken marshals through a pointer receiver, so
//     encoding/json writes a token held by value (as in ProgressParams) as {}; and
//     WorkDoneProgressBegin/Report drop a 0 percentage (omitempty on uint32), which turns
//     a determinate progress bar into an indeterminate one.
//
// Payloads are encoded and decoded with encoding/json (v1 semantics) and handed to
// jsonrpc2 as json.RawMessage, which it passes through verbatim.

// Code action kinds of ours.
const (
	KindFixAllExportDB protocol.CodeActionKind = "source.fixAll.exportdb"
)

// ---- initialize (3.17 additions) ----

// initializeParams317 is the part of initialize that v0.12 does not decode: the 3.17
// client capabilities the server acts on, and initializationOptions as raw JSON (v0.12
// decodes it into an interface{}).
type initializeParams317 struct {
	InitializationOptions json.RawMessage `json:"initializationOptions,omitempty"`
	Capabilities          struct {
		General struct {
			// PositionEncodings lists the encodings the client supports, preferred first.
			PositionEncodings []string `json:"positionEncodings,omitempty"`
		} `json:"general"`
		TextDocument struct {
			// Diagnostic is non-nil when the client supports pull diagnostics.
			Diagnostic *diagnosticClientCapabilities `json:"diagnostic,omitempty"`
		} `json:"textDocument"`
		Workspace struct {
			Diagnostics *diagnosticWorkspaceClientCapabilities `json:"diagnostics,omitempty"`
		} `json:"workspace"`
	} `json:"capabilities"`
}

// diagnosticClientCapabilities is textDocument.diagnostic (3.17).
type diagnosticClientCapabilities struct {
	DynamicRegistration    bool `json:"dynamicRegistration,omitempty"`
	RelatedDocumentSupport bool `json:"relatedDocumentSupport,omitempty"`
}

// diagnosticWorkspaceClientCapabilities is workspace.diagnostics (3.17): whether the
// client handles workspace/diagnostic/refresh.
type diagnosticWorkspaceClientCapabilities struct {
	RefreshSupport bool `json:"refreshSupport,omitempty"`
}

// initializeResult answers initialize with v0.12's capabilities plus the 3.17 ones.
type initializeResult struct {
	Capabilities serverCapabilities   `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}

// serverCapabilities is v0.12's ServerCapabilities (its fields are inlined on the wire)
// plus the 3.17 ones.
type serverCapabilities struct {
	protocol.ServerCapabilities
	// PositionEncoding is the negotiated encoding.
	PositionEncoding string `json:"positionEncoding"`
	// DiagnosticProvider is set only for clients that pull diagnostics.
	DiagnosticProvider *diagnosticOptions `json:"diagnosticProvider,omitempty"`
	// NotebookDocumentSync asks for Jupyter notebooks' Python cells (notebook_protocol.go).
	NotebookDocumentSync *notebookDocumentSyncOptions `json:"notebookDocumentSync,omitempty"`
}

// diagnosticOptions configures pull diagnostics (3.17).
type diagnosticOptions struct {
	Identifier            string `json:"identifier,omitempty"`
	InterFileDependencies bool   `json:"interFileDependencies"`
	WorkspaceDiagnostics  bool   `json:"workspaceDiagnostics"`
}

// ---- text synchronisation ----

// didChangeTextDocumentParams is textDocument/didChange, decoded with our change type.
type didChangeTextDocumentParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []textDocumentContentChangeEvent         `json:"contentChanges"`
}

// textDocumentContentChangeEvent is one change. Range is a pointer: nil means the whole
// document is replaced by Text.
type textDocumentContentChangeEvent struct {
	Range       *protocol.Range `json:"range,omitempty"`
	RangeLength *uint32         `json:"rangeLength,omitempty"` // deprecated; ignored
	Text        string          `json:"text"`
}

// ---- diagnostics ----

// publishDiagnosticsParams is textDocument/publishDiagnostics. Version is a pointer so
// that version 0 is sent; Diagnostics is never nil: an empty list clears the document.
type publishDiagnosticsParams struct {
	URI         protocol.DocumentURI  `json:"uri"`
	Version     *int32                `json:"version,omitempty"`
	Diagnostics []protocol.Diagnostic `json:"diagnostics"`
}

// documentDiagnosticParams is textDocument/diagnostic (3.17 pull diagnostics).
type documentDiagnosticParams struct {
	TextDocument     protocol.TextDocumentIdentifier `json:"textDocument"`
	Identifier       string                          `json:"identifier,omitempty"`
	PreviousResultID string                          `json:"previousResultId,omitempty"`
}

// fullDocumentDiagnosticReport is a "full" report; Items is present even when empty.
type fullDocumentDiagnosticReport struct {
	Kind     string                `json:"kind"` // "full"
	ResultID string                `json:"resultId,omitempty"`
	Items    []protocol.Diagnostic `json:"items"`
}

// unchangedDocumentDiagnosticReport says the client's previous result still holds.
type unchangedDocumentDiagnosticReport struct {
	Kind     string `json:"kind"` // "unchanged"
	ResultID string `json:"resultId"`
}

// ---- progress ----

// workDoneProgressCreateParams is window/workDoneProgress/create with a string token (the
// server only issues strings).
type workDoneProgressCreateParams struct {
	Token string `json:"token"`
}

// progressParams is $/progress with a string token.
type progressParams struct {
	Token string `json:"token"`
	Value any    `json:"value"`
}

// workDoneProgress is the value of a $/progress notification: begin, report or end.
// Percentage is a pointer so that 0% is sent.
type workDoneProgress struct {
	Kind        protocol.WorkDoneProgressKind `json:"kind"`
	Title       string                        `json:"title,omitempty"`
	Cancellable bool                          `json:"cancellable,omitempty"`
	Message     string                        `json:"message,omitempty"`
	Percentage  *uint32                       `json:"percentage,omitempty"`
}

// ---- workspace/applyEdit with resource operations ----

// applyEditParams is workspace/applyEdit's parameter whose documentChanges may hold
// resource operations (protocol.CreateFile) as well as protocol.TextDocumentEdit.
type applyEditParams struct {
	Label string `json:"label,omitempty"`
	Edit  struct {
		Changes         map[protocol.DocumentURI][]protocol.TextEdit `json:"changes,omitempty"`
		DocumentChanges []any                                        `json:"documentChanges,omitempty"`
	} `json:"edit"`
}
