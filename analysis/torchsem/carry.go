package torchsem

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// What a program made by ReplaceFrom may take from the program of its file's previous text.
//
// ReplaceFrom keeps the units of the file that the edit cannot reach: their functions,
// classes and what linking found for them are the previous text's, at nodes the edit
// moved. A value a rule computed with Memo in the previous program, reading only kept units
// of the file and files that cannot name it (Reaching), is therefore the value the new
// program would compute, with the file's nodes moved: the rule may take it (Carry) instead
// of computing it again. The editor's keystroke in a model file then walks again only what
// the keystroke can change.

// Carry is what a program made by ReplaceFrom knows of its file's previous text.
type Carry struct {
	next *File // the new text's file, in this program
	// prev is the previous text's file until a program is made from next's (carry cuts
	// it then, so that programs do not chain: each holds at most the one before); prevID
	// names it all the while. Not a weak pointer: making one strong again during a
	// collection's mark termination parks the goroutine until marking ends (10-23 ms in
	// the workspace benchmark's trace, where a keystroke takes 5).
	prev   atomic.Pointer[File]
	prevID uint64
	m      nodeMap

	reachOnce sync.Once
	reaching  FileSet // the files that may name the edited one (Kept)
	// sameDefs: the units the edit did not keep are, before and after it, plain class and
	// function definitions of the same names and kinds, so that a lookup from another file
	// finds the same kind of definition by the same name (Kept)
	sameDefs bool
	// rebound: with sameDefs, the names a lookup may find bound otherwise than before:
	// those of the import clauses the edit added or removed, of the statements linked again
	// and of the definitions whose decorators were; a file that may name the edited one and
	// may look one of them up (File.mayLookUp) may find something else there
	rebound []string
	stale   map[string]bool // modules re-linked since the previous program (reuse.stale)
}

// carry records, for the program of nf, what ReplaceFrom kept of prev.
func (r *reuse) carry() *Carry {
	c := &Carry{next: r.nf, prevID: r.prev.id, m: r.nodeMap, sameDefs: r.sameDefs(), stale: r.stale}
	c.prev.Store(r.prev)
	if c.sameDefs {
		c.rebound = r.rebound
	}
	if pc := r.prev.prog.carry; pc != nil {
		pc.prev.Store(nil) // prev's program takes nothing more from the text before it
	}
	return c
}

// sameDefs reports whether a lookup from another file finds, in the units of prev and of
// nf that the edit did not keep, what it found before, but for the names in r.rebound
// (which Kept asks about). Those units must be class and function definitions with the
// same names and kinds, in the same order, each with the same decorators (by text); import
// statements (r.rebound holds the names of the clauses the edit added or removed); or the
// statements sameStatements marks. A definition whose decorator those units define may be
// something else now: its name goes to r.rebound.
func (r *reuse) sameDefs() bool {
	type def struct {
		kind       syntax.Kind
		name       string
		decorators string // their text
	}
	same := r.sameStatements()
	// decorated: a definition's name, and the name one of its decorators starts with
	type decorated struct{ def, decorator string }
	defs := func(t *syntax.Tree, g *unitGraph, kept func(i int) bool) (out []def, named []decorated, ok bool) {
		for i, n := range g.nodes {
			if kept(i) {
				continue
			}
			d, decorators := n, ""
			var names []string
			if t.Kind(n) == syntax.KindDecoratedDefinition {
				d = t.Field(n, syntax.FieldDefinition)
				decorators = string(t.Source()[t.Start(n):t.Start(d)])
				t.Children(n, func(c NodeID) bool {
					if t.Kind(c) == syntax.KindDecorator {
						// the name the decorator expression starts with: @a.b(c) names a
						for id := c; id < t.SubtreeEnd(c); id++ {
							if t.Kind(id) == syntax.KindIdentifier {
								names = append(names, t.String(id))
								break
							}
						}
					}
					return true
				})
			}
			switch k := t.Kind(d); {
			case k == syntax.KindClassDefinition || k == syntax.KindFunctionDefinition:
				name := t.String(t.Field(d, syntax.FieldName))
				out = append(out, def{k, name, decorators})
				for _, dn := range names {
					named = append(named, decorated{name, dn})
				}
			case g.kinds[i] == unitImport:
				// what it binds differently is in r.rebound, which Kept asks about
			case g.kinds[i] != unitInert:
				return nil, nil, false // another statement
			}
		}
		return out, named, true
	}
	lo, ln := len(r.ou.nodes), len(r.nu.nodes)
	od, named, ok1 := defs(r.prev.Tree, r.ou, func(i int) bool {
		return r.newUnit[i] >= 0 || i < r.head && same[i] || i >= lo-r.tail && same[i-lo+ln]
	})
	nd, _, ok2 := defs(r.nf.Tree, r.nu, func(i int) bool { return r.keptUnit[i] || same[i] })
	if !ok1 || !ok2 || !slices.Equal(od, nd) {
		return false
	}
	for _, dd := range named {
		if slices.ContainsFunc(od, func(d def) bool { return d.name == dd.decorator }) {
			// a decorator linked again may make the definition something else now: Kept
			// asks about its name
			r.rebound = append(r.rebound, dd.def)
		}
	}
	return true
}

// sameStatements marks the units of nf that the edit did not change but linked again and
// that are module-level statements (not definitions, imports or comments) a lookup from
// another file can tell apart only by the names they bind. Those reading no name the
// module's code binds (literals, builtins, what the module imports from outside the
// project: `NUM_CLASSES = 10`, `ACT = nn.GELU`) bind the same values in both texts. Those
// reading a definition, another statement's name or a name of the project (`RATE = SCALE
// * 2`, `MODEL = registry.build("vit")`) may bind other values now: their names go to
// r.rebound, which Kept asks about; so do the names of a script block (`if __name__ ==
// "__main__":`). A statement that changes an object (mutates) changes more than names:
// not marked.
func (r *reuse) sameStatements() []bool {
	g, t := r.nu, r.nf.Tree
	marked := make([]bool, len(g.nodes))
	var candidates []int
	for i := range g.nodes {
		if g.kinds[i] == unitModule && !r.keptUnit[i] && (i < r.head || i >= len(g.nodes)-r.tail) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return marked
	}
	bound := map[int32]bool{} // the names the module's definitions and statements bind
	for i := range g.nodes {
		if s := g.sum(i); s != nil {
			for _, d := range s.defs {
				bound[d] = true
			}
		}
	}
	boundByCode := func(id NodeID) bool {
		g.names.mu.Lock()
		n, interned := g.names.ids[string(t.Text(id))]
		g.names.mu.Unlock()
		return interned && bound[n]
	}
	ids := r.nf.Nodes(syntax.KindIdentifier)
	for _, i := range candidates {
		u := g.nodes[i]
		if mainGuard(t, u) {
			// runs only as a script: an importer sees at most the names it binds (which a
			// static lookup finds), and Kept asks about those
			marked[i] = true
			r.rebound = unitDefs(t, u, unitModule, r.rebound)
			continue
		}
		lo, _ := slices.BinarySearch(ids, u)
		hi, _ := slices.BinarySearch(ids, t.SubtreeEnd(u))
		constant := true // reads nothing the module binds or the project defines
		for _, id := range ids[lo:hi] {
			if g.local(id) || pysem.IsBinding(t, id) && t.Kind(t.Parent(id)) != syntax.KindAugmentedAssignment {
				continue // names nothing of the module, or a target (x += 1 reads x)
			}
			if boundByCode(id) {
				constant = false
				break
			}
			if q, ok := r.nf.ImportOf(id); ok && r.nf.prog.inProject(q) {
				constant = false
				break
			}
		}
		switch {
		case constant:
			marked[i] = true
		case !mutates(t, u, boundByCode):
			// it binds names to values that may have changed, and changes nothing else:
			// Kept asks about those names
			marked[i] = true
			r.rebound = unitDefs(t, u, unitModule, r.rebound)
		}
	}
	return marked
}

// mutates reports whether statement n assigns to or deletes an attribute or a subscript
// (`Model.extra = 1`, `CFG["depth"] += 1`), or calls setattr, delattr or a method of a name
// the module's code binds (bound: `CFG.update(depth=2)`): what it changes is not a name,
// so asking about the names it binds would not cover it.
func mutates(t *syntax.Tree, n NodeID, bound func(id NodeID) bool) bool {
	for m := n; m < t.SubtreeEnd(n); m++ {
		var target NodeID
		switch t.Kind(m) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment, syntax.KindForStatement, syntax.KindForInClause:
			target = t.Field(m, syntax.FieldLeft)
		case syntax.KindDeleteStatement, syntax.KindAsPatternTarget:
			target = m
		case syntax.KindCall:
			fn := t.Field(m, syntax.FieldFunction)
			switch t.Kind(fn) {
			case syntax.KindIdentifier:
				if s := t.Text(fn); string(s) == "setattr" || string(s) == "delattr" {
					return true
				}
			case syntax.KindAttribute:
				if r := pysem.RootOf(t, fn); r != NoNode && t.Kind(r) == syntax.KindIdentifier && bound(r) {
					return true
				}
			}
			continue
		default:
			continue
		}
		for k := target; target != NoNode && k < t.SubtreeEnd(target); k++ {
			if kk := t.Kind(k); kk == syntax.KindAttribute || kk == syntax.KindSubscript {
				return true
			}
		}
	}
	return false
}

// mainGuard reports whether n is `if __name__ == "__main__":` without elif or else (whose
// code runs on import).
func mainGuard(t *syntax.Tree, n NodeID) bool {
	if t.Kind(n) != syntax.KindIfStatement || t.Field(n, syntax.FieldAlternative) != NoNode {
		return false
	}
	cond := t.Field(n, syntax.FieldCondition)
	if t.Kind(cond) != syntax.KindComparisonOperator {
		return false
	}
	s := mainGuardText.Replace(string(t.Text(cond)))
	return s == `__name__=="__main__"` || s == `"__main__"==__name__`
}

// mainGuardText normalises a condition's text for mainGuard: no blanks, double quotes.
var mainGuardText = strings.NewReplacer(" ", "", "\t", "", "'", `"`)

// inProject reports whether the qualified name q is a module of p or lies in one (a
// relative name, left unresolved, counts).
func (p *Program) inProject(q string) bool {
	return q == "" || q[0] == '.' || p.moduleOf(q) != nil
}

// Carried returns what p may take from the program of its file's previous text: nil when p
// was not made by ReplaceFrom keeping units, or has let that text go (DropCarry, or a
// program made from p's text).
func (p *Program) Carried() *Carry {
	if p.carry == nil || p.carry.prev.Load() == nil {
		return nil
	}
	return p.carry
}

// DropCarry lets p's file's previous text go once what p's analysis carries from it is
// taken: Carried returns nil from then on, and what it would have carried is computed
// again. The next text's program cuts it anyway (carry), so that programs do not chain;
// an editor calls it when the analysis is done, so that an idle document does not keep
// its previous text.
func (p *Program) DropCarry() {
	if p.carry != nil {
		p.carry.prev.Store(nil)
	}
}

// Of reports whether f is the file whose previous text this carry knows.
func (c *Carry) Of(f *File) bool { return c != nil && f == c.next }

// Memo returns the value the previous text's program computed under key with Memo; ok is
// false when it has none (yet).
func (c *Carry) Memo(key any) (v any, ok bool) {
	prev := c.prev.Load()
	if prev == nil {
		return nil, false
	}
	return prev.prog.memoDone(key)
}

// Node maps node n of file f of the previous text's program to this program's: f itself
// and n, unless f is the previous text, whose node must lie in a unit the edit kept (ok
// false otherwise).
func (c *Carry) Node(f *File, n NodeID) (*File, NodeID, bool) {
	if f == nil || f.id != c.prevID {
		return f, n, true
	}
	m, ok := c.m.node(n)
	return c.next, m, ok
}

// Replaced reports whether f is the previous text of the file this program replaced.
func (c *Carry) Replaced(f *File) bool { return f != nil && f.id == c.prevID }

// Kept reports whether what the previous program computed from file f of its own, at node
// n, holds in this program:
//   - f is the previous text and n lies in a unit the edit kept;
//   - or f is another file that cannot name the edited one: its code cannot reach the
//     units the edit changed, not even through base classes or a lookup that failed;
//   - or f may name it, but the units the edit changed are class and function
//     definitions of the same names and kinds before and after it: a lookup from f finds
//     the same definitions, and what the caller read in them it recorded as uses of the
//     edited file, which must lie in kept units;
//   - or those units are such definitions, import statements or statements sameStatements
//     accepts, and f may look up (File.mayLookUp) none of the names they may bind
//     otherwise now (c.rebound): its lookups find what they found.
//
// Never for a file of a module that a re-link replaced since: the previous text was linked
// against the program Relink made this program's base from (ReplaceFrom).
func (c *Carry) Kept(f *File, n NodeID) bool {
	if f == nil {
		return true
	}
	if f.id == c.prevID {
		_, ok := c.m.node(n)
		return ok
	}
	if c.stale[f.Module.Name] {
		return false // linked again since (a helper's edit): what was computed from it may not hold
	}
	if c.sameDefs && len(c.rebound) == 0 {
		return true
	}
	c.reachOnce.Do(func() { c.reaching = c.next.prog.Reaching(c.next) })
	if !c.reaching.Has(f) {
		return true
	}
	return c.sameDefs && !slices.ContainsFunc(c.rebound, f.mayLookUp)
}

// mayLookUp reports whether f may look name up in another module: it names it in an import
// statement or as an attribute of something it imports (`from m import os`, `m.os`), or
// it star-imports. Its other identifiers are its own names (a local `q`, or `self.q`, in
// attention code looks up nothing in another module). The names are gathered once per
// file: a keystroke elsewhere asks about the same files again.
func (f *File) mayLookUp(name string) bool {
	f.lookupsOnce.Do(func() {
		if len(f.StarImports) > 0 {
			f.lookupsAny = true
			return
		}
		f.lookups = map[string]bool{}
		for _, id := range f.Nodes(syntax.KindIdentifier) {
			if importedOrAttribute(f, id) {
				f.lookups[f.Tree.String(id)] = true
			}
		}
	})
	return f.lookupsAny || f.lookups[name]
}

// importedOrAttribute reports whether identifier id of f is the name of an attribute of
// something f imports (`m.os`, `pkg.m.os`) or lies in an import statement.
func importedOrAttribute(f *File, id NodeID) bool {
	t := f.Tree
	p := t.Parent(id)
	if t.Kind(p) == syntax.KindAttribute {
		if t.FieldOf(id) != syntax.FieldAttribute {
			return false
		}
		r := pysem.RootOf(t, t.Field(p, syntax.FieldObject))
		if r == NoNode {
			return false
		}
		return f.IsImported(r)
	}
	for ; p != NoNode; p = t.Parent(p) {
		switch t.Kind(p) {
		case syntax.KindDottedName, syntax.KindAliasedImport:
			continue
		case syntax.KindImportStatement, syntax.KindImportFromStatement, syntax.KindFutureImportStatement:
			return true
		}
		return false
	}
	return false
}

// Decl returns the declaration of the previous text's program that d (of this program)
// was read from the same export call or configuration entry as, declaring the same; nil
// when there is none.
func (c *Carry) Decl(d *ExportDecl) *ExportDecl {
	prev := c.prev.Load()
	if prev == nil || d == nil {
		return nil
	}
	var od *ExportDecl
	if d.Site == nil {
		for _, o := range prev.prog.Declarations() {
			if o.Site == nil && o.Config == d.Config && o.Class != nil && d.Class != nil && o.Class.Name == d.Class.Name &&
				o.ClassFile.Module.Name == d.ClassFile.Module.Name {
				od = o
				break
			}
		}
	} else {
		key := siteKey{d.File, d.Site.Call}
		if d.File == c.next {
			call, ok := c.m.back(d.Site.Call)
			if !ok {
				return nil
			}
			key = siteKey{prev, call}
		}
		od = prev.prog.declSet().atSite(key)
		if od != nil && d.File != c.next {
			// both read from the same call of a file neither program changed: copies of
			// the one declaration (collectDecls), pointed at each program's files
			if od.Site != d.Site {
				return nil
			}
			return od
		}
	}
	if od == nil || !od.declaresAs(d) {
		return nil
	}
	return od
}

// declaresAs reports whether d and o declare the same (what signature says of them).
func (d *ExportDecl) declaresAs(o *ExportDecl) bool {
	if (d.Class == nil) != (o.Class == nil) || d.Class != nil && (d.Class.Name != o.Class.Name || d.ClassFile.Module.Name != o.ClassFile.Module.Name) ||
		(d.Strict == nil) != (o.Strict == nil) || d.Strict != nil && *d.Strict != *o.Strict ||
		d.Spec != o.Spec || d.Readable != o.Readable || len(d.Inputs) != len(o.Inputs) {
		return false
	}
	for p, in := range d.Inputs {
		oin := o.Inputs[p]
		if oin == nil || in.Param != oin.Param || in.Rank != oin.Rank || in.Nested != oin.Nested || len(in.Axes) != len(oin.Axes) {
			return false
		}
		for a, dd := range in.Axes {
			od, ok := oin.Axes[a]
			if !ok || !dd.sameAs(od) {
				return false
			}
		}
	}
	return true
}

// sameAs reports whether two dim declarations declare the same, wherever they are written.
func (d DimDecl) sameAs(o DimDecl) bool {
	return d.Kind == o.Kind && d.Name == o.Name && d.Min == o.Min && d.Max == o.Max && d.Mult == o.Mult && d.Add == o.Add && d.Config == o.Config
}

// siteKey names an export call: its file and call node.
type siteKey struct {
	f    *File
	call NodeID
}

// atSite returns the declaration read from the export call at key, nil when none.
func (ds *declState) atSite(key siteKey) *ExportDecl {
	ds.sitesOnce.Do(func() {
		ds.bySite = make(map[siteKey]*ExportDecl, len(ds.all))
		for _, d := range ds.all {
			if d.Site != nil {
				ds.bySite[siteKey{d.File, d.Site.Call}] = d
			}
		}
	})
	return ds.bySite[key]
}

// sitesIndex is declState's index of declarations by export call (atSite).
type sitesIndex struct {
	sitesOnce sync.Once
	bySite    map[siteKey]*ExportDecl
}

// Ancestry calls visit for c (of f) and then for its base classes, in every file of the
// program, until visit returns false: where attribute and method lookups on c look.
func (f *File) Ancestry(c *Class, visit func(*File, *Class) bool) { f.prog.lineage(f, c, visit) }
