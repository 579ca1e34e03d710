package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/rules"
	"github.com/exportdb-lsp/exportdb-lsp/check"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// The workspace scan publishes diagnostics for every Python file of the workspace
// folders that is not open in the editor, reporting $/progress (when the client supports
// window/workDoneProgress) and stopping when the client cancels the progress. It finds
// files as `exportdb check` does (check.Walk: .gitignore and the configured excludes
// honoured), except that it follows no symbolic link at all: it reads only files under the
// workspace folders.

// skipDirs are directories the scan never enters, even when no .gitignore names them:
// virtual environments, caches and installed packages are not the user's code.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".bzr": true, ".venv": true, "venv": true, ".tox": true,
	".nox": true, ".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true, "__pycache__": true,
	"__pypackages__": true, "node_modules": true, "site-packages": true, ".eggs": true, ".direnv": true,
}

// startScan starts a scan of the workspace folders and returns its progress token.
func (s *Server) startScan() (string, bool) {
	s.mu.Lock()
	var roots []string
	for _, f := range s.folders {
		if p := uriToPath(protocol.DocumentURI(f.URI)); p != "" {
			roots = append(roots, p)
		}
	}
	if len(roots) == 0 || s.state != stateInitialized {
		s.mu.Unlock()
		return "", false
	}
	s.nextTok++
	token := fmt.Sprintf("exportdb-scan-%d", s.nextTok)
	ctx, cancel := context.WithCancel(s.ctx)
	s.scans[token] = cancel
	progress := s.client.workDoneProgress
	s.mu.Unlock()
	started := s.goSafe("workspace scan", func() {
		defer func() {
			cancel()
			s.mu.Lock()
			delete(s.scans, token)
			s.mu.Unlock()
		}()
		s.scan(ctx, token, roots, progress)
	})
	if !started {
		cancel()
		return "", false
	}
	return token, true
}

func (s *Server) scan(ctx context.Context, token string, roots []string, progress bool) {
	if progress {
		cctx, cancel := context.WithTimeout(ctx, clientCallTimeout)
		err := s.call(cctx, "window/workDoneProgress/create", workDoneProgressCreateParams{Token: token}, nil)
		cancel()
		if err != nil {
			s.log.Debug("window/workDoneProgress/create failed; scanning without progress", zap.Error(err))
			progress = false
		}
	}
	report := func(v workDoneProgress) {
		if progress {
			s.notify("$/progress", progressParams{Token: token, Value: v})
		}
	}
	zero := uint32(0)
	report(workDoneProgress{Kind: "begin", Title: "exportdb: scanning workspace", Cancellable: true, Message: "finding Python files", Percentage: &zero})

	files := s.scanFiles(ctx, roots)
	s.log.Info("workspace scan", zap.Int("files", len(files)))

	var (
		next, done, withFindings atomic.Int64
		lastPct                  atomic.Int64
		mu                       sync.Mutex
		published                = map[protocol.DocumentURI]bool{}
		wg                       sync.WaitGroup
	)
	lastPct.Store(-1)
	workers := cap(s.parsers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.recoverPanic("workspace scan worker")
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				uri, n, ok := s.scanFile(ctx, files[i])
				if ok {
					mu.Lock()
					published[uri] = true
					mu.Unlock()
					if n > 0 {
						withFindings.Add(1)
					}
				}
				d := done.Add(1)
				pct := d * 100 / int64(len(files))
				if old := lastPct.Load(); pct > old && lastPct.CompareAndSwap(old, pct) {
					p := uint32(pct)
					report(workDoneProgress{Kind: "report", Message: fmt.Sprintf("%d/%d files", d, len(files)), Percentage: &p})
				}
			}
		}()
	}
	wg.Wait()

	// clear files an earlier scan published that this one did not (deleted, excluded, fixed
	// files are republished empty by scanFile)
	s.mu.Lock()
	var stale []protocol.DocumentURI
	if ctx.Err() == nil {
		for uri := range s.scanned {
			if !published[uri] {
				if _, open := s.docs[uri]; !open {
					stale = append(stale, uri)
				}
				delete(s.scanned, uri)
			}
		}
	}
	for uri := range published {
		s.scanned[uri] = true
	}
	s.mu.Unlock()
	sort.Slice(stale, func(i, j int) bool { return stale[i] < stale[j] })
	for _, uri := range stale {
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: []protocol.Diagnostic{}})
	}

	msg := fmt.Sprintf("scanned %d Python files: %d with findings", len(published), withFindings.Load())
	if ctx.Err() != nil {
		msg = fmt.Sprintf("cancelled after %d of %d files", done.Load(), len(files))
	}
	report(workDoneProgress{Kind: "end", Message: msg})
	s.log.Info("workspace scan done", zap.String("result", msg))
}

// scanFiles lists the Python files under roots that `exportdb check` would find there
// (check.Walk), less the skipDirs and symbolic links.
func (s *Server) scanFiles(ctx context.Context, roots []string) []string {
	var files []string
	seen := map[string]bool{}
	for _, root := range roots {
		err := check.Walk(root, check.WalkOptions{
			Skip: func(path string, isDir bool) bool {
				if ctx.Err() != nil {
					return true
				}
				if isDir {
					return skipDirs[filepath.Base(path)] || s.configFor(path).excluded(path+string(filepath.Separator))
				}
				return seen[path] || s.configFor(path).excluded(path)
			},
			Error: func(path string, err error) {
				s.log.Debug("workspace scan: cannot read", zap.String("path", path), zap.Error(err))
			},
		}, func(path string) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			// unlike check, not a symbolic link to a file either: the scan reads only files
			// under the workspace folders (README, Security)
			if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
				return nil
			}
			seen[path] = true
			files = append(files, path)
			return nil
		})
		if err != nil && ctx.Err() == nil {
			s.log.Warn("workspace scan: cannot walk a folder", zap.String("root", root), zap.Error(err))
		}
	}
	return files
}

// scanFile analyses one file that is not open and publishes its diagnostics. It returns
// the URI, the number of diagnostics and whether it published.
func (s *Server) scanFile(ctx context.Context, path string) (protocol.DocumentURI, int, bool) {
	uri := pathToURI(path)
	if s.testScanHook != nil {
		s.testScanHook(path)
	}
	if ctx.Err() != nil || s.isOpen(path) {
		return uri, 0, false
	}
	s.mu.Lock()
	enc, related := s.client.encoding, s.client.relatedInfo
	s.mu.Unlock()
	// the scan takes what the editor takes: a larger file gets the diagnostic an open one
	// would, not an analysis the editor would refuse it
	src, err := safefile.Read(path, maxEditorSource)
	if safefile.IsTooLarge(err) {
		diags := []protocol.Diagnostic{fileErrorDiagnostic(newLineIndex(nil), errEditorTooLarge, enc)}
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: diags})
		return uri, len(diags), true
	}
	if err != nil {
		return uri, 0, false
	}
	lines := newLineIndex(src)
	cfg := s.configFor(path)
	var diags []protocol.Diagnostic
	if err := analysis.CheckSource(src); err != nil {
		diags = []protocol.Diagnostic{fileErrorDiagnostic(lines, err, enc)}
	} else if !s.builtinRules || rules.MayReport(src) { // else no rule can report: not parsed
		p, err := s.parser(ctx)
		if err != nil {
			return uri, 0, false
		}
		file, err := analysis.Parse(ctx, p, src)
		s.release(p)
		switch {
		case ctx.Err() != nil:
			return uri, 0, false
		case err != nil: // too deeply nested, too complex: said as for an open document
			diags = []protocol.Diagnostic{fileErrorDiagnostic(lines, err, enc)}
		default:
			res := analysis.Analyze(ctx, file, s.rules, cfg.options(path))
			if ctx.Err() != nil {
				return uri, 0, false
			}
			diags, _ = toDiagnostics(uri, lines, res.Findings, enc, related)
		}
	}
	if s.isOpen(path) {
		return uri, 0, false // opened meanwhile: the document's own diagnostics rule
	}
	s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: diags})
	return uri, len(diags), true
}

// isOpen reports whether a file is open in the editor.
func (s *Server) isOpen(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.path == path {
			return true
		}
	}
	return false
}

func (s *Server) workDoneProgressCancel(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.WorkDoneProgressCancelParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	tok := p.Token.String()
	s.mu.Lock()
	cancel := s.scans[tok]
	s.mu.Unlock()
	if cancel != nil {
		s.log.Info("workspace scan cancelled by the client", zap.String("token", tok))
		cancel()
	}
	return nil, nil
}
