//go:build unix

package lsp

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.lsp.dev/protocol"
)

// TestHostileWorkspace (issue 16): files a repository can hold that crashed the server
// (a 4 MiB expression nested 4 million deep overflowed the analysis's stack, a fatal error
// no recover catches) or that the workspace scan analysed past the editor's limit. With
// scanWorkspaceOnStartup, every start of the server scans them: each gets a file_error,
// the other files their findings, and the server keeps answering, also when such a file is
// opened.
func TestHostileWorkspace(t *testing.T) {
	dir := t.TempDir()
	round, _ := fixture(t, roundModel)
	deep := "import torch\ny = " + strings.Repeat("-", 4<<20-100) + "x\n"
	writeFile(t, filepath.Join(dir, "ok.py"), round)
	writeFile(t, filepath.Join(dir, "deep.py"), deep)
	writeFile(t, filepath.Join(dir, "sum.py"), "import torch\ny = "+strings.Repeat("x+", 3_500_000)+"x\n")
	for restart := 0; restart < 2; restart++ {
		c := newTestClient(t, roundOnly)
		c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}},
			InitializationOptions: json.RawMessage(`{"exportdb":{"scanWorkspaceOnStartup":true}}`)})
		var token string
		c.waitFor("the scan's progress token", func() bool {
			for _, tok := range c.created {
				if strings.HasPrefix(tok, "exportdb-scan-") { // not the workspace index's
					token = tok
					return true
				}
			}
			return false
		})
		end := waitProgressEnd(t, c, token)
		if !strings.Contains(end.Message, "scanned 3 Python files") {
			t.Errorf("scan: %q", end.Message)
		}
		for name, want := range map[string]string{
			"ok.py":   "dynamic_shape_round",
			"deep.py": "file not analysed: file is too complex to analyse",
			"sum.py":  "file not analysed: file is larger than 4 MiB, the editor's limit",
		} {
			got := c.diagsFor(pathToURI(filepath.Join(dir, name)), -1)
			if len(got.Diagnostics) != 1 || !strings.Contains(string(got.Diagnostics[0].Code.(string))+" "+got.Diagnostics[0].Message, want) {
				t.Errorf("start %d, %s: %+v, want one diagnostic with %q", restart+1, name, got.Diagnostics, want)
			}
		}
		if restart == 1 {
			// opened, the deep file gets the same diagnostic, and the server goes on answering
			uri := pathToURI(filepath.Join(dir, "deep.py"))
			c.open(uri, deep)
			if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 1 || got.Diagnostics[0].Code != "file_error" {
				t.Errorf("the deep file opened: %+v", got.Diagnostics)
			}
		}
		c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, nil)
		if err := c.shutdown(); err != nil {
			t.Errorf("exit: %v", err)
		}
	}
}

// TestConfigNamedPipe (issue 16): an exportdb.toml that is a named pipe hung the server's
// configuration read: that folder's diagnostics never came, and the server did not exit
// after shutdown and exit. It is now a configuration error, shown and put on the file, and
// the documents are analysed with the editor's settings.
func TestConfigNamedPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "exportdb.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, roundOnly)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	text, _ := fixture(t, roundModel)
	uri := pathToURI(filepath.Join(dir, "model.py"))
	c.open(uri, text)
	if got := c.diagsFor(uri, 1); len(got.Diagnostics) != 1 {
		t.Errorf("diagnostics: %+v", got.Diagnostics)
	}
	c.waitFor("the configuration error", func() bool {
		for _, m := range c.messages {
			if strings.Contains(m.Message, "exportdb.toml: cannot read: not a regular file (a named pipe)") {
				return true
			}
		}
		return false
	})
	if err := c.shutdown(); err != nil {
		t.Errorf("exit: %v", err)
	}
}
