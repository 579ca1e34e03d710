package lsp

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func scanWorkspace(t *testing.T) (dir string, want map[string]int) {
	t.Helper()
	dir = t.TempDir()
	round, _ := fixture(t, roundModel)
	writeFile(t, filepath.Join(dir, "pyproject.toml"), "[tool.exportdb]\nexclude = [\"build/\", \"gen_*.py\"]\n")
	writeFile(t, filepath.Join(dir, "a.py"), round)
	writeFile(t, filepath.Join(dir, "sub", "b.py"), "import torch\nx = torch.ones(2)\n")
	writeFile(t, filepath.Join(dir, "open.py"), round)
	// .gitignore files are honoured as `exportdb check .` honours them
	writeFile(t, filepath.Join(dir, ".gitignore"), "*_pb2.py\nscratch/\n")
	writeFile(t, filepath.Join(dir, "sub", ".gitignore"), "/local.py\n")
	for _, skipped := range []string{".venv/lib/c.py", "node_modules/d.py", "build/e.py", "sub/gen_f.py", "__pycache__/g.py", ".git/h.py", "notes.txt",
		"model_pb2.py", "sub/deep/x_pb2.py", "scratch/try.py", "sub/local.py"} {
		writeFile(t, filepath.Join(dir, skipped), round)
	}
	return dir, map[string]int{"a.py": 1, "sub/b.py": 0}
}

func TestWorkspaceScan(t *testing.T) {
	dir, want := scanWorkspace(t)
	c := newTestClient(t, roundOnly)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	openURI := pathToURI(filepath.Join(dir, "open.py"))
	text, _ := fixture(t, roundModel)
	c.open(openURI, text)
	c.diagsFor(openURI, 1)

	var token string
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdScanWorkspace}, &token)
	end := waitProgressEnd(t, c, token)
	if !strings.Contains(end.Message, "scanned 2 Python files: 1 with findings") {
		t.Errorf("end message %q", end.Message)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// the scan's token, besides the workspace index's (project.go)
	others := slices.DeleteFunc(slices.Clone(c.created), func(s string) bool { return s == "exportdb-index" })
	if len(others) != 1 || others[0] != token {
		t.Errorf("progress tokens created %v, want %s (and exportdb-index)", c.created, token)
	}
	var kinds []string
	for _, p := range c.progress {
		if p.Token == token {
			v := p.Value.(map[string]any)
			kinds = append(kinds, v["kind"].(string))
			if v["kind"] == "begin" && v["cancellable"] != true {
				t.Errorf("begin %+v: want cancellable", v)
			}
		}
	}
	if len(kinds) < 3 || kinds[0] != "begin" || kinds[len(kinds)-1] != "end" || kinds[1] != "report" {
		t.Errorf("progress kinds %v, want begin, report..., end", kinds)
	}
	published := map[string]int{}
	for uri, list := range c.diags {
		if uri == openURI {
			if len(list) != 1 || list[0].Version == nil {
				t.Errorf("the open document was published by the scan: %+v", list)
			}
			continue
		}
		rel, _ := filepath.Rel(dir, uriToPath(uri))
		published[filepath.ToSlash(rel)] = len(list[len(list)-1].Diagnostics)
	}
	if len(published) != len(want) {
		t.Errorf("published %v, want %v", published, want)
	}
	for f, n := range want {
		if got, ok := published[f]; !ok || got != n {
			t.Errorf("%s: %d diagnostics (published %v), want %d", f, got, ok, n)
		}
	}
}

func waitProgressEnd(t *testing.T, c *testClient, token string) workDoneProgress {
	t.Helper()
	var end workDoneProgress
	c.waitFor("the end of the scan", func() bool {
		for _, p := range c.progress {
			if v, ok := p.Value.(map[string]any); ok && p.Token == token && v["kind"] == "end" {
				b, _ := json.Marshal(v)
				_ = json.Unmarshal(b, &end)
				return true
			}
		}
		return false
	})
	return end
}

func TestWorkspaceScanCancel(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 50; i++ {
		writeFile(t, filepath.Join(dir, "m"+strconv.Itoa(i)+".py"), "x = 1\n")
	}
	started := make(chan struct{}, 64)
	release := make(chan struct{})
	c := newTestClient(t, roundOnly, func(s *Server) {
		s.testScanHook = func(string) {
			started <- struct{}{}
			<-release
		}
	})
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}},
		InitializationOptions: json.RawMessage(`{"exportdb":{"scanWorkspaceOnStartup":true}}`)})
	<-started // the scan started on its own (scanWorkspaceOnStartup) and is inside a file
	var token string
	c.waitFor("the scan's progress token", func() bool {
		for _, tok := range c.created {
			if tok != "exportdb-index" { // the workspace index's (project.go)
				token = tok
				return true
			}
		}
		return false
	})
	// a pointer: v0.12's ProgressToken marshals only when addressable (see protocol.go)
	c.notify("window/workDoneProgress/cancel", &protocol.WorkDoneProgressCancelParams{Token: *protocol.NewProgressToken(token)})
	// wait until the server has seen the cancellation before letting the files go
	c.mustCall("workspace/executeCommand", protocol.ExecuteCommandParams{Command: cmdDebugInfo}, nil)
	close(release)
	end := waitProgressEnd(t, c, token)
	if !strings.Contains(end.Message, "cancelled") {
		t.Fatalf("end %q, want cancelled", end.Message)
	}
	if n := len(c.diags); n > 4 {
		t.Errorf("%d files published after cancelling, want only those in flight", n)
	}
}
