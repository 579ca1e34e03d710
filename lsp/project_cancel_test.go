package lsp

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestNeighbourParseCancelled: a neighbour's parse that a newer change cancels is not cached
// as unparseable, which left the module (an export script, say) out of every later
// neighbourhood of the documents that import it.
func TestNeighbourParseCancelled(t *testing.T) {
	s := indexedProject(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if f := s.project.load(cancelled, s, "vit.model"); f != nil {
		t.Fatal("a cancelled parse returned a file")
	}
	if f := s.project.load(context.Background(), s, "vit.model"); f == nil {
		t.Fatal("after a cancelled parse, vit.model does not load: the cancellation was cached")
	}
}

// TestNeighbourStatFresh: a file loaded from disk is used as cached, without a stat, for
// statFresh; after that (or once forgotten, as a watched change does) a change on disk is
// read.
func TestNeighbourStatFresh(t *testing.T) {
	s := indexedProject(t)
	p := s.project
	p.mu.Lock()
	p.statFresh = time.Hour
	path := p.paths["vit.model"]
	p.mu.Unlock()
	first := p.load(context.Background(), s, "vit.model")
	if first == nil {
		t.Fatal("vit.model does not load")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(src, "\n\nEXTRA = 1\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if again := p.load(context.Background(), s, "vit.model"); again != first {
		t.Error("within statFresh the file was read from disk again")
	}
	p.mu.Lock()
	p.statFresh = 0
	p.mu.Unlock()
	if again := p.load(context.Background(), s, "vit.model"); again == first || !strings.Contains(string(again.Src), "EXTRA = 1") {
		t.Error("past statFresh the change on disk was not read")
	}
}

// indexedProject starts a server on a workspace holding projectTree and waits for its
// index.
func indexedProject(t *testing.T) *Server {
	t.Helper()
	dir := testfs.WriteTree(t, projectTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	return c.server
}
