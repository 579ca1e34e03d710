package lsp

import (
	"encoding/json"

	"go.lsp.dev/protocol"
)

// LSP 3.17 notebook document synchronization (notebookDocument/didOpen, didChange,
// didSave, didClose and the notebookDocumentSync server capability). go.lsp.dev/protocol
// v0.12 implements LSP 3.16, which has no notebooks, so the types the server uses are
// declared here, as the 3.17 specification defines them. Metadata is kept as raw JSON:
// the server reads none of it.

// Notebook cell kinds (NotebookCellKind).
const (
	cellKindMarkup = 1
	cellKindCode   = 2
)

// notebookDocumentSyncOptions is the notebookDocumentSync server capability.
type notebookDocumentSyncOptions struct {
	NotebookSelector []notebookSelector `json:"notebookSelector"`
	Save             bool               `json:"save,omitempty"`
}

// notebookSelector selects notebooks (by a NotebookDocumentFilter) and the cells of them
// to sync (by language).
type notebookSelector struct {
	Notebook *notebookDocumentFilter `json:"notebook,omitempty"`
	Cells    []notebookCellSelector  `json:"cells,omitempty"`
}

// notebookDocumentFilter is a NotebookDocumentFilter; at least one field is set.
type notebookDocumentFilter struct {
	NotebookType string `json:"notebookType,omitempty"`
	Scheme       string `json:"scheme,omitempty"`
	Pattern      string `json:"pattern,omitempty"`
}

type notebookCellSelector struct {
	Language string `json:"language"`
}

// notebookDocument is a NotebookDocument.
type notebookDocument struct {
	URI          protocol.DocumentURI `json:"uri"`
	NotebookType string               `json:"notebookType"`
	Version      int32                `json:"version"`
	Metadata     json.RawMessage      `json:"metadata,omitempty"`
	Cells        []notebookCell       `json:"cells"`
}

// notebookCell is a NotebookCell: its text is the text document Document.
type notebookCell struct {
	Kind             int                  `json:"kind"`
	Document         protocol.DocumentURI `json:"document"`
	Metadata         json.RawMessage      `json:"metadata,omitempty"`
	ExecutionSummary json.RawMessage      `json:"executionSummary,omitempty"`
}

type didOpenNotebookDocumentParams struct {
	NotebookDocument  notebookDocument            `json:"notebookDocument"`
	CellTextDocuments []protocol.TextDocumentItem `json:"cellTextDocuments"`
}

type versionedNotebookDocumentIdentifier struct {
	Version int32                `json:"version"`
	URI     protocol.DocumentURI `json:"uri"`
}

type notebookDocumentIdentifier struct {
	URI protocol.DocumentURI `json:"uri"`
}

type didChangeNotebookDocumentParams struct {
	NotebookDocument versionedNotebookDocumentIdentifier `json:"notebookDocument"`
	Change           notebookDocumentChangeEvent         `json:"change"`
}

// notebookDocumentChangeEvent is one change of a notebook: its metadata, its cell array
// (with the text documents of cells added and removed), cells' kinds or metadata, and
// cells' text.
type notebookDocumentChangeEvent struct {
	Metadata json.RawMessage    `json:"metadata,omitempty"`
	Cells    *notebookCellsDiff `json:"cells,omitempty"`
}

type notebookCellsDiff struct {
	Structure   *notebookStructureChange `json:"structure,omitempty"`
	Data        []notebookCell           `json:"data,omitempty"`
	TextContent []notebookCellText       `json:"textContent,omitempty"`
}

type notebookStructureChange struct {
	Array    notebookCellArrayChange           `json:"array"`
	DidOpen  []protocol.TextDocumentItem       `json:"didOpen,omitempty"`
	DidClose []protocol.TextDocumentIdentifier `json:"didClose,omitempty"`
}

// notebookCellArrayChange replaces DeleteCount cells at Start with Cells.
type notebookCellArrayChange struct {
	Start       uint32         `json:"start"`
	DeleteCount uint32         `json:"deleteCount"`
	Cells       []notebookCell `json:"cells,omitempty"`
}

// notebookCellText is a change of one cell's text, as textDocument/didChange would carry
// it (our change type: see textDocumentContentChangeEvent).
type notebookCellText struct {
	Document protocol.VersionedTextDocumentIdentifier `json:"document"`
	Changes  []textDocumentContentChangeEvent         `json:"changes"`
}

type didSaveNotebookDocumentParams struct {
	NotebookDocument notebookDocumentIdentifier `json:"notebookDocument"`
}

type didCloseNotebookDocumentParams struct {
	NotebookDocument  notebookDocumentIdentifier        `json:"notebookDocument"`
	CellTextDocuments []protocol.TextDocumentIdentifier `json:"cellTextDocuments"`
}
