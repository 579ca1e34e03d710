package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeMinSize finds strided convolutions, pooling and downscaling whose output would
// be empty for the smallest size an export call declares for a dynamic dimension.
var DynamicShapeMinSize = &analysis.Rule{
	Name: "dynamic_shape_min_size",
	Doc: `## What it does
Follows each input an export call declares dynamic with a named ` + "`Dim`" + ` through ` + "`forward`" + ` and the
submodules it calls (` + "`self.stem(x)`" + `, ` + "`nn.Sequential`" + ` stems, the forwards of the project's module
classes, with their constructor arguments), and finds the convolution, pooling or downscaling whose
output would be empty for the smallest size the ` + "`Dim`" + ` allows: ` + "`nn.Conv1d/2d/3d`" + ` and
` + "`nn.MaxPool*d`" + `/` + "`nn.AvgPool*d`" + ` (kernel, stride, padding, dilation, ceil_mode), ` + "`F.conv*d`" + ` with a weight
of literal shape, ` + "`F.max_pool*d`" + `, ` + "`F.avg_pool*d`" + `, and ` + "`F.interpolate`" + ` or ` + "`nn.Upsample`" + ` with a
` + "`scale_factor`" + `. It says which size the input needs and names the ` + "`Dim`" + ` and the export call.

Layers whose sizes it cannot read (arguments computed at run time, layers built in loops, unknown
classes) end the trail: nothing after them is judged. Nothing is reported without a declaration
(with static shapes the example input decides), for dims declared static, or for ` + "`Dim.AUTO`" + ` and
` + "`Dim.DYNAMIC`" + `, whose range export infers.

## Why is this bad
A convolution needs its padded input to be at least as large as its (dilated) kernel, and a pooling
window must fit: the output size ` + "`(h + 2p - d(k - 1) - 1) // s + 1`" + ` must stay positive, and each stride
divides what the next layer gets. Export checks this for every size the ` + "`Dim`" + ` allows. A ` + "`Dim`" + ` without
` + "`min=`" + ` starts at 2, so a stem that needs 32 pixels fails with "Not all values of h ... in the specified
range ... satisfy the generated guard", naming no line.

## Example
` + "```python" + `
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, stride=2), nn.MaxPool2d(3, stride=2))

    def forward(self, x):
        return self.stem(x)

export(M(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={"x": {2: Dim("h"), 3: Dim("w")}})
` + "```" + `

## Use instead
Give the ` + "`Dim`" + ` the smallest size the model supports: ` + "`Dim(\"h\", min=13)`" + ` here.

## Fix safety
The fix sets ` + "`min=`" + ` on the ` + "`Dim(...)`" + ` of the export call (for a derived dim, on its base) to what every
layer the walk reaches needs; the export call may be in another file (the editor applies such a
fix, ` + "`check`" + ` shows it). It is unsafe: the exported program then rejects smaller inputs (which the
model could not process anyway).

## References
- [torch.export: expressing dynamism](https://pytorch.org/docs/main/export.html)
- [torch.nn.Conv2d: output shape](https://pytorch.org/docs/main/generated/torch.nn.Conv2d.html)
- [torch.nn.MaxPool2d: output shape](https://pytorch.org/docs/main/generated/torch.nn.MaxPool2d.html)
`,
	Run: runDynamicShapeMinSize,
}

func runDynamicShapeMinSize(pass *analysis.Pass) {
	f := pass.File
	p := f.Program()
	if len(p.Declarations()) == 0 || len(f.TracedFuncs()) == 0 {
		return // nothing declared, or nothing here export traces: no culprit can lie here
	}
	// a declaration's walk depends on the program only: once for all its files. A file
	// takes the walks that may enter it, those of declarations whose files may name it:
	// an edit of a model re-walks its own exports, not every export of the files it imports.
	reaching := p.Reaching(f)
	var culprits []culprit
	for _, d := range p.Declarations() {
		if walkable(d) && (reaching.Has(d.File) || reaching.Has(d.ClassFile) || reaching.Has(d.FwdFile)) {
			w := p.Memo(minSizeWalk{d}, func() any {
				if w, ok := carriedWalk(p.Carried(), d); ok {
					walkStats.carried.Add(1)
					return w
				}
				walkStats.walked.Add(1)
				return walkDeclared(p, d)
			}).(*walkResult)
			culprits = append(culprits, w.culprits...)
		}
	}
	reportMinSizes(pass, culprits)
}

// minSizeWalk keys a declaration's walkResult in the program's memo.
type minSizeWalk struct{ decl *torchsem.ExportDecl }

// walkStats counts the walks run and those carried from the previous text's program, for
// tests.
var walkStats struct{ walked, carried atomic.Int64 }

// walkResult is what a declaration's walk found, and where it read code.
type walkResult struct {
	culprits []culprit
	uses     []fileUses // by file
}

// fileUses are the nodes of one file a walk read code at.
type fileUses struct {
	file  *analysis.File
	nodes []analysis.NodeID
}

// carriedWalk takes the walk of d's declaration in the program of the edited file's
// previous text (c, nil: none) when the edit kept everything it read: the culprits and
// uses, with the edited file's nodes moved. ok is false when the walk must run again.
func carriedWalk(c *torchsem.Carry, d *torchsem.ExportDecl) (*walkResult, bool) {
	if c == nil {
		return nil, false
	}
	od := c.Decl(d)
	if od == nil {
		return nil, false
	}
	v, ok := c.Memo(minSizeWalk{od})
	if !ok {
		return nil, false
	}
	old := v.(*walkResult)
	nw := &walkResult{culprits: make([]culprit, len(old.culprits)), uses: make([]fileUses, len(old.uses))}
	for i, fu := range old.uses {
		if !c.Replaced(fu.file) {
			// what another file holds is judged by the file: its nodes did not move
			if !c.Kept(fu.file, analysis.NoNode) {
				return nil, false
			}
			nw.uses[i] = fu
			continue
		}
		nu := fileUses{nodes: make([]analysis.NodeID, len(fu.nodes))}
		for k, n := range fu.nodes {
			f, m, ok := c.Node(fu.file, n)
			if !ok {
				return nil, false
			}
			nu.file, nu.nodes[k] = f, m
		}
		nw.uses[i] = nu
	}
	for i, oc := range old.culprits {
		nc := oc
		var ok1, ok2 bool
		nc.step.siteFile, nc.step.site, ok1 = c.Node(oc.step.siteFile, oc.step.site)
		nc.step.defFile, nc.step.def, ok2 = c.Node(oc.step.defFile, oc.step.def)
		in := d.Inputs[int(oc.hit.Ref.Param)]
		if !ok1 || !ok2 || in == nil {
			return nil, false
		}
		dd, ok := in.Axes[oc.hit.Axis]
		if !ok {
			return nil, false
		}
		nc.hit.Export, nc.hit.Decl = d, dd
		nw.culprits[i] = nc
	}
	return nw, true
}

// walkable reports whether d declares a dim a walk can follow: a readable spec of a model
// whose forward takes inputs.
func walkable(d *torchsem.ExportDecl) bool {
	return d.Forward != nil && d.Spec && d.Readable && d.Class != nil && len(d.Forward.Params) > 0
}

// walkDeclared follows every input export declaration d declares dynamic with a named Dim
// and returns the culprits, in the order the walk meets them, and where it read code. Each
// declaration's walk has a budget of its own, so what one export call finds does not
// depend on the others.
func walkDeclared(p *torchsem.Program, d *torchsem.ExportDecl) *walkResult {
	w := &minWalk{prog: p, budget: walkBudget, culprits: map[dimKey]*culprit{}, uses: map[walkUse]bool{}, classes: map[*analysis.Class]bool{}}
	cs := w.walkDecl(d)
	r := &walkResult{culprits: cs}
	at := map[*analysis.File]int{} // index in r.uses
	for u := range w.uses {
		i, ok := at[u.file]
		if !ok {
			i = len(r.uses)
			at[u.file] = i
			r.uses = append(r.uses, fileUses{file: u.file})
		}
		r.uses[i].nodes = append(r.uses[i].nodes, u.node)
	}
	return r
}

// walkDecl is walkDeclared's walk.
func (w *minWalk) walkDecl(d *torchsem.ExportDecl) []culprit {
	w.use(d.FwdFile, d.Forward.Node) // its parameters say what to follow
	fr := &frame{f: d.FwdFile, fn: d.Forward, clsFile: d.ClassFile, cls: d.Class, vars: map[string]*track{}}
	for param, in := range d.Inputs {
		if param < 1 || param >= len(d.Forward.Params) || d.Forward.Params[param].Kind != analysis.Positional && d.Forward.Params[param].Kind != analysis.KeywordOnly {
			continue
		}
		for _, dd := range in.Axes {
			if rangeChecked(dd) {
				fr.vars[d.Forward.Params[param].Name] = &track{decl: d, param: param, in: in, rank: in.Rank}
				break
			}
		}
	}
	if len(fr.vars) == 0 {
		return nil
	}
	w.useClass(d.ClassFile, d.Class) // rootEnv reads its constructor
	fr.env = rootEnv(d)              // the constructor's values, once there is something to follow
	w.walk(fr)
	cs := make([]culprit, 0, len(w.order))
	for _, k := range w.order {
		cs = append(cs, *w.culprits[k])
	}
	return cs
}

// minSpec is the declaration with min= raised to need: `Dim("h", min=13, max=1024)`, or for
// a derived dim its base's min.
func minSpec(d torchsem.DimDecl, need int) (torchsem.DimDecl, int, bool) {
	nd := d
	base := need
	if d.Kind == torchsem.DimDerived {
		if d.Mult < 1 {
			return d, 0, false
		}
		base = ceilDiv(need-d.Add, d.Mult)
	}
	if d.Max >= 0 && base > d.Max {
		return d, 0, false // no declared size is large enough
	}
	nd.Min = base
	return nd, base, true
}

// reportMinSizes reports the culprits whose call lies in the pass's file, one finding per
// call.
func reportMinSizes(pass *analysis.Pass, culprits []culprit) {
	f := pass.File
	bySite := map[analysis.NodeID][]culprit{}
	var sites []analysis.NodeID
	for _, c := range culprits {
		if c.step.siteFile != f {
			continue
		}
		if _, ok := bySite[c.step.site]; !ok {
			sites = append(sites, c.step.site)
		}
		bySite[c.step.site] = append(bySite[c.step.site], c)
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i] < sites[j] })
	t := f.Tree
	for _, site := range sites {
		cs := bySite[site]
		var empty, later, decls, specs []string
		seen := map[string]bool{}
		for _, c := range cs {
			label := strconv.Quote(dimLabel(c.hit))
			add := func(list *[]string, s string) {
				if !seen[s] {
					seen[s] = true
					*list = append(*list, s)
				}
			}
			if c.need < 0 {
				add(&empty, "for every size of "+label)
			} else {
				add(&empty, fmt.Sprintf("%s < %d", label, c.need))
			}
			if c.total > c.need && c.need > 0 {
				add(&later, fmt.Sprintf("%s >= %d", label, c.total))
			}
			if d := fmt.Sprintf("dim %s (%s)", label, declaredAs(c.hit)); !seen[d] {
				seen[d] = true
				decls = append(decls, d)
			}
			if nd, _, ok := minSpec(c.hit.Decl, c.total); ok && c.total > 0 {
				add(&specs, nd.String())
			}
		}
		what := fix.Snippet(t, site)
		first := cs[0].step
		var msg string
		if first.def != site {
			msg = fmt.Sprintf("%s runs %s (%s), whose output is empty when %s", what, fix.Snippet(first.defFile.Tree, first.def), where(first.defFile, first.def), joinOr(empty))
		} else {
			msg = fmt.Sprintf("%s gives an empty output when %s", what, joinOr(empty))
		}
		if len(later) > 0 {
			msg += fmt.Sprintf(" (the layers after it need %s)", joinCapped(later))
		}
		verb := "starts"
		if len(decls) > 1 {
			verb = "start"
		}
		from := fmt.Sprintf(" at %d", lowerBound(cs[0].hit.Decl))
		for _, c := range cs[1:] {
			if lowerBound(c.hit.Decl) != lowerBound(cs[0].hit.Decl) {
				from, verb = "", "allows smaller sizes"
				if len(decls) > 1 {
					verb = "allow smaller sizes"
				}
			}
		}
		msg += fmt.Sprintf(", but %s %s%s: export fails (\"Not all values of %s ... satisfy the generated guard\")",
			joinCapped(decls), verb, from, dimLabel(cs[0].hit))
		if len(specs) > 0 {
			msg += "; declare " + joinCapped(specs)
		}
		fd := pass.Reportf(site, analysis.Fails, "%s", msg)
		if first.def != site {
			dt := first.defFile.Tree
			r := analysis.Related{Start: dt.Start(first.def), End: dt.End(first.def), Message: "the layer, built here"}
			if first.defFile != f {
				r.Path, r.Src = first.defFile.Path, first.defFile.Src
			}
			fd.Related = append(fd.Related, r)
		}
		for _, c := range cs {
			need := fmt.Sprintf("the model needs it to be at least %d", c.total)
			if c.total < 0 {
				need = "no size gets through the model"
			}
			if rel, ok := declRelated(f, c.hit, fmt.Sprintf("%s.shape[%d] is declared dynamic here (%s); %s", c.hit.Param(), c.hit.Axis, c.hit.Decl, need)); ok {
				addRelated(fd, rel)
			}
			if rel, ok := exportRelated(f, c.hit); ok {
				addRelated(fd, rel)
			}
			if c.total < 0 {
				continue
			}
			nd, base, ok := minSpec(c.hit.Decl, c.total)
			call := dimCall(c.hit.Decl, c.hit.Export.Site.Func)
			if !ok || call == analysis.NoNode {
				continue
			}
			if e, ok := setKeyword(c.hit.Decl.File, call, "min", base); ok {
				title := fmt.Sprintf("declare %s at the export call (%s): smaller inputs are rejected", nd, c.hit.Export.Where())
				if fx, ok := fixAt(f, c.hit, title, e); ok {
					fd.Fixes = append(fd.Fixes, fx)
				}
			}
		}
	}
}

// joinOr joins conditions with "or", the first maxListed of them, the rest counted.
func joinOr(parts []string) string {
	if len(parts) > maxListed {
		return strings.Join(parts[:maxListed], " or ") + fmt.Sprintf(" (and %d more)", len(parts)-maxListed)
	}
	return strings.Join(parts, " or ")
}

// where names a place for messages: "layers.py:12" (pysem.File.Place).
func where(f *analysis.File, n analysis.NodeID) string { return f.Place(f.Tree.Start(n)) }
