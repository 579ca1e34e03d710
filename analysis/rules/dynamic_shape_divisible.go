package rules

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/fix"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// DynamicShapeDivisible finds reshapes that need a declared-dynamic dimension to be a
// multiple of a constant.
var DynamicShapeDivisible = &analysis.Rule{
	Name: "dynamic_shape_divisible",
	Doc: `## What it does
Finds, in code that torch.export traces, the reshapes that only work when a dimension the export
call declares dynamic with a named ` + "`Dim`" + ` is a multiple of a constant:
- ` + "`view`" + `, ` + "`reshape`" + ` and ` + "`unflatten`" + ` that split a size into a quotient and the factor,
  ` + "`x.view(B, C, H // 16, 16, W // 16, 16)`" + ` (patch partition, space-to-depth), the factor a literal or
  a configuration value;
- ` + "`x.reshape(B, -1, 4)`" + ` and ` + "`x.unflatten(2, (-1, 16))`" + ` on an input whose remaining sizes must divide by the
  literal factors;
- ` + "`x.split(16, dim=2)`" + ` on a dynamic dimension: the number of pieces is a Python int that depends on it.

It reports nothing when no export call (or configuration entry) declares the dimension dynamic:
with static shapes these reshapes export as they are. Nor when the dimension is declared static, is
` + "`Dim.AUTO`" + ` or ` + "`Dim.DYNAMIC`" + ` (export then infers the range and relations itself), is already a derived
dim whose factor covers the divisor (` + "`16 * Dim(\"h_16\")`" + `), or when the code pads or crops the size to
a multiple first (` + "`H + (16 - H % 16) % 16`" + `).

## Why is this bad
Export traces the reshape with a symbolic size and must prove that the element counts match for
every size the ` + "`Dim`" + ` allows. ` + "`H // 16 * 16 == H`" + ` holds only for multiples of 16, so export records a
guard (` + "`H % 16 == 0`" + `) that some declared sizes break, and fails with "Not all values of h ... in the
specified range ... satisfy the generated guard". Torch names no source line; this finding names the
reshape and the ` + "`Dim`" + ` it narrows.

## Example
` + "```python" + `
def forward(self, x):
    B, C, H, W = x.shape
    return x.view(B, C, H // 4, 4, W // 4, 4)

export(M(), (torch.randn(2, 3, 64, 64),),
       dynamic_shapes={"x": {2: Dim("h", min=32, max=1024), 3: Dim("w", min=32, max=1024)}})
` + "```" + `

## Use instead
Declare the dimension as a multiple of the factor with a derived dim: ` + "`4 * Dim(\"h_4\", min=8, max=256)`" + `
accepts exactly the sizes the reshape supports. Or pad the input to a multiple before the reshape.
` + "`torch._check(H % 4 == 0)`" + ` does not help: on an input's size it is a guard like the reshape's own.

## Fix safety
The fix replaces the ` + "`Dim(...)`" + ` of the export call by the derived dim, the least common multiple of what
the file's reshapes need; the export call may be in another file (the editor applies such a fix,
` + "`check`" + ` shows it). It is unsafe: the exported program then rejects sizes that are not multiples of
the factor (which the reshape could not handle anyway). There is no fix for a factor that is not a
literal, a dim already derived, or a product of several dims; the message says what they need.

## References
- [torch.export: expressing dynamism, derived dims](https://pytorch.org/docs/main/export.html)
- [torch.export tutorial: constraint violations and suggested fixes](https://pytorch.org/tutorials/intermediate/torch_export_tutorial.html)
`,
	Local:        true,
	Declarations: true,
	Run:          runDynamicShapeDivisible,
}

// divReq is one divisibility a reshape needs of a declared dim.
type divReq struct {
	hit   torchsem.DimHit
	k     int    // the factor, when it is a literal (0 otherwise)
	kText string // the factor as written
	what  string // the divided size as written, when it is not the dim itself ("" when it is)
}

// reshapeLastNames are the method and function names the rule looks at.
var reshapeLastNames = map[string]bool{"view": true, "reshape": true, "unflatten": true, "split": true}

func runDynamicShapeDivisible(pass *analysis.Pass) {
	f := pass.File
	t := f.Tree
	if len(f.Program().Declarations()) == 0 {
		return // nothing is declared dynamic anywhere in the project
	}
	// what a reshape needs, read once per call in this run (by the unit's summary, then
	// by the report)
	type pending struct {
		rc      reshapeCall
		reqs    []divReq
		product string
	}
	read := map[analysis.NodeID]*pending{}
	pendingAt := func(call analysis.NodeID, fn *analysis.Function) *pending {
		if p, ok := read[call]; ok {
			return p
		}
		var p *pending
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		if t.Kind(callee) == syntax.KindAttribute && reshapeLastNames[string(t.Text(t.Field(callee, syntax.FieldAttribute)))] {
			if rc, ok := reshapeOf(f, fn, call); ok {
				p = &pending{rc: rc}
				if !rc.split {
					p.reqs = quotients(f, fn, rc.sizes)
					if len(p.reqs) == 0 {
						p.reqs, p.product = inferredRest(f, fn, rc)
					}
				}
			}
		}
		read[call] = p
		return p
	}
	// one derived dim per Dim of the project's export calls: the least common multiple of
	// what the file's reshapes need of it, from each unit's summary of its reshapes' needs
	multiple := map[string]int{}
	for _, s := range pass.PerUnit(func(analysis.NodeID) any {
		var needs []divNeed
		pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
			if p := pendingAt(call, fn); p != nil {
				for _, r := range p.reqs {
					if key, ok := keyOf(r, p.product); ok {
						needs = append(needs, divNeed{key, r.k})
					}
				}
			}
		})
		return needs
	}) {
		for _, n := range s.([]divNeed) {
			if m := multiple[n.key]; m == 0 {
				multiple[n.key] = n.k
			} else if l := m / gcd(m, n.k) * n.k; l < 1<<20 {
				multiple[n.key] = l
			}
		}
	}
	pass.KeepWhile(multiplesFingerprint(multiple))
	pass.Traced(syntax.KindCall, func(call analysis.NodeID, fn *analysis.Function) {
		p := pendingAt(call, fn)
		switch {
		case p == nil:
		case p.rc.split:
			reportSplit(pass, fn, call, p.rc)
		case len(p.reqs) > 0:
			reportDivisible(pass, call, p.rc, p.reqs, p.product, multiple)
		}
	})
}

// divNeed is what a reshape needs of a declared Dim, as a unit's summary keeps it.
type divNeed struct {
	key string // keyOf the Dim
	k   int
}

// multiplesFingerprint hashes the multiples found for each Dim, in any order.
func multiplesFingerprint(multiple map[string]int) uint64 {
	var sum uint64
	for key, k := range multiple {
		h := fnv.New64a()
		h.Write([]byte(key))
		h.Write([]byte(strconv.Itoa(k)))
		sum += h.Sum64() // a sum does not depend on the map's order
	}
	return sum
}

// keyOf returns the key of a requirement a derived dim can declare (a literal factor of a
// named dim read as it is): where its Dim is written, by file, line, column and length, so
// that the key a kept summary holds names the same Dim in a later text while the
// declarations are the same (torchsem's DeclFingerprintIn keeps the lines of the file's
// own export calls, and every offset of other files').
func keyOf(r divReq, product string) (string, bool) {
	d := r.hit.Decl
	if product != "" || r.what != "" || r.k < 2 || d.Kind != torchsem.DimNamed || d.File == nil || d.Node == analysis.NoNode {
		return "", false
	}
	t := d.File.Tree
	start := t.Start(d.Node)
	col := start - (bytes.LastIndexByte(d.File.Src[:start], '\n') + 1)
	return d.File.Path + "\x00" + d.File.Module.Name + "\x00" + strconv.Itoa(d.File.Line(start)) + ":" + strconv.Itoa(col) + ":" + strconv.Itoa(t.End(d.Node)-start), true
}

// reshapeCall is a view, reshape, unflatten or split call: its receiver, and the sizes (one
// per target dimension) or the split size.
type reshapeCall struct {
	method string
	recv   analysis.NodeID
	dim    analysis.NodeID // unflatten's and split's dim (NoNode: split's default 0)
	sizes  []analysis.NodeID
	split  bool
	piece  analysis.NodeID // split's split_size_or_sections
}

// reshapeOf reads a call of x.view(...), x.reshape(...), torch.reshape(x, ...),
// x.unflatten(dim, sizes), torch.unflatten(x, dim, sizes), x.split(k, dim) or
// torch.split(x, k, dim).
func reshapeOf(f *analysis.File, fn *analysis.Function, call analysis.NodeID) (reshapeCall, bool) {
	t := f.Tree
	api := f.Callee(fn, call).API
	pos, _ := f.Args(call)
	for _, p := range pos {
		if t.Kind(p) == syntax.KindListSplat && api != "torch.Tensor.view" && api != "torch.Tensor.reshape" {
			return reshapeCall{}, false
		}
	}
	obj := t.Field(t.Unparen(t.Field(call, syntax.FieldFunction)), syntax.FieldObject)
	arg := func(i int, kw string) analysis.NodeID {
		if i < len(pos) {
			return pos[i]
		}
		return f.KwArg(call, kw)
	}
	rc := reshapeCall{dim: analysis.NoNode, piece: analysis.NoNode}
	switch api {
	case "torch.Tensor.view", "torch.Tensor.reshape":
		rc.method, rc.recv = api[len("torch.Tensor."):], obj
		if len(pos) == 0 {
			if s := f.KwArg(call, "shape"); s != analysis.NoNode {
				pos = []analysis.NodeID{s}
			} else if s := f.KwArg(call, "size"); s != analysis.NoNode {
				pos = []analysis.NodeID{s}
			}
		}
		rc.sizes = sizeList(f, fn, pos)
	case "torch.reshape":
		if len(pos) == 0 {
			return rc, false
		}
		rc.method, rc.recv = "reshape", pos[0]
		rc.sizes = sizeList(f, fn, []analysis.NodeID{arg(1, "shape")})
	case "torch.Tensor.unflatten":
		rc.method, rc.recv, rc.dim = "unflatten", obj, arg(0, "dim")
		rc.sizes = sizeList(f, fn, []analysis.NodeID{arg(1, "sizes")})
	case "torch.unflatten":
		if len(pos) == 0 {
			return rc, false
		}
		rc.method, rc.recv, rc.dim = "unflatten", pos[0], arg(1, "dim")
		rc.sizes = sizeList(f, fn, []analysis.NodeID{arg(2, "sizes")})
	case "torch.Tensor.split":
		rc.method, rc.recv, rc.split = "split", obj, true
		rc.piece, rc.dim = arg(0, "split_size"), arg(1, "dim")
	case "torch.split":
		if len(pos) == 0 {
			return rc, false
		}
		rc.method, rc.recv, rc.split = "split", pos[0], true
		rc.piece, rc.dim = arg(1, "split_size_or_sections"), arg(2, "dim")
	default:
		return rc, false
	}
	if rc.split {
		return rc, rc.piece != analysis.NoNode
	}
	return rc, len(rc.sizes) > 0
}

// sizeList flattens size arguments: a tuple or list (written there or bound to a name) gives
// its elements, *shape the elements of what shape is bound to.
func sizeList(f *analysis.File, fn *analysis.Function, args []analysis.NodeID) []analysis.NodeID {
	t := f.Tree
	var out []analysis.NodeID
	for _, a := range args {
		if a == analysis.NoNode {
			continue
		}
		splat := t.Kind(a) == syntax.KindListSplat
		if splat {
			a = t.NamedChild(a, 0)
		}
		v := f.BoundValue(fn, a)
		if k := t.Kind(v); k == syntax.KindTuple || k == syntax.KindList {
			t.Children(v, func(c analysis.NodeID) bool {
				if t.IsNamed(c) && !t.IsComment(c) {
					out = append(out, c)
				}
				return true
			})
			continue
		}
		if splat {
			return nil // *shape of something that is not a literal sequence
		}
		out = append(out, a)
	}
	return out
}

// maxFollow bounds the names followed to their values when reading a size expression.
const maxFollow = 4

// quotients finds in sizes the floor divisions `E // k` of a size that reads a declared
// dynamic dim, beside the factor k itself (the size split in two: H // 16, 16): each needs
// E to be a multiple of k.
func quotients(f *analysis.File, fn *analysis.Function, sizes []analysis.NodeID) []divReq {
	t := f.Tree
	factors := map[string]bool{}
	for _, s := range sizes {
		factors[compactText(t, s)] = true
	}
	var out []divReq
	seen := map[string]bool{}
	var visit func(e analysis.NodeID, scope *analysis.Function, depth int)
	visit = func(e analysis.NodeID, scope *analysis.Function, depth int) {
		for id, end := e, t.SubtreeEnd(e); id < end; id++ {
			switch t.Kind(id) {
			case syntax.KindIdentifier:
				if depth < maxFollow && t.FieldOf(id) != syntax.FieldAttribute && t.FieldOf(id) != syntax.FieldName {
					if v := f.BoundValue(scope, id); v != id && v != analysis.NoNode {
						owner := f.Owner(v)
						if owner == nil {
							owner = scope
						}
						visit(v, owner, depth+1)
					}
				}
			case syntax.KindBinaryOperator:
				if t.Operator(id) != "//" {
					continue
				}
				l, r := t.Field(id, syntax.FieldLeft), t.Field(id, syntax.FieldRight)
				kText := compactText(t, r)
				k, lit := pysem.IntLiteral(t, r)
				if !lit && t.Kind(t.Unparen(r)) == syntax.KindIdentifier {
					k, lit = pysem.IntLiteral(t, f.BoundValue(scope, r)) // P = 16 at module level
					if lit && !factors[kText] {
						continue
					}
				}
				switch {
				case lit && (k < 2 || k > 1<<20 || !factors[strconv.FormatInt(k, 10)] && !factors[kText]):
					continue
				case !lit && (!factors[kText] || !f.Value(scope, r).Is(torchsem.Const|torchsem.StaticInt)):
					continue
				case !lit:
					k = 0
				default:
					kText = strconv.FormatInt(k, 10)
				}
				verdict, hits := f.Dims(f.Value(scope, l))
				if verdict != torchsem.DimsDynamic || padded(f, scope, l, kText, 0) {
					continue
				}
				plain := plainSize(f, scope, l) && len(hits) == 1
				for _, h := range hits {
					if !rangeChecked(h.Decl) || k > 0 && plain && multipleOf(h.Decl, int(k)) {
						continue
					}
					r := divReq{hit: h, k: int(k), kText: kText}
					if !plain {
						r.what = fix.Short(t, l)
					}
					key := dimLabel(h) + "/" + kText + "/" + r.what + "/" + h.Export.Where()
					if !seen[key] {
						seen[key] = true
						out = append(out, r)
					}
				}
			}
		}
	}
	for _, s := range sizes {
		visit(s, fn, 0)
	}
	return out
}

// compactText is n's source without white space, to compare factors as written.
func compactText(t *syntax.Tree, n analysis.NodeID) string {
	return strings.Join(strings.Fields(t.String(t.Unparen(n))), "")
}

// padded reports whether size expression e (names followed) rounds to a multiple of the
// factor already: it contains `% k` for the same k (H + (k - H % k) % k, H - H % k).
func padded(f *analysis.File, scope *analysis.Function, e analysis.NodeID, kText string, depth int) bool {
	t := f.Tree
	for id, end := e, t.SubtreeEnd(e); id < end; id++ {
		switch t.Kind(id) {
		case syntax.KindBinaryOperator:
			if t.Operator(id) == "%" && compactText(t, t.Field(id, syntax.FieldRight)) == kText {
				return true
			}
		case syntax.KindIdentifier:
			if depth < maxFollow && t.FieldOf(id) != syntax.FieldAttribute {
				if v := f.BoundValue(scope, id); v != id && v != analysis.NoNode && padded(f, scope, v, kText, depth+1) {
					return true
				}
			}
		}
	}
	return false
}

// plainSize reports whether e (names followed) is one dimension read as it is: x.shape[2],
// x.size(2), a name unpacked from x.shape; not arithmetic on it.
func plainSize(f *analysis.File, scope *analysis.Function, e analysis.NodeID) bool {
	t := f.Tree
	e = f.BoundValue(scope, e)
	switch t.Kind(e) {
	case syntax.KindIdentifier, syntax.KindSubscript:
		return true
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		return t.Kind(callee) == syntax.KindAttribute && t.TextIs(t.Field(callee, syntax.FieldAttribute), "size")
	}
	return false
}

// inputsOf returns the declarations of the input a tensor value is tied to (the tensor
// passed in, or elementwise arithmetic on it), with the ref that ties it.
func inputsOf(f *analysis.File, v torchsem.Value) ([]*torchsem.ExportDecl, torchsem.Ref) {
	p := f.Program()
	for _, r := range v.Refs() {
		if r.Of != torchsem.RefInput {
			continue
		}
		rf, rfn := p.Root(r.Root)
		var out []*torchsem.ExportDecl
		for _, d := range p.Declarations() {
			if d.Forward == rfn && d.FwdFile == rf && d.Spec && d.Readable && d.Inputs[int(r.Param)] != nil {
				out = append(out, d)
			}
		}
		if len(out) > 0 {
			return out, r
		}
	}
	return nil, torchsem.Ref{}
}

// inferredRest judges a reshape with -1 (or unflatten into (-1, k)) of an input: the sizes
// it does not name must divide by the product of its literal factors. It returns the
// requirement on the one dynamic dim left, or a description of the product of several.
func inferredRest(f *analysis.File, fn *analysis.Function, rc reshapeCall) ([]divReq, string) {
	t := f.Tree
	decls, ref := inputsOf(f, f.Value(fn, rc.recv))
	if len(decls) == 0 {
		return nil, ""
	}
	factor, minusOnes := 1, 0
	var named []analysis.NodeID
	for _, s := range rc.sizes {
		if k, ok := pysem.IntLiteral(t, s); ok {
			switch {
			case k == -1:
				minusOnes++
			case k > 1 && k < 1<<20:
				factor *= int(k)
			case k < 1:
				return nil, ""
			}
			continue
		}
		named = append(named, s)
	}
	if minusOnes != 1 || factor == 1 {
		return nil, ""
	}
	var out []divReq
	var product string
	for _, d := range decls {
		in := d.Inputs[int(ref.Param)]
		if in.Rank < 0 {
			continue
		}
		// the axes the reshape keeps: the unflattened dim, or every axis the sizes name
		kept := map[int]bool{}
		if rc.method == "unflatten" {
			axis, ok := axisOf(t, rc.dim, in.Rank)
			if !ok || len(named) > 0 {
				continue
			}
			for a := 0; a < in.Rank; a++ {
				kept[a] = a != axis
			}
		} else {
			ok := true
			for _, s := range named {
				a, found := ownAxis(f, fn, s, ref, in.Rank)
				if !found || kept[a] {
					ok = false
					break
				}
				kept[a] = true
			}
			if !ok {
				continue
			}
		}
		staticSizes, _ := exampleSizes(d, int(ref.Param))
		static := 1
		var dynamic []int
		known := true
		for a := 0; a < in.Rank; a++ {
			if kept[a] {
				continue
			}
			if dd, ok := in.Axes[a]; ok && dd.Dynamic() {
				if !rangeChecked(dd) {
					known = false
					break
				}
				dynamic = append(dynamic, a)
				continue
			}
			if a >= len(staticSizes) {
				known = false
				break
			}
			static *= staticSizes[a]
		}
		if !known || len(dynamic) == 0 {
			continue
		}
		need := factor / gcd(factor, static)
		if need == 1 {
			continue
		}
		if len(dynamic) > 1 {
			var names []string
			for _, a := range dynamic {
				names = append(names, dimLabel(torchsem.DimHit{Ref: ref, Axis: a, Decl: in.Axes[a], Export: d}))
			}
			product = fmt.Sprintf("the product of %s to be a multiple of %d", joinWords(names), need)
			h := torchsem.DimHit{Ref: ref, Axis: dynamic[0], Decl: in.Axes[dynamic[0]], Export: d}
			out = append(out, divReq{hit: h, k: need, kText: strconv.Itoa(need)})
			continue
		}
		a := dynamic[0]
		dd := in.Axes[a]
		if multipleOf(dd, need) {
			continue
		}
		h := torchsem.DimHit{Ref: torchsem.Ref{Root: ref.Root, Param: ref.Param, Axis: int8(a), Of: torchsem.RefDim}, Axis: a, Decl: dd, Export: d}
		out = append(out, divReq{hit: h, k: need, kText: strconv.Itoa(need)})
	}
	return out, product
}

// ownAxis returns the axis of the receiver's input that size expression s reads as it is
// (B = x.shape[0]; x.size(0)).
func ownAxis(f *analysis.File, fn *analysis.Function, s analysis.NodeID, ref torchsem.Ref, rank int) (int, bool) {
	if !plainSize(f, fn, s) {
		return 0, false
	}
	axis, found := 0, false
	for _, r := range f.Value(fn, s).Refs() {
		if r.Root != ref.Root || r.Param != ref.Param {
			continue
		}
		if r.Of != torchsem.RefDim || found {
			return 0, false
		}
		axis, found = int(r.Axis), true
		if axis < 0 {
			axis += rank
		}
	}
	return axis, found && axis >= 0 && axis < rank
}

// axisOf reads a literal dim argument (default 0), negative ones counted from rank.
func axisOf(t *syntax.Tree, dim analysis.NodeID, rank int) (int, bool) {
	if dim == analysis.NoNode {
		return 0, true
	}
	k, ok := pysem.IntLiteral(t, dim)
	if !ok {
		return 0, false
	}
	a := int(k)
	if a < 0 {
		if rank < 0 {
			return 0, false
		}
		a += rank
	}
	return a, a >= 0 && (rank < 0 || a < rank)
}

// exampleSizes reads the sizes of the example input an export call passes for forward
// parameter param, when it is built by a torch constructor with literal sizes.
func exampleSizes(d *torchsem.ExportDecl, param int) ([]int, bool) {
	if d.Site == nil || d.Site.Args == analysis.NoNode || param < 1 {
		return nil, false
	}
	f := d.File
	t := f.Tree
	args := f.BoundValue(d.Site.Func, d.Site.Args)
	if t.Kind(args) != syntax.KindTuple {
		return nil, false
	}
	var el analysis.NodeID = analysis.NoNode
	i := 0
	t.Children(args, func(c analysis.NodeID) bool {
		if t.IsNamed(c) && !t.IsComment(c) {
			i++
			if i == param {
				el = c
			}
		}
		return el == analysis.NoNode
	})
	if el == analysis.NoNode {
		return nil, false
	}
	el = f.BoundValue(d.Site.Func, el)
	if t.Kind(el) != syntax.KindCall {
		return nil, false
	}
	switch f.Resolve(t.Field(el, syntax.FieldFunction)) {
	case "torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty":
	default:
		return nil, false
	}
	pos, _ := f.Args(el)
	if len(pos) == 1 {
		if k := t.Kind(t.Unparen(pos[0])); k == syntax.KindTuple || k == syntax.KindList {
			seq := t.Unparen(pos[0])
			pos = nil
			t.Children(seq, func(c analysis.NodeID) bool {
				if t.IsNamed(c) && !t.IsComment(c) {
					pos = append(pos, c)
				}
				return true
			})
		}
	}
	var out []int
	for _, p := range pos {
		k, ok := pysem.IntLiteral(t, p)
		if !ok || k < 0 || k > 1<<30 {
			return nil, false
		}
		out = append(out, int(k))
	}
	return out, len(out) > 0
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 0 {
		return -a
	}
	return a
}

// reportDivisible reports the divisibilities a reshape needs, with the derived dims that
// declare them.
func reportDivisible(pass *analysis.Pass, call analysis.NodeID, rc reshapeCall, reqs []divReq, product string, multiple map[string]int) {
	f := pass.File
	var needs, decls []string
	seenDecl := map[string]bool{}
	byFactor := map[string][]string{} // plain dims by factor: "h" and "w" to be multiples of 4
	var factors []string
	for _, r := range reqs {
		switch {
		case product != "":
			if len(needs) == 0 {
				needs = append(needs, product)
			}
		case r.what != "":
			needs = append(needs, fmt.Sprintf("%s (which reads %q) to be a multiple of %s", r.what, dimLabel(r.hit), r.kText))
		default:
			if byFactor[r.kText] == nil {
				factors = append(factors, r.kText)
			}
			byFactor[r.kText] = append(byFactor[r.kText], strconv.Quote(dimLabel(r.hit)))
		}
		if d := fmt.Sprintf("dim %q (%s)", dimLabel(r.hit), declaredAs(r.hit)); !seenDecl[d] {
			seenDecl[d] = true
			decls = append(decls, d)
		}
	}
	for _, k := range factors {
		if names := byFactor[k]; len(names) == 1 {
			needs = append(needs, fmt.Sprintf("%s to be a multiple of %s", names[0], k))
		} else {
			needs = append(needs, fmt.Sprintf("%s to be multiples of %s", joinWords(names), k))
		}
	}
	verb := "allows"
	if len(decls) > 1 {
		verb = "allow"
	}
	msg := fmt.Sprintf("%s needs %s, but %s %s other sizes: export fails (\"Not all values of %s ... satisfy the generated guard\")",
		rc.method, joinCapped(needs), joinCapped(decls), verb, dimLabel(reqs[0].hit))
	var specs []string
	var fixes []divReq // those with a derived dim to declare, their k set
	for _, r := range reqs {
		key, ok := keyOf(r, product)
		if !ok {
			continue
		}
		r.k = multiple[key]
		if spec, ok := derivedSpec(r.hit, r.k); ok {
			specs = append(specs, spec)
			fixes = append(fixes, r)
		}
	}
	if len(specs) > 0 {
		msg += "; declare " + joinWords(specs)
	}
	fd := pass.Reportf(call, analysis.Fails, "%s", msg)
	for _, r := range reqs {
		note := fmt.Sprintf("%s.shape[%d] is declared dynamic here (%s); %s needs it to be a multiple of %s", r.hit.Param(), r.hit.Axis, r.hit.Decl, rc.method, r.kText)
		if rel, ok := declRelated(f, r.hit, note); ok {
			addRelated(fd, rel)
		}
		if rel, ok := exportRelated(f, r.hit); ok {
			addRelated(fd, rel)
		}
	}
	for _, r := range fixes {
		if fx, ok := multipleFix(f, r.hit, r.k); ok {
			fd.Fixes = append(fd.Fixes, fx)
		}
	}
}

// reportSplit reports x.split(k, dim) on a declared dynamic dim: the number of pieces is a
// Python int that depends on the dim (or, for a list of sizes, their sum must equal it).
func reportSplit(pass *analysis.Pass, fn *analysis.Function, call analysis.NodeID, rc reshapeCall) {
	f := pass.File
	t := f.Tree
	decls, ref := inputsOf(f, f.Value(fn, rc.recv))
	piece := t.Unparen(rc.piece)
	k, lit := pysem.IntLiteral(t, piece)
	list := t.Kind(piece) == syntax.KindList || t.Kind(piece) == syntax.KindTuple
	if !lit && !list || lit && k < 1 {
		return
	}
	for _, d := range decls {
		in := d.Inputs[int(ref.Param)]
		axis, ok := axisOf(t, rc.dim, in.Rank)
		if !ok {
			continue
		}
		dd, ok := in.Axes[axis]
		if !ok || !rangeChecked(dd) {
			continue
		}
		h := torchsem.DimHit{Ref: torchsem.Ref{Root: ref.Root, Param: ref.Param, Axis: int8(axis), Of: torchsem.RefDim}, Axis: axis, Decl: dd, Export: d}
		lo := lowerBound(dd)
		var what string
		if lit {
			hi := dd.Max
			if dd.Kind == torchsem.DimDerived && dd.Max >= 0 {
				hi = dd.Mult*dd.Max + dd.Add
			}
			if hi >= 0 && ceilDiv(lo, int(k)) == ceilDiv(hi, int(k)) {
				continue // one count of pieces for the whole range
			}
			what = fmt.Sprintf("cuts %q into pieces of %d: the number of pieces, ceil(%s / %d), is a Python int export fixes to the example's count", dimLabel(h), k, dimLabel(h), k)
		} else {
			what = fmt.Sprintf("cuts %q into the sizes %s, which must add up to it: export pins %s to their sum", dimLabel(h), fix.Short(t, piece), dimLabel(h))
		}
		fd := pass.Reportf(call, analysis.Fails, "split %s, but dim %q (%s) allows other sizes: export fails (\"Not all values of %s ... satisfy the generated guard\")",
			what, dimLabel(h), declaredAs(h), dimLabel(h))
		if rel, ok := declRelated(f, h, fmt.Sprintf("%s.shape[%d] is declared dynamic here (%s)", h.Param(), h.Axis, dd)); ok {
			addRelated(fd, rel)
		}
		if rel, ok := exportRelated(f, h); ok {
			addRelated(fd, rel)
		}
		return
	}
}
