package check

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sort"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// What a linked file's findings depend on, found without parsing anything.
//
// Linking (torchsem.NewProgram) lets a file see what the files it imports define and
// return, and what the files importing it pass to its functions from traced code; a
// re-export in a package's __init__ or a base class in a third file makes it read files it
// does not import itself. A linked file's dependencies are therefore the files it reaches
// through imports (transitively) and the files that reach it. What it sees of each is that
// file's surface (torchsem's File.Surface: names, classes, parameters, return values, the
// values its traced code passes out), which summarises in turn what that file sees of its
// own neighbours: when c.py passes helpers.scale a size and a.py a rank, the join of both
// is scale's return value in helpers' surface, so a.py (which depends on helpers) sees
// c.py's edit through it although neither imports the other.
//
// What a file sees of another depends, through that file's surface, on files it neither
// imports nor is imported by (c.py above), so texts alone decide only for the whole
// component of the import graph, taken without direction: an entry of a linked file
// records the hash of the paths, modules and texts of its component's files (taken from
// the import scan, nothing parsed), and the hash of its dependencies' surfaces (taken after
// linking). A warm run whose component hash matches serves the entry at once. When it does
// not, the component is parsed and linked again, as a run without the cache would link it;
// the entry is still served when the surface hash matches, and rewritten with the new
// component hash. So an edit inside a function body analyses the edited file only, and an
// edit that changes what other files see analyses the edited file and the files depending
// on it, not the rest of its component; files of other components are served without a
// parse. A finding that points into another file (a related place: the call chain from a
// forward, a dim declared at an export call) also depends on that file's text, which the
// entry records per file.
//
// The graph comes from pysem.ScanImports over the targets and the project files they
// import (context files under the source roots, read and scanned as loadImports would
// parse them); ScanImports never lists less than a parse, so the graph has at least the
// edges linking follows. An import also reaches the modules of the package it names
// (import pkg reaches pkg.sub.f by attribute when pkg.sub is in the program).

// maxClosureWork bounds the nodes visited to find every linked target's dependencies; past
// it (a project of tens of thousands of mutually importing files) a target depends on its
// whole component, which is sound and found in linear time.
const maxClosureWork = 1 << 25

// depGraph is the import graph of the targets (its first nodes, in order) and their
// context files.
type depGraph struct {
	nodes   []*depNode
	targets int
	byPath  map[string]int
	out, in [][]int32 // import edges: out[a] holds b when a imports b
	parent  []int     // union-find over nodes: the components, edges taken without direction
	capped  bool      // more context files than loadImports would load: linked files are not cached
	coarse  bool      // the closures exceeded maxClosureWork: dependencies are components
	work    int
	members map[int][]int32 // component root -> its nodes (coarse only)

	// set by index, once the graph is complete
	rank  []int32    // each node's place in path order
	names [][32]byte // each node's hash of path and module
	stamp []uint32   // closure marks (deps), by generation
	gen   uint32
	stack []int32
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
	g := &depGraph{byPath: map[string]int{}, targets: len(loaded)}
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
						g.edge(id, t)
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
							g.index()
							return g
						}
						c = g.add(readContext(proj, path))
					}
					g.edge(id, c)
				}
			}
		}
	}
	// an import of a package reaches the package's modules
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
				g.edge(id, mods[k])
			}
		}
	}
	g.index()
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
	g.out = append(g.out, nil)
	g.in = append(g.in, nil)
	if _, dup := g.byPath[n.path]; !dup {
		g.byPath[n.path] = id
	}
	return id
}

// edge records that a imports b.
func (g *depGraph) edge(a, b int) {
	if a == b || slices.Contains(g.out[a], int32(b)) {
		return
	}
	g.out[a] = append(g.out[a], int32(b))
	g.in[b] = append(g.in[b], int32(a))
	if ra, rb := g.find(a), g.find(b); ra != rb {
		g.parent[ra] = rb
	}
}

func (g *depGraph) find(x int) int {
	for g.parent[x] != x {
		g.parent[x] = g.parent[g.parent[x]]
		x = g.parent[x]
	}
	return x
}

// component returns the component id of node i (target i is node i).
func (g *depGraph) component(i int) int { return g.find(i) }

// deps returns the nodes target i depends on, in path order: those it reaches through
// imports and those reaching it, or, once the closures have cost maxClosureWork, the rest
// of its component.
func (g *depGraph) deps(i int) []int32 {
	var out []int32
	if !g.coarse {
		g.gen += 2 // stamp gen-1: reached forwards, gen: reached backwards
		g.stamp[i] = g.gen
		fwd, back := g.gen-1, g.gen
		for dir, adj := range [][][]int32{g.out, g.in} {
			mark := fwd
			if dir == 1 {
				mark = back
			}
			stack := append(g.stack[:0], int32(i))
			for len(stack) > 0 && !g.coarse {
				n := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, m := range adj[n] {
					if g.work++; g.work > maxClosureWork {
						g.coarse = true
						break
					}
					switch g.stamp[m] {
					case mark, back:
						continue // reached in this direction, or i itself
					case fwd: // reached forwards, now backwards too: listed once
					default:
						out = append(out, m)
					}
					g.stamp[m] = mark
					stack = append(stack, m)
				}
			}
			g.stack = stack
		}
	}
	if g.coarse {
		if g.members == nil {
			g.members = map[int][]int32{}
			for id := range g.nodes {
				r := g.find(id)
				g.members[r] = append(g.members[r], int32(id))
			}
		}
		out = out[:0]
		for _, m := range g.members[g.find(i)] {
			if int(m) != i {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return int(g.rank[a] - g.rank[b]) })
	return out
}

// index ranks the nodes by path and hashes each one's path and module, once the graph is
// complete.
func (g *depGraph) index() {
	n := len(g.nodes)
	byPath := make([]int32, n)
	for id := range byPath {
		byPath[id] = int32(id)
	}
	sort.Slice(byPath, func(a, b int) bool { return g.nodes[byPath[a]].path < g.nodes[byPath[b]].path })
	g.rank = make([]int32, n)
	for r, id := range byPath {
		g.rank[id] = int32(r)
	}
	g.stamp = make([]uint32, n)
	g.names = make([][32]byte, n)
	for id, nd := range g.nodes {
		h := sha256.New()
		writeStrings(h, nd.path, nd.module)
		h.Sum(g.names[id][:0])
	}
}

// componentSums returns, per component, the hash of the paths, modules and texts of its
// files, in path order.
func (g *depGraph) componentSums() map[int][32]byte {
	members := map[int][]int32{}
	for id := range g.nodes {
		r := g.find(id)
		members[r] = append(members[r], int32(id))
	}
	out := make(map[int][32]byte, len(members))
	for r, ids := range members {
		sort.Slice(ids, func(i, j int) bool { return g.nodes[ids[i]].path < g.nodes[ids[j]].path })
		h := sha256.New()
		for _, id := range ids {
			n := g.nodes[id]
			writeStrings(h, n.path, n.module)
			h.Write(n.sum[:])
		}
		var sum [32]byte
		h.Sum(sum[:0])
		out[r] = sum
	}
	return out
}

// surfaceSum hashes the paths, modules and surfaces of deps; a file outside the program
// (unreadable, not parsed) counts with its text.
func (g *depGraph) surfaceSum(deps []int32, surfaces map[string]uint64) [32]byte {
	h := sha256.New()
	buf := make([]byte, 0, 64)
	for _, id := range deps {
		n := g.nodes[id]
		buf = append(buf[:0], g.names[id][:]...)
		if s, ok := surfaces[n.path]; ok {
			buf = append(buf, 's')
			buf = binary.LittleEndian.AppendUint64(buf, s)
		} else {
			buf = append(buf, 'c')
			buf = append(buf, n.sum[:]...)
		}
		h.Write(buf)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func writeStrings(h interface{ Write([]byte) (int, error) }, ss ...string) {
	var buf [8]byte
	for _, s := range ss {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
}

// source returns the text of a file of the graph and its hash, for the related places of
// findings served from the cache.
func (g *depGraph) source(path string) ([]byte, [32]byte, bool) {
	if g == nil {
		return nil, [32]byte{}, false
	}
	id, ok := g.byPath[path]
	if !ok || g.nodes[id].src == nil {
		return nil, [32]byte{}, false
	}
	return g.nodes[id].src, g.nodes[id].sum, true
}
