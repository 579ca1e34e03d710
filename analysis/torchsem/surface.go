package torchsem

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

// Surface hashes what other files can see of f once it is linked: its imports, its classes
// (bases, module-ness, methods, what their attributes hold), its functions (qualified names,
// parameters, what each returns) and the values its traced code passes to functions of
// other files. An edit that leaves the surface unchanged (the usual keystroke inside a
// function body) cannot change another file's analysis, so only f is checked again.
//
// It does not depend on the other files of the program beyond what f sees of them: the
// same files linked in another program (check links only the part of a project that
// changed) give the same surface.
func (f *File) Surface() uint64 {
	structure, decls := f.Surfaces()
	return structure*1099511628211 ^ decls
}

// Surfaces splits Surface in two: what other files' code can see of f (imports, classes,
// functions, the values it passes), and what its export calls declare of the dims of the
// models they export. A change of the declarations alone leaves every fact of the other
// files valid (they read declarations when asked, from the program), so a program linked
// with f can take the new f in by replacing it (Program.Replace) instead of linking again.
func (f *File) Surfaces() (structure, decls uint64) {
	h := fnv.New64a()
	w := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	f.writeStructure(w, nil)
	structure = h.Sum64()
	// what its export calls declare: the dims of the models they export (in other files),
	// and where (the findings of those files name the call's line)
	h.Reset()
	for _, d := range f.siteDecls() {
		w(d.signature())
		w(d.Where())
	}
	return structure, h.Sum64()
}

// writeStructure writes the structure surface of f to w, in order. With funcRet set, the
// value each module-level function (not a method) returns goes to funcRet instead of w, by
// function (Program.Relink compares them one by one).
func (f *File) writeStructure(w func(string), funcRet func(fn *Function, v string)) {
	w(f.Module.Name)
	for _, im := range f.ImportList {
		w(im.Local + "=" + im.Qual)
	}
	for _, s := range f.StarImports {
		w("*" + s)
	}
	e := evaluator{p: f.prog}
	for _, c := range f.Classes {
		w("class " + c.Name + " " + strconv.FormatBool(f.module[c]))
		for _, b := range c.Bases {
			w(b)
		}
		for _, na := range f.attrTable(&e, c) { // by name
			a := na.a
			w(na.name + ":" + strconv.Itoa(int(a.Kind)) + ":" + a.Layer + ":" + f.prog.surfaceValue(a.Value))
			if a.Class != nil {
				w(a.Class.Name)
			}
		}
	}
	for _, fn := range f.Funcs {
		if fn.Parent != nil {
			continue // nested functions are reached through their parent only
		}
		w(fn.QualName())
		for _, p := range fn.Params {
			w(p.Name)
		}
		ret := f.prog.surfaceValue(f.prog.retOf(&e, f, fn))
		if funcRet != nil && fn.Class == nil {
			funcRet(fn, ret)
		} else {
			w(ret)
		}
	}
	outgoing := f.outgoing()
	keys := make([]string, 0, len(outgoing))
	for k := range outgoing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		x := outgoing[k]
		for i, v := range x.vals {
			w(f.prog.surfaceValue(v))
			if x.missing[i] {
				w("missing")
			}
		}
	}
}

// surfaceValue writes v for Surface: its kinds, whether it lost refs, and each ref with its
// root named by the root's file, module and qualified name rather than its index, which is the
// order linking met the forwards in and differs between programs of different files.
func (p *Program) surfaceValue(v Value) string {
	var b strings.Builder
	b.WriteString(v.Kind.String())
	if v.lost {
		b.WriteString("+lost")
	}
	for _, r := range v.Refs() {
		b.WriteString(" [")
		if rf, rfn := p.Root(r.Root); rf != nil && rfn != nil {
			b.WriteString(rf.Path + ":" + rf.Module.Name + ":" + rfn.QualName())
		}
		r.Root = 0
		b.WriteString(" " + r.String() + "]")
	}
	return b.String()
}

// passed is what one function's traced code passes to a function of another file: the
// values of each parameter, joined as linking joins them (rebind), and the parameters some
// call leaves to their defaults.
type passed struct {
	vals    []Value
	missing []bool
}

// join adds the arguments of one more call.
func (x *passed) join(args []Value) {
	for i := range args {
		if i >= len(x.vals) {
			break
		}
		if args[i].IsZero() {
			x.missing[i] = true
			continue
		}
		x.vals[i] = x.vals[i].rebind(args[i])
	}
}

// add joins what another caller passes.
func (x *passed) add(y *passed) {
	for i := range y.vals {
		if i >= len(x.vals) {
			break
		}
		x.vals[i] = x.vals[i].rebind(y.vals[i])
		x.missing[i] = x.missing[i] || y.missing[i]
	}
}

func newPassed(n int) *passed { return &passed{vals: make([]Value, n), missing: make([]bool, n)} }

// recordOutgoing joins the values fn (a function of f) passes to g of another file into
// what fn's traced code passes out.
func (f *File) recordOutgoing(fn *Function, gf *File, g *Function, args []Value) {
	if gf == f || gf == nil {
		return
	}
	st := f.state(fn)
	key := gf.Module.Name + ":" + g.QualName()
	x := st.out[key]
	if x == nil {
		x = newPassed(len(args))
		if st.out == nil {
			st.out = map[string]*passed{}
		}
		st.out[key] = x
	}
	x.join(args)
}

// outgoing joins what each function of f passes to functions of other files, by
// module:qualname, in the order of the functions (so that it does not depend on the order
// linking met them in: ReplaceFrom keeps some functions' values and computes the others').
func (f *File) outgoing() map[string]*passed {
	out := map[string]*passed{}
	var keys []string
	for i := range f.states {
		st := &f.states[i]
		if len(st.out) == 0 {
			continue
		}
		keys = keys[:0]
		for k := range st.out {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			x := st.out[k]
			acc := out[k]
			if acc == nil {
				acc = newPassed(len(x.vals))
				out[k] = acc
			}
			acc.add(x)
		}
	}
	return out
}

// incomingTo returns what the traced code of the program's files passes to functions of
// module mod in other files (recordOutgoing), by qualified name. Replace takes a new text's
// incoming values from it: a file never records what it passes to its own functions, so
// what the replaced file's previous text passed is not among them. Each file indexes what
// it passes once (outgoingTo), so that the programs a run of Replaces makes do not walk
// every function of every file again.
func (p *Program) incomingTo(mod string) map[string]*passed {
	var m map[string]*passed
	for _, f := range p.Files {
		for _, o := range f.outgoingTo(mod) {
			if m == nil {
				m = map[string]*passed{}
			}
			acc := m[o.qual]
			if acc == nil {
				acc = newPassed(len(o.x.vals))
				m[o.qual] = acc
			}
			acc.add(o.x)
		}
	}
	return m
}

// outPass is one function's pass to the function qual of another file.
type outPass struct {
	qual string
	x    *passed
}

// outgoingTo returns what f's traced code passes to the functions of module mod, in the
// order of f's functions; indexed on first use (a linked file's states do not change).
func (f *File) outgoingTo(mod string) []outPass {
	f.out.once.Do(func() {
		for i := range f.states {
			for k, x := range f.states[i].out {
				m, qual, _ := strings.Cut(k, ":")
				if f.out.byModule == nil {
					f.out.byModule = map[string][]outPass{}
				}
				f.out.byModule[m] = append(f.out.byModule[m], outPass{qual, x})
			}
		}
	})
	return f.out.byModule[mod]
}
