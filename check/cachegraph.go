package check

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// What a linked file's findings depend on, found without parsing anything.
//
// Linking (torchsem.NewProgram) joins the values every call passes into a project function
// and lets every caller read what the function returns. So a file's findings depend on the
// files it imports and the files that import it, and also on every other caller of what it
// imports: when c.py passes a size to helpers.scale and a.py passes it a rank, a.py's value
// of scale(...) is the join of both, and editing c.py changes a.py's findings although
// neither imports the other (cache_test.go shows it). The sound unit is therefore the
// connected component of the import graph, taken without direction: a linked file is keyed
// on the path, module and content of every file of its component. Editing a file
// invalidates its component, never a file of another component and never an isolated file.
//
// The graph is built from pysem.ScanImports over the targets and the project files they
// import (context files under the source roots, read and scanned as loadImports would parse
// them), so it has at least the edges linking follows. An import also joins the files whose
// module it is a package of (import pkg reaches pkg.sub.f by attribute when pkg.sub is in
// the program).

// depGraph is the import graph of the targets and their context files.
type depGraph struct {
	nodes  []*depNode
	byPath map[string]int
	parent []int // union-find over nodes
	capped bool  // more context files than loadImports would load: linked files are not cached
}

// depNode is a file of the graph.
type depNode struct {
	path    string
	module  string
	sum     [32]byte // the content's hash, or of why it could not be read
	src     []byte   // the text findings refer to (a notebook target's module), for related places
	imports []string
}

// buildDepGraph builds the graph of the loaded targets (sums already taken) and the files
// they import under the source roots.
func buildDepGraph(proj *project, loaded []*loadedFile) *depGraph {
	g := &depGraph{byPath: map[string]int{}}
	targetsOf := map[string][]int{} // module -> target nodes
	for _, lf := range loaded {
		n := &depNode{path: lf.path, module: lf.module.Name, src: lf.src, imports: lf.imports}
		switch {
		case lf.err != nil:
			n.sum = sha256.Sum256([]byte("error\x00" + lf.err.Error()))
		case lf.src == nil:
			n.sum = sha256.Sum256([]byte("not python"))
		default:
			n.sum = lf.sum
		}
		id := g.add(n)
		if n.module != "" {
			targetsOf[n.module] = append(targetsOf[n.module], id)
		}
	}
	candidates := map[string][]string{}
	contexts := 0
	for id := 0; id < len(g.nodes); id++ { // nodes grows as context files are found
		for _, q := range g.nodes[id].imports {
			for _, m := range prefixes(q) {
				if ts, ok := targetsOf[m]; ok {
					for _, t := range ts {
						g.union(id, t)
					}
					continue
				}
				paths, ok := candidates[m]
				if !ok {
					paths = proj.candidates(m)
					candidates[m] = paths
				}
				for _, path := range paths {
					c, ok := g.byPath[path]
					if !ok {
						if contexts++; contexts > maxContextFiles {
							g.capped = true
							return g
						}
						c = g.add(readContext(proj, path))
					}
					g.union(id, c)
				}
			}
		}
	}
	// an import of a package joins the package's modules in the graph
	mods := make([]int, 0, len(g.nodes))
	for id, n := range g.nodes {
		if n.module != "" {
			mods = append(mods, id)
		}
	}
	sort.Slice(mods, func(i, j int) bool { return g.nodes[mods[i]].module < g.nodes[mods[j]].module })
	for id, n := range g.nodes {
		for _, q := range n.imports {
			if strings.HasPrefix(q, ".") {
				continue
			}
			pre := q + "."
			k := sort.Search(len(mods), func(i int) bool { return g.nodes[mods[i]].module >= pre })
			for ; k < len(mods) && strings.HasPrefix(g.nodes[mods[k]].module, pre); k++ {
				g.union(id, mods[k])
			}
		}
	}
	return g
}

// readContext reads and scans a project file that was not given.
func readContext(proj *project, path string) *depNode {
	mod := proj.resolver.Module(path)
	n := &depNode{path: path, module: mod.Name}
	src, err := readSource(path, syntax.MaxSourceSize, syntax.ErrTooLarge.Error())
	if err != nil {
		n.sum = sha256.Sum256([]byte("error\x00" + err.Error()))
		return n
	}
	n.sum, n.src = sha256.Sum256(src), src
	if analysis.CheckSource(src) == nil {
		n.imports = pysem.ScanImports(src, mod)
	}
	return n
}

func (g *depGraph) add(n *depNode) int {
	id := len(g.nodes)
	g.nodes = append(g.nodes, n)
	g.parent = append(g.parent, id)
	if _, dup := g.byPath[n.path]; !dup {
		g.byPath[n.path] = id
	}
	return id
}

func (g *depGraph) find(x int) int {
	for g.parent[x] != x {
		g.parent[x] = g.parent[g.parent[x]]
		x = g.parent[x]
	}
	return x
}

func (g *depGraph) union(a, b int) {
	if ra, rb := g.find(a), g.find(b); ra != rb {
		g.parent[ra] = rb
	}
}

// component returns the component id of target i (targets are the first nodes).
func (g *depGraph) component(i int) int { return g.find(i) }

// componentSums returns, per component, the hash of the paths, modules and contents of its
// files, in path order.
func (g *depGraph) componentSums() map[int][32]byte {
	members := map[int][]int{}
	for id := range g.nodes {
		r := g.find(id)
		members[r] = append(members[r], id)
	}
	out := make(map[int][32]byte, len(members))
	var buf [8]byte
	for r, ids := range members {
		sort.Slice(ids, func(i, j int) bool { return g.nodes[ids[i]].path < g.nodes[ids[j]].path })
		h := sha256.New()
		for _, id := range ids {
			n := g.nodes[id]
			for _, s := range []string{n.path, n.module} {
				binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
				h.Write(buf[:])
				h.Write([]byte(s))
			}
			h.Write(n.sum[:])
		}
		var sum [32]byte
		h.Sum(sum[:0])
		out[r] = sum
	}
	return out
}

// source returns the text of a file of the graph, for the related places of findings
// served from the cache.
func (g *depGraph) source(path string) ([]byte, bool) {
	if g == nil {
		return nil, false
	}
	id, ok := g.byPath[path]
	if !ok || g.nodes[id].src == nil {
		return nil, false
	}
	return g.nodes[id].src, true
}
