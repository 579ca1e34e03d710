package torchsem

import (
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// statefulLayers are the torch.nn layers that own parameters or buffers by default.
var statefulLayers = setOf(`Linear Bilinear LazyLinear Conv1d Conv2d Conv3d ConvTranspose1d
	ConvTranspose2d ConvTranspose3d LazyConv1d LazyConv2d LazyConv3d LazyConvTranspose1d LazyConvTranspose2d
	LazyConvTranspose3d Embedding EmbeddingBag BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d
	LazyBatchNorm2d LazyBatchNorm3d SyncBatchNorm LayerNorm GroupNorm RMSNorm PReLU RNN LSTM GRU RNNCell
	LSTMCell GRUCell MultiheadAttention Transformer TransformerEncoder TransformerDecoder
	TransformerEncoderLayer TransformerDecoderLayer ParameterList ParameterDict`)

// layerContainers are the torch.nn containers: they own state when what they hold does.
var layerContainers = setOf(`Sequential ModuleList ModuleDict`)

// notLayers are capitalised torch.nn names that are not nn.Module classes.
var notLayers = setOf(`Parameter Buffer UninitializedParameter UninitializedBuffer`)

// moduleMoves are the nn.Module methods that move or cast every parameter and buffer.
var moduleMoves = setOf(`to cuda cpu xpu half float double bfloat16 type to_empty`)

// moduleDictReserved are the names nn.ModuleDict cannot take as keys: attributes every
// module already has.
var moduleDictReserved = setOf(`forward training train eval to cuda cpu float half double type
	parameters buffers children modules state_dict load_state_dict apply zero_grad add_module
	register_buffer register_parameter named_parameters named_buffers named_children named_modules
	keys values items update pop clear requires_grad_ extra_repr bfloat16`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// layerName returns X when q names the torch.nn class X (torch.nn.X or
// torch.nn.modules.<module>.X), else "".
func layerName(q string) string {
	rest, ok := strings.CutPrefix(q, "torch.nn.")
	if !ok || strings.HasPrefix(rest, "functional.") {
		return ""
	}
	last := rest[strings.LastIndexByte(rest, '.')+1:]
	if last == "" || !isUpper(last[0]) || last != rest && !strings.HasPrefix(rest, "modules.") {
		return ""
	}
	return last
}

// IsLayer reports whether q names an nn.Module class of torch.nn (torch.nn.Linear,
// torch.nn.modules.linear.Linear); Parameter and Buffer are not layers.
func IsLayer(q string) bool {
	x := layerName(q)
	return x != "" && !notLayers[x]
}

// LayerOwnsState reports whether the torch.nn layer q owns parameters or buffers by
// default (Linear, Conv2d, LayerNorm; not ReLU, Dropout, or a container).
func LayerOwnsState(q string) bool { return statefulLayers[layerName(q)] }

// IsLayerContainer reports whether q is a torch.nn container (Sequential, ModuleList,
// ModuleDict).
func IsLayerContainer(q string) bool { return layerContainers[layerName(q)] }

// IsModuleMove reports whether method name of an nn.Module moves or casts all its
// parameters and buffers (to, cuda, half, ...).
func IsModuleMove(name string) bool { return moduleMoves[name] }

// ModuleDictReserved reports whether name cannot be a key of an nn.ModuleDict: it is an
// attribute every module has.
func ModuleDictReserved(name string) bool { return moduleDictReserved[name] }

// HasState reports whether instances of module class c own parameters or buffers: its
// __init__ (or a base class's, in any file) makes a parameter or buffer or constructs a
// layer or module that owns state, or it derives from a torch.nn layer that does. Classes
// deriving from other libraries' modules count as stateless: what they hold is not visible.
func (f *File) HasState(c *Class) bool { return f.hasState(c, nil) }

func (f *File) hasState(c *Class, seen []*Class) bool {
	for _, s := range seen {
		if s == c {
			return false
		}
	}
	seen = append(seen, c)
	res := false
	f.prog.lineage(f, c, func(kf *File, k *Class) bool {
		for _, b := range f.prog.bases(kf, k) {
			res = res || LayerOwnsState(b)
		}
		if init := k.Methods["__init__"]; init != nil && !res {
			self := init.SelfName()
			t := kf.Tree
			for _, call := range kf.NodesIn(init, syntax.KindCall) {
				callee := t.Unparen(t.Field(call, syntax.FieldFunction))
				if t.Kind(callee) == syntax.KindAttribute && t.TextIs(t.Field(callee, syntax.FieldObject), self) {
					if m := t.String(t.Field(callee, syntax.FieldAttribute)); m == "register_buffer" || m == "register_parameter" {
						res = true
						break
					}
				}
				if kf.constructsState(init, call, seen) {
					res = true
					break
				}
			}
		}
		return !res
	})
	return res
}

// ConstructsState reports whether call (inside fn) builds something that owns parameters
// or buffers: an nn.Parameter or nn.Buffer, a torch.nn layer that owns state, a container
// holding one, or a module class of the program that HasState.
func (f *File) ConstructsState(fn *Function, call NodeID) bool {
	return f.constructsState(fn, call, nil)
}

func (f *File) constructsState(fn *Function, call NodeID, seen []*Class) bool {
	t := f.Tree
	if t.Kind(t.Unparen(call)) != syntax.KindCall {
		return false
	}
	call = t.Unparen(call)
	c := f.Callee(fn, call)
	switch {
	case c.API == "torch.nn.Parameter" || c.API == "torch.nn.parameter.Parameter" || c.API == "torch.nn.Buffer" || c.API == "torch.nn.parameter.Buffer":
		return true
	case LayerOwnsState(c.API):
		return true
	case IsLayerContainer(c.API):
		args := t.Field(call, syntax.FieldArguments)
		for id, end := args, t.SubtreeEnd(args); args != NoNode && id < end; id++ {
			if t.Kind(id) == syntax.KindCall && f.constructsState(fn, id, seen) {
				return true
			}
		}
	case c.Class != nil && c.ClassFile.IsModule(c.Class):
		return c.ClassFile.hasState(c.Class, seen)
	}
	return false
}

// ModuleSelf returns the nn.Module class whose instance fn's self is, and self's name: fn
// is a method of a module class (not __init__, a classmethod or a staticmethod), or a
// function nested in one that does not rebind the name. nil elsewhere.
func (f *File) ModuleSelf(fn *Function) (*Class, string) {
	m := fn.Method()
	if m == nil || m.Class == nil || !f.IsModule(m.Class) || m.ClassMethod || m.StaticMethod || m.Name == "__init__" {
		return nil, ""
	}
	self := fn.SelfName()
	if self == "" {
		return nil, ""
	}
	for s := fn; s != nil && s != m; s = s.Parent {
		if s.Param(self) != nil {
			return nil, ""
		}
	}
	return m.Class, self
}

// UsedAsSubmodule reports whether module class c (of f) serves as a submodule of another
// module, so that its forward's inputs are that module's intermediate values and its results
// return to it rather than out of the exported program: traced code of the program calls its
// forward, or a method of another module class of f constructs it (a submodule held in a
// container and called through a loop, say).
func (f *File) UsedAsSubmodule(c *Class) bool { return f.UsedAsSubmoduleAmong(c, nil) }

// UsedAsSubmoduleAmong is UsedAsSubmodule for a caller that holds the calls of the file
// whose callee's last name is c's name (more are fine): the constructions of c are looked
// for among them, not among every call of the file. With nil calls it reads every call.
// The answer is kept per class.
func (f *File) UsedAsSubmoduleAmong(c *Class, calls []NodeID) bool {
	if fwd := c.Methods["forward"]; fwd != nil && f.CalledFromTraced(fwd) {
		return true
	}
	return f.submodules.get(c, func() bool {
		if calls == nil {
			calls = f.Nodes(syntax.KindCall)
		}
		return f.constructedBySibling(c, calls)
	})
}

// constructedBySibling reports whether one of calls, in a method of another module class of
// this file, constructs c by the class's own name.
func (f *File) constructedBySibling(c *Class, calls []NodeID) bool {
	t := f.Tree
	for _, call := range calls {
		callee := t.Unparen(t.Field(call, syntax.FieldFunction))
		last := callee
		if t.Kind(callee) == syntax.KindAttribute {
			last = t.Field(callee, syntax.FieldAttribute)
		}
		if t.Kind(last) != syntax.KindIdentifier || !t.TextIs(last, c.Name) {
			continue
		}
		owner := f.Owner(call)
		if owner == nil {
			continue
		}
		m := owner.Method()
		if m == nil || m.Class == nil || m.Class == c || !f.IsModule(m.Class) {
			continue
		}
		if k := f.Callee(owner, call); k.Class == c && k.ClassFile == f {
			return true
		}
	}
	return false
}
