package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/config"
	"github.com/exportdb-lsp/exportdb-lsp/internal/safefile"
)

// Configuration: the project's pyproject.toml [tool.exportdb] or exportdb.toml, found by
// config.Discover from each document's directory, with the editor's settings applied over
// it by config.With, exactly as `exportdb check` applies its flags, so the editor and CI
// judge a file alike. Results are cached per directory until a configuration file or the
// settings change. An invalid configuration file is shown (window/showMessage and a
// diagnostic on the file at the offending line), and documents are then analysed with the
// editor's settings alone: never silence.

// settings are the editor's settings: initializationOptions or
// workspace/didChangeConfiguration, under the key "exportdb" or at the top level.
type settings struct {
	TorchVersion           string            `json:"torchVersion"`
	Strict                 *bool             `json:"strict"`
	Severity               map[string]string `json:"severity"`
	Select                 []string          `json:"select"`
	Ignore                 []string          `json:"ignore"`
	ExtendIgnore           []string          `json:"extendIgnore"`
	Exclude                []string          `json:"exclude"`
	LogLevel               string            `json:"logLevel"`
	ScanWorkspaceOnStartup bool              `json:"scanWorkspaceOnStartup"`
}

// parseSettings reads settings; absent or null settings are the zero value.
func parseSettings(raw json.RawMessage) (settings, error) {
	var set settings
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return set, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return set, fmt.Errorf("want an object: %v", err)
	}
	if inner, ok := top["exportdb"]; ok {
		raw = inner
		if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
			return set, nil
		}
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return settings{}, err
	}
	return set, nil
}

// overrides maps settings to config.Overrides; unset settings leave the file's values.
func (set settings) overrides() config.Overrides {
	return config.Overrides{
		TorchVersion: set.TorchVersion,
		Strict:       set.Strict,
		Select:       set.Select,
		Ignore:       set.Ignore,
		ExtendIgnore: set.ExtendIgnore,
		Severity:     set.Severity,
		Exclude:      set.Exclude,
	}
}

// settingName maps a config key to the editor setting's name.
func settingName(key string) string {
	switch {
	case key == "torch-version":
		return "torchVersion"
	case key == "extend-ignore":
		return "extendIgnore"
	}
	return key
}

// projectConfig is the configuration in force for one directory.
type projectConfig struct {
	cfg *config.Config // never nil
}

func (c *projectConfig) options(file string) analysis.Options { return c.cfg.Options(file) }

func (c *projectConfig) excluded(path string) bool {
	return path != "" && c.cfg.Excluded(path)
}

// configEntry caches the configuration of one directory.
type configEntry struct {
	cfg *projectConfig
}

// configFor returns the configuration in force for a document's path ("" for documents
// that are not files: the first workspace folder's configuration).
func (s *Server) configFor(path string) *projectConfig {
	s.mu.Lock()
	dir := ""
	if path != "" {
		dir = filepath.Dir(path)
	} else if len(s.folders) > 0 {
		dir = uriToPath(protocol.DocumentURI(s.folders[0].URI))
	}
	if e := s.configs[dir]; e != nil {
		s.mu.Unlock()
		return e.cfg
	}
	set, gen := s.settings, s.cfgGen
	s.mu.Unlock()

	pc, errs := loadConfig(dir, set)
	s.mu.Lock()
	switch e := s.configs[dir]; {
	case s.cfgGen != gen:
		// settings or files changed while loading: use this result once, cache nothing
		// (the document is re-analysed in the new generation anyway)
	case e != nil:
		pc = e.cfg // another goroutine got there first
		errs = nil
	default:
		s.configs[dir] = &configEntry{cfg: pc}
	}
	s.mu.Unlock()
	s.reportConfigErrors(errs)
	return pc
}

// loadConfig discovers the configuration for dir and applies the editor's settings. It
// always returns a usable configuration, with the problems found on the way.
func loadConfig(dir string, set settings) (*projectConfig, []*config.Error) {
	var errs []*config.Error
	var base *config.Config
	if dir != "" {
		c, err := config.Discover(dir)
		if err != nil {
			errs = append(errs, asConfigError(err))
		} else {
			base = c
		}
	}
	if base == nil {
		base = &config.Config{}
	}
	eff, err := base.With(set.overrides())
	if err != nil {
		ce := asConfigError(err)
		if ce.File == "" {
			ce.Key = settingName(ce.Key)
		}
		errs = append(errs, ce)
		eff = base
	}
	return &projectConfig{cfg: eff}, errs
}

func asConfigError(err error) *config.Error {
	var ce *config.Error
	if errors.As(err, &ce) {
		c := *ce
		return &c
	}
	return &config.Error{Msg: err.Error()}
}

// reportConfigErrors shows each problem once per configuration generation: a message, and
// a diagnostic on the configuration file when the problem is in one.
func (s *Server) reportConfigErrors(errs []*config.Error) {
	if len(errs) == 0 {
		return
	}
	s.mu.Lock()
	var fresh []*config.Error
	for _, e := range errs {
		k := e.Error()
		if s.cfgReported == nil {
			s.cfgReported = map[string]bool{}
		}
		if !s.cfgReported[k] {
			s.cfgReported[k] = true
			fresh = append(fresh, e)
		}
	}
	s.mu.Unlock()
	byFile := map[string][]*config.Error{}
	for _, e := range fresh {
		if e.File == "" {
			s.showMessage(protocol.MessageTypeError, "exportdb: invalid setting %s: %s", e.Key, e.Msg)
			continue
		}
		s.showMessage(protocol.MessageTypeError, "exportdb: invalid configuration: %s", e.Error())
		byFile[e.File] = append(byFile[e.File], e)
	}
	for file, list := range byFile {
		s.publishConfigDiagnostics(file, list)
	}
}

// publishConfigDiagnostics puts the problems of one configuration file on its lines.
func (s *Server) publishConfigDiagnostics(file string, errs []*config.Error) {
	abs, _ := filepath.Abs(file)
	uri := pathToURI(abs)
	text, _ := safefile.Read(abs, config.MaxFileSize) // for the lines only: an unreadable file puts them on line 1
	lines := newLineIndex(text)
	s.mu.Lock()
	enc := s.client.encoding
	s.cfgDiags[uri] = true
	s.mu.Unlock()
	diags := make([]protocol.Diagnostic, 0, len(errs))
	for _, e := range errs {
		l := e.Line - 1
		if l < 0 || l >= lines.lineCount() {
			l = 0
		}
		start := lines.starts[l]
		end := lines.lineEnd(l)
		msg := e.Msg
		if e.Key != "" {
			msg = e.Key + ": " + e.Msg
		}
		diags = append(diags, protocol.Diagnostic{Range: lines.rangeOf(start, end, enc), Severity: protocol.DiagnosticSeverityError,
			Code: "invalid_config", Source: "exportdb", Message: msg})
	}
	s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: diags})
}

// isConfigFile reports whether a file name is one config.Discover reads.
func isConfigFile(base string) bool {
	return base == config.PyprojectTOML || base == config.ExportdbTOML
}

// configFilesChanged forgets every cached configuration, re-reads the configurations of the
// open documents (reporting problems, clearing the diagnostics of files that are fixed)
// and re-analyses them.
func (s *Server) configFilesChanged() {
	s.mu.Lock()
	old := s.cfgDiags
	s.cfgDiags = map[protocol.DocumentURI]bool{}
	s.configs = map[string]*configEntry{}
	s.cfgGen++
	s.cfgReported = nil
	paths := make([]string, 0, len(s.docs))
	for _, d := range s.docs {
		paths = append(paths, d.path)
	}
	s.mu.Unlock()
	for _, p := range paths {
		s.configFor(p)
	}
	s.mu.Lock()
	var cleared []protocol.DocumentURI
	for uri := range old {
		if !s.cfgDiags[uri] {
			cleared = append(cleared, uri)
		}
	}
	s.mu.Unlock()
	sort.Slice(cleared, func(i, j int) bool { return cleared[i] < cleared[j] })
	for _, uri := range cleared {
		s.notify("textDocument/publishDiagnostics", publishDiagnosticsParams{URI: uri, Diagnostics: []protocol.Diagnostic{}})
	}
	s.refreshDiagnostics()
}

// applySettings installs new editor settings and re-analyses everything.
func (s *Server) applySettings(set settings) {
	s.mu.Lock()
	s.settings = set
	s.mu.Unlock()
	s.applyLogLevel(set.LogLevel)
	s.configFilesChanged()
}

func (s *Server) applyLogLevel(name string) {
	if name == "" || s.level == nil {
		return
	}
	var l zapcore.Level
	if err := l.UnmarshalText([]byte(strings.ToLower(name))); err != nil {
		s.showMessage(protocol.MessageTypeWarning, "exportdb: invalid logLevel %q: want debug, info, warn or error", name)
		return
	}
	s.level.SetLevel(l)
}

func (s *Server) didChangeConfiguration(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidChangeConfigurationParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if p.Settings == nil {
		// VS Code's client sends null settings and expects us to pull them.
		s.mu.Lock()
		pull := s.client.configuration
		s.mu.Unlock()
		if pull {
			s.goSafe("fetch configuration", s.fetchConfiguration)
		}
		return nil, nil
	}
	// v0.12 decodes settings into an interface{}; encode them again for parseSettings
	raw, err := json.Marshal(p.Settings)
	if err != nil {
		return nil, err
	}
	set, err := parseSettings(raw)
	if err != nil {
		s.showMessage(protocol.MessageTypeError, "exportdb: invalid settings: %v", err)
		return nil, nil
	}
	s.applySettings(set)
	return nil, nil
}

// fetchConfiguration asks the client for the "exportdb" section (workspace/configuration).
func (s *Server) fetchConfiguration() {
	var res []json.RawMessage
	err := s.callBounded("workspace/configuration", protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "exportdb"}}}, &res)
	if err != nil {
		s.log.Debug("workspace/configuration failed", zap.Error(err))
		return
	}
	if len(res) == 0 {
		return
	}
	if t := bytes.TrimSpace(res[0]); len(t) == 0 || string(t) == "null" || string(t) == "{}" {
		return
	}
	set, err := parseSettings(res[0])
	if err != nil {
		s.showMessage(protocol.MessageTypeError, "exportdb: invalid settings: %v", err)
		return
	}
	s.applySettings(set)
}

// registerConfigWatchers asks the client to report changes of configuration files.
func (s *Server) registerConfigWatchers() {
	opts := protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: []protocol.FileSystemWatcher{
		{GlobPattern: "**/" + config.PyprojectTOML},
		{GlobPattern: "**/" + config.ExportdbTOML},
		{GlobPattern: "**/*.py"}, // the project's other files (project.go)
	}}
	err := s.callBounded("client/registerCapability", protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID: "exportdb-config-files", Method: "workspace/didChangeWatchedFiles", RegisterOptions: opts,
	}}}, nil)
	if err != nil {
		s.log.Warn("registering configuration file watchers failed", zap.Error(err))
	}
}

func (s *Server) didChangeWatchedFiles(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidChangeWatchedFilesParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	config := false
	for _, c := range p.Changes {
		path := uriToPath(c.URI)
		if isConfigFile(filepath.Base(path)) {
			config = true
		} else if strings.HasSuffix(path, ".py") && s.project != nil {
			s.fileChangedOnDisk(path)
		}
	}
	if config {
		s.configFilesChanged()
	}
	return nil, nil
}

func (s *Server) didChangeWorkspaceFolders(_ context.Context, params json.RawMessage) (any, error) {
	var p protocol.DidChangeWorkspaceFoldersParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := map[string]bool{}
	for _, f := range p.Event.Removed {
		removed[f.URI] = true
	}
	var folders []protocol.WorkspaceFolder
	for _, f := range s.folders {
		if !removed[f.URI] {
			folders = append(folders, f)
		}
	}
	s.folders = append(folders, p.Event.Added...)
	return nil, nil
}
