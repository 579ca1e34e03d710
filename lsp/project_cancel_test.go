package lsp

import (
	"context"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/exportdb-lsp/exportdb-lsp/internal/testfs"
)

// TestNeighbourParseCancelled: a neighbour's parse that a newer change cancels is not cached
// as unparseable, which left the module (an export script, say) out of every later
// neighbourhood of the documents that import it.
func TestNeighbourParseCancelled(t *testing.T) {
	dir := testfs.WriteTree(t, projectTree)
	c := newTestClient(t)
	c.initialize(initParams{Capabilities: capsNeovim07(), WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(pathToURI(dir)), Name: "ws"}}})
	c.waitIndexed()
	s := c.server
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if f := s.project.load(cancelled, s, "vit.model"); f != nil {
		t.Fatal("a cancelled parse returned a file")
	}
	if f := s.project.load(context.Background(), s, "vit.model"); f == nil {
		t.Fatal("after a cancelled parse, vit.model does not load: the cancellation was cached")
	}
}
