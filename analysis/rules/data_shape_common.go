package rules

// Shared helpers of data_dependent_output_shape, tensor_to_python and cond_branch_contract
// (the family of rules about values whose shape or content only the data decides): which
// expressions are tensors whose length depends on tensor data (boolean-mask indexing,
// nonzero, unique, masked_select, repeat_interleave with tensor repeats, one-argument
// torch.where), which expressions are boolean masks, which numbers are the lengths of such
// tensors, and short code snippets for messages.
//
// Names are followed through the assignments of the function that uses them; a parameter is
// judged by what the semantic model (torchsem) says traced callers pass to it, so a helper
// that iterates over its argument is reported when forward hands it x.nonzero().

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/pysem"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
	"github.com/exportdb-lsp/exportdb-lsp/analysis/torchsem"
)

// ddsLimit bounds how far names and casts are followed.
const ddsLimit = 6

// ddsValue says what an expression is, as far as data-dependent shapes go.
type ddsValue struct {
	op    string // how the data-dependent length arises: "nonzero()", "boolean-mask indexing", ...
	node  analysis.NodeID
	tuple bool // a tuple of such tensors (nonzero(as_tuple=True), torch.where(mask))
	first bool // a tuple whose first element only is such a tensor (unique(return_counts=True))
}

// ok reports whether v is a tensor (not a tuple) whose length depends on the data.
func (v ddsValue) ok() bool { return v.op != "" && !v.tuple && !v.first }

// ddsTensorMethods are the tensor methods whose result has a data-dependent length.
var ddsTensorMethods = map[string]bool{
	"nonzero": true, "argwhere": true, "unique": true, "unique_consecutive": true,
	"masked_select": true, "repeat_interleave": true,
}

// ddsKeepLength are tensor methods whose result keeps the receiver's data-dependent length.
var ddsKeepLength = map[string]bool{
	"float": true, "double": true, "half": true, "bfloat16": true, "long": true, "int": true, "bool": true,
	"to": true, "t": true, "squeeze": true, "contiguous": true, "clone": true, "detach": true,
	"cpu": true, "cuda": true, "flatten": true, "abs": true, "neg": true, "sin": true, "cos": true,
	"exp": true, "log": true, "sqrt": true, "relu": true, "sigmoid": true, "tanh": true, "type_as": true,
}

// ddsMaskMethods are tensor methods (and torch functions) that return a boolean tensor.
var ddsMaskMethods = map[string]bool{
	"bool": true, "isnan": true, "isinf": true, "isfinite": true, "isneginf": true, "isposinf": true,
	"isreal": true, "signbit": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"greater": true, "less": true, "greater_equal": true, "less_equal": true, "not_equal": true,
	"logical_and": true, "logical_or": true, "logical_not": true, "logical_xor": true, "isin": true,
}

// ddsTensorish reports whether the model says e may be a tensor (a parameter a traced
// caller may pass one to, a buffer, a torch result).
func ddsTensorish(f *analysis.File, fn *analysis.Function, e analysis.NodeID) bool {
	return f.Value(fn, e).May(torchsem.Tensor)
}

// ddsOf classifies e inside fn.
func ddsOf(f *analysis.File, fn *analysis.Function, e analysis.NodeID) ddsValue {
	return ddsClassify(f, fn, e, 0)
}

func ddsClassify(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) ddsValue {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || fn == nil || depth > ddsLimit {
		return ddsValue{}
	}
	switch t.Kind(e) {
	case syntax.KindCall:
		return ddsCall(f, fn, e, depth)
	case syntax.KindSubscript:
		if ddsMaskIndexed(f, fn, e) {
			return ddsValue{op: "boolean-mask indexing", node: e}
		}
		inner := ddsClassify(f, fn, t.Field(e, syntax.FieldValue), depth+1)
		switch {
		case inner.tuple:
			return ddsValue{op: inner.op, node: inner.node} // torch.where(mask)[0]
		case inner.first:
			if idx := ddsIndex(t, e); len(idx) == 1 && t.TextIs(idx[0], "0") {
				return ddsValue{op: inner.op, node: inner.node}
			}
		case inner.op != "":
			// idx[:, 0] keeps the data-dependent rows; idx[0] is one row of static length
			if idx := ddsIndex(t, e); len(idx) > 0 && ddsFullSlice(t, idx[0]) {
				return inner
			}
		}
	case syntax.KindBinaryOperator:
		for _, side := range [...]analysis.NodeID{t.Field(e, syntax.FieldLeft), t.Field(e, syntax.FieldRight)} {
			if v := ddsClassify(f, fn, side, depth+1); v.ok() {
				return v
			}
		}
	case syntax.KindIdentifier:
		name := t.String(e)
		if ddsIsParam(fn, name) && ddsPassedIn(f.Value(fn, e)) {
			return ddsValue{op: "passed in by a traced caller", node: e}
		}
		return ddsName(f, fn, name, depth)
	}
	return ddsValue{}
}

// ddsIsParam reports whether name is a parameter of fn or of a function enclosing it.
func ddsIsParam(fn *analysis.Function, name string) bool {
	for s := fn; s != nil; s = s.Parent {
		if s.Param(name) != nil {
			return true
		}
	}
	return false
}

// ddsPassedIn reports whether the semantic model says a parameter holds a tensor whose length
// depends on the data: some traced call passes one (x.nonzero(), x[mask]), and every call
// passes a tensor.
func ddsPassedIn(v torchsem.Value) bool {
	return v.May(torchsem.DataShaped) && v.Is(torchsem.Tensor|torchsem.DataShaped|torchsem.BoolTensor)
}

// ddsCall classifies a call: a data-dependent-shape operator, or a method that keeps the
// receiver's data-dependent length.
func ddsCall(f *analysis.File, fn *analysis.Function, call analysis.NodeID, depth int) ddsValue {
	t := f.Tree
	callee := t.Unparen(t.Field(call, syntax.FieldFunction))
	if callee == analysis.NoNode || t.Kind(callee) != syntax.KindAttribute {
		return ddsValue{}
	}
	attr := t.Field(callee, syntax.FieldAttribute)
	if attr == analysis.NoNode {
		return ddsValue{}
	}
	if b := t.Text(attr); !ddsKeepLength[string(b)] && !ddsTensorMethods[string(b)] && string(b) != "view" && string(b) != "reshape" && string(b) != "where" {
		return ddsValue{} // the common case: decided without allocating or resolving the callee
	}
	m := t.String(attr)
	pos, _ := f.Args(call)
	if f.IsImported(callee) {
		q := f.Resolve(callee)
		name, ok := strings.CutPrefix(q, "torch.")
		if !ok || strings.Contains(name, ".") {
			return ddsValue{}
		}
		switch name {
		case "where":
			if len(pos) == 1 && !ddsHasKw(f, call) {
				return ddsValue{op: "torch.where() with one argument", node: call, tuple: true}
			}
			return ddsValue{}
		case "repeat_interleave":
			// torch.repeat_interleave(repeats) and torch.repeat_interleave(x, repeats)
			rep := f.KwArg(call, "repeats")
			switch {
			case rep != analysis.NoNode:
			case len(pos) == 1:
				rep = pos[0]
			case len(pos) >= 2:
				rep = pos[1]
			}
			return ddsRepeat(f, fn, call, rep)
		}
		if ddsTensorMethods[name] && len(pos) > 0 {
			return ddsShaped(f, call, name)
		}
		return ddsValue{}
	}
	recv := t.Field(callee, syntax.FieldObject)
	switch {
	case m == "repeat_interleave":
		rep := f.KwArg(call, "repeats")
		if rep == analysis.NoNode && len(pos) > 0 {
			rep = pos[0]
		}
		if !ddsTensorish(f, fn, recv) {
			return ddsValue{}
		}
		return ddsRepeat(f, fn, call, rep)
	case ddsTensorMethods[m]:
		if !ddsTensorish(f, fn, recv) {
			return ddsValue{}
		}
		return ddsShaped(f, call, m)
	case ddsKeepLength[m]:
		if v := ddsClassify(f, fn, recv, depth+1); v.ok() {
			return v
		}
	case m == "view" || m == "reshape":
		// x[mask].view(-1) keeps the data-dependent length
		if len(pos) == 1 && t.TextIs(t.Unparen(pos[0]), "-1") {
			if v := ddsClassify(f, fn, recv, depth+1); v.ok() {
				return v
			}
		}
	}
	return ddsValue{}
}

// ddsShaped builds the value of a nonzero/unique/masked_select/argwhere call, noting the
// forms that return tuples.
func ddsShaped(f *analysis.File, call analysis.NodeID, name string) ddsValue {
	v := ddsValue{op: name + "()", node: call}
	switch name {
	case "nonzero":
		v.tuple = ddsTrueKw(f, call, "as_tuple")
	case "unique", "unique_consecutive":
		v.first = ddsTrueKw(f, call, "return_inverse") || ddsTrueKw(f, call, "return_counts")
	}
	return v
}

// ddsRepeat: repeat_interleave has a data-dependent length when its repeats are a tensor and
// no output_size is given.
func ddsRepeat(f *analysis.File, fn *analysis.Function, call, rep analysis.NodeID) ddsValue {
	if rep == analysis.NoNode || f.KwArg(call, "output_size") != analysis.NoNode || !f.Value(fn, rep).IsTensor() {
		return ddsValue{}
	}
	return ddsValue{op: "repeat_interleave() with tensor repeats", node: call}
}

// ddsTrueKw reports whether the call passes name=<something other than False/None>.
func ddsTrueKw(f *analysis.File, call analysis.NodeID, name string) bool {
	v := f.KwArg(call, name)
	if v == analysis.NoNode {
		return false
	}
	k := f.Tree.Kind(f.Tree.Unparen(v))
	return k != syntax.KindFalse && k != syntax.KindNone
}

func ddsHasKw(f *analysis.File, call analysis.NodeID) bool {
	_, kws := f.Args(call)
	return len(kws) > 0
}

// ddsName classifies a name of fn (or an enclosing function) by its assignments: every one
// must give the same kind of value. Parameters are unknown.
func ddsName(f *analysis.File, fn *analysis.Function, name string, depth int) ddsValue {
	t := f.Tree
	for s := fn; s != nil; s = s.Parent {
		if s.Param(name) != nil {
			return ddsValue{}
		}
		var out ddsValue
		n := 0
		for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
			l := t.Unparen(t.Field(a, syntax.FieldLeft))
			if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
				continue
			}
			n++
			v := ddsClassify(f, s, t.Field(a, syntax.FieldRight), depth+1)
			if t.Kind(l) != syntax.KindIdentifier {
				// a, b = torch.where(mask); values, counts = x.unique(return_counts=True)
				i := ddsPatternIndex(t, l, name)
				switch {
				case v.tuple && i >= 0:
					v = ddsValue{op: v.op, node: v.node}
				case v.first && i == 0:
					v = ddsValue{op: v.op, node: v.node}
				default:
					return ddsValue{}
				}
			}
			if v.op == "" {
				return ddsValue{}
			}
			out = v
		}
		for _, k := range [...]syntax.Kind{syntax.KindForStatement, syntax.KindNamedExpression, syntax.KindAugmentedAssignment} {
			for _, b := range f.OwnNodes(s, k) {
				fd := syntax.FieldLeft
				if k == syntax.KindNamedExpression {
					fd = syntax.FieldName
				}
				if pysem.BindsName(t, t.Field(b, fd), name) {
					return ddsValue{}
				}
			}
		}
		if n > 0 {
			return out
		}
	}
	return ddsValue{}
}

// ddsPatternIndex returns the position of name among the top-level elements of an unpacking
// target (a, b = ...), or -1.
func ddsPatternIndex(t *syntax.Tree, pat analysis.NodeID, name string) int {
	i, at := 0, -1
	t.Children(pat, func(c analysis.NodeID) bool {
		if !t.IsNamed(c) || t.IsComment(c) {
			return true
		}
		if t.Kind(c) == syntax.KindIdentifier && t.TextIs(c, name) {
			at = i
		}
		i++
		return true
	})
	return at
}

// ddsIndex returns the index expressions of a subscript (x[a, b] gives a and b).
func ddsIndex(t *syntax.Tree, sub analysis.NodeID) []analysis.NodeID {
	var idx []analysis.NodeID
	ddsEachIndex(t, sub, func(i analysis.NodeID) bool {
		idx = append(idx, i)
		return true
	})
	return idx
}

// ddsEachIndex calls visit for each index expression of a subscript, in order, until it
// returns false; it allocates nothing (subscripts are common in traced code).
func ddsEachIndex(t *syntax.Tree, sub analysis.NodeID, visit func(analysis.NodeID) bool) {
	var first analysis.NodeID = analysis.NoNode
	n := 0
	t.Children(sub, func(c analysis.NodeID) bool {
		if t.FieldOf(c) == syntax.FieldSubscript && !t.IsComment(c) {
			if n == 0 {
				first = c
			}
			n++
		}
		return true
	})
	if n == 1 && t.Kind(first) == syntax.KindTuple {
		t.Children(first, func(c analysis.NodeID) bool {
			if t.IsNamed(c) && !t.IsComment(c) {
				return visit(c)
			}
			return true
		})
		return
	}
	t.Children(sub, func(c analysis.NodeID) bool {
		if t.FieldOf(c) == syntax.FieldSubscript && !t.IsComment(c) {
			return visit(c)
		}
		return true
	})
}

// ddsFullSlice reports whether n is a bare ':'.
func ddsFullSlice(t *syntax.Tree, n analysis.NodeID) bool {
	return t.Kind(n) == syntax.KindSlice && t.NamedChildCount(n) == 0
}

// ddsMaskIndexed reports whether sub reads a tensor through a boolean mask (x[mask],
// x[x > 0], x[:, keep]); assignments through a mask (x[mask] = 0) keep x's shape and do not
// count.
func ddsMaskIndexed(f *analysis.File, fn *analysis.Function, sub analysis.NodeID) bool {
	t := f.Tree
	if p := t.Parent(sub); p != analysis.NoNode {
		switch t.Kind(p) {
		case syntax.KindAssignment, syntax.KindAugmentedAssignment:
			if t.FieldOf(sub) == syntax.FieldLeft {
				return false
			}
		case syntax.KindDeleteStatement, syntax.KindPatternList, syntax.KindTuplePattern, syntax.KindListPattern:
			return false
		}
	}
	mask := false
	ddsEachIndex(t, sub, func(i analysis.NodeID) bool {
		mask = ddsIsMask(f, fn, i, 0)
		return !mask
	})
	return mask && ddsTensorish(f, fn, t.Field(sub, syntax.FieldValue))
}

// ddsIsMask reports whether e is a boolean tensor: an elementwise comparison of a tensor, a
// predicate such as isnan or logical_and, ~ or & | ^ of masks, .bool(), or a name bound only
// to such expressions (or annotated torch.BoolTensor).
func ddsIsMask(f *analysis.File, fn *analysis.Function, e analysis.NodeID, depth int) bool {
	t := f.Tree
	e = t.Unparen(e)
	if e == analysis.NoNode || depth > ddsLimit {
		return false
	}
	switch t.Kind(e) {
	case syntax.KindComparisonOperator:
		numeric := true
		tensor := false
		t.Children(e, func(c analysis.NodeID) bool {
			if t.IsComment(c) {
				return true
			}
			if !t.IsNamed(c) {
				switch t.String(c) {
				case "<", ">", "<=", ">=", "==", "!=":
				default:
					numeric = false // is, in: a Python bool
				}
				return numeric
			}
			if v := f.Value(fn, c); v.May(torchsem.Tensor) && !v.May(torchsem.Sizes|torchsem.Data) {
				tensor = true
			}
			return true
		})
		return numeric && tensor
	case syntax.KindUnaryOperator:
		return t.Operator(e) == "~" && ddsIsMask(f, fn, t.NamedChild(e, 0), depth+1)
	case syntax.KindBinaryOperator:
		switch t.Operator(e) {
		case "&", "|", "^":
			return ddsIsMask(f, fn, t.Field(e, syntax.FieldLeft), depth+1) || ddsIsMask(f, fn, t.Field(e, syntax.FieldRight), depth+1)
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(e, syntax.FieldFunction))
		if t.Kind(callee) != syntax.KindAttribute {
			return false
		}
		m := t.String(t.Field(callee, syntax.FieldAttribute))
		if f.IsImported(callee) {
			return f.Resolve(callee) == "torch."+m && ddsMaskMethods[m]
		}
		recv := t.Field(callee, syntax.FieldObject)
		switch {
		case ddsMaskMethods[m]:
			return ddsTensorish(f, fn, recv)
		case m == "to":
			pos, _ := f.Args(e)
			return len(pos) == 1 && f.Resolve(pos[0]) == "torch.bool" && ddsTensorish(f, fn, recv)
		}
	case syntax.KindIdentifier:
		name := t.String(e)
		for s := fn; s != nil; s = s.Parent {
			if p := s.Param(name); p != nil {
				return p.Type != analysis.NoNode && strings.HasSuffix(t.String(p.Type), "BoolTensor")
			}
			n := 0
			for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
				l := t.Unparen(t.Field(a, syntax.FieldLeft))
				if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
					continue
				}
				if t.Kind(l) != syntax.KindIdentifier || !ddsIsMask(f, s, t.Field(a, syntax.FieldRight), depth+1) {
					return false
				}
				n++
			}
			if n > 0 {
				return true
			}
		}
	}
	return false
}

// ddsLength returns the data-dependent-shape value whose length n is (idx.shape[0],
// idx.size(0), len(idx), idx.numel(), or a name bound only to one of these), or a zero value.
func ddsLength(f *analysis.File, fn *analysis.Function, n analysis.NodeID, depth int) ddsValue {
	t := f.Tree
	n = t.Unparen(n)
	if n == analysis.NoNode || fn == nil || depth > ddsLimit {
		return ddsValue{}
	}
	switch t.Kind(n) {
	case syntax.KindSubscript:
		// idx.shape[0], idx.size()[0]
		v := t.Unparen(t.Field(n, syntax.FieldValue))
		idx := ddsIndex(t, n)
		if len(idx) != 1 || !t.TextIs(idx[0], "0") {
			return ddsValue{}
		}
		switch t.Kind(v) {
		case syntax.KindAttribute:
			if t.TextIs(t.Field(v, syntax.FieldAttribute), "shape") {
				return ddsTensorValue(ddsOf(f, fn, t.Field(v, syntax.FieldObject)))
			}
		case syntax.KindCall:
			if c := t.Unparen(t.Field(v, syntax.FieldFunction)); t.Kind(c) == syntax.KindAttribute && t.TextIs(t.Field(c, syntax.FieldAttribute), "size") {
				if pos, _ := f.Args(v); len(pos) == 0 {
					return ddsTensorValue(ddsOf(f, fn, t.Field(c, syntax.FieldObject)))
				}
			}
		}
	case syntax.KindCall:
		callee := t.Unparen(t.Field(n, syntax.FieldFunction))
		pos, _ := f.Args(n)
		switch t.Kind(callee) {
		case syntax.KindIdentifier:
			if t.TextIs(callee, "len") && !f.IsImported(callee) && len(pos) == 1 {
				return ddsTensorValue(ddsOf(f, fn, pos[0]))
			}
		case syntax.KindAttribute:
			m := t.String(t.Field(callee, syntax.FieldAttribute))
			recv := t.Field(callee, syntax.FieldObject)
			if (m == "size" && len(pos) == 1 && t.TextIs(pos[0], "0")) || (m == "numel" && len(pos) == 0) {
				return ddsTensorValue(ddsOf(f, fn, recv))
			}
		}
	case syntax.KindIdentifier:
		name := t.String(n)
		for s := fn; s != nil; s = s.Parent {
			if s.Param(name) != nil {
				return ddsValue{}
			}
			var out ddsValue
			for _, a := range f.OwnNodes(s, syntax.KindAssignment) {
				l := t.Unparen(t.Field(a, syntax.FieldLeft))
				if l == analysis.NoNode || !pysem.BindsName(t, l, name) {
					continue
				}
				if t.Kind(l) != syntax.KindIdentifier {
					return ddsValue{}
				}
				v := ddsLength(f, s, t.Field(a, syntax.FieldRight), depth+1)
				if v.op == "" {
					return ddsValue{}
				}
				out = v
			}
			if out.op != "" {
				return out
			}
		}
	}
	return ddsValue{}
}

// ddsTensorValue keeps v only when it is one tensor (not a tuple of them).
func ddsTensorValue(v ddsValue) ddsValue {
	if !v.ok() {
		return ddsValue{}
	}
	return v
}

// ddsSnippet is n's code on one line, shortened (on a character boundary) for a message.
func ddsSnippet(t *syntax.Tree, n analysis.NodeID) string {
	if n == analysis.NoNode {
		return ""
	}
	s := strings.Join(strings.Fields(t.String(n)), " ")
	const limit = 48
	if len(s) > limit {
		cut := limit - 3
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
