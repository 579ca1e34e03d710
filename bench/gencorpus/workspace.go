package main

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"

	"github.com/exportdb-lsp/exportdb-lsp/analysis/syntax"
)

// The package layout: one package, vision/, shaped like a model library (timm's layout,
// written afresh):
//
//	vision/__init__.py              re-exports create_model, list_models and two helpers
//	vision/version.py
//	vision/layers/__init__.py       re-exports every layer class and the helpers
//	vision/layers/helpers.py        small functions the layers and models call (feat_size, ...)
//	vision/layers/<kind>_NNN.py     a tenth of the files: one layer class each (Mlp, PatchEmbed,
//	                                Attention, a Block built from two other layer files, ...)
//	vision/models/__init__.py       `from .<model> import *` for every model file
//	vision/models/_builder.py, _registry.py, _manipulate.py, _features.py
//	vision/models/<family>_NNNN.py  the rest: a model class built from layers, a registered
//	                                constructor; a fifth subclass an earlier model
//	vision/models/vision_transformer.py
//	                                the large model file; 20 other model files import it
//
// Model files import layers absolutely (`from vision.layers import Mlp017`), helpers
// relatively (`from ..layers.helpers import feat_size`) and their siblings relatively
// (`from ._builder import ...`). Every layer and model file is filled up to its share of the
// line budget with the fixtures, recombined as in the flat layout; only fixtures that
// tree-sitter parses without an error are used, so every file is valid Python.
//
// VisionTransformer.forward_head in the large file computes round(feat_size(x) / 2): a
// dynamic_shape_round finding while helpers.feat_size returns x.shape[-1], none when it
// returns a constant. bench/lsplatency edits the helper to flip it.

// Names the benchmark client relies on.
const (
	bigModelPath = "vision/models/vision_transformer.py"
	helpersPath  = "vision/layers/helpers.py"
)

// layerKind is one kind of layer: its file name stem, class name stem and class source
// (with {C} for the class name, {A} and {B} for two other layer classes it is built from).
type layerKind struct {
	stem, class string
	src         string
	uses        bool // the class is built from two other layer classes (a Block)
	embed       bool // the class takes (in_chans, dim): a model's stem
}

var layerKinds = []layerKind{
	{stem: "mlp", class: "Mlp", src: `class {C}(nn.Module):
    """Two linear layers with an activation between them."""

    def __init__(self, dim, hidden=None, drop=0.0):
        super().__init__()
        hidden = make_divisible(hidden or dim * 4)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop(x)
        x = self.fc2(x)
        return self.drop(x)
`},
	{stem: "patch_embed", class: "PatchEmbed", embed: true, src: `class {C}(nn.Module):
    """Image to a sequence of patch embeddings."""

    def __init__(self, in_chans, dim, patch=16):
        super().__init__()
        self.patch = to_2tuple(patch)
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=self.patch, stride=self.patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = self.proj(x)
        x = x.flatten(2).transpose(1, 2)
        return self.norm(x)
`},
	{stem: "attention", class: "Attention", src: `class {C}(nn.Module):
    """Multi-head self-attention."""

    def __init__(self, dim, heads=8, bias=True):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3, bias=bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        x = F.scaled_dot_product_attention(q, k, v)
        x = x.transpose(1, 2).reshape(B, N, C)
        return self.proj(x)
`},
	{stem: "norm", class: "ChannelNorm", src: `class {C}(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW tensor."""

    def __init__(self, dim, eps=1e-6):
        super().__init__(dim, eps=eps)

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
`},
	{stem: "squeeze_excite", class: "SqueezeExcite", src: `class {C}(nn.Module):
    """Channel attention from pooled features."""

    def __init__(self, dim, ratio=0.25):
        super().__init__()
        hidden = make_divisible(dim * ratio)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        s = x.mean(1, keepdim=True)
        s = self.fc2(self.act(self.fc1(s)))
        return x * s.sigmoid()
`},
	{stem: "pos_embed", class: "PosEmbed", src: `class {C}(nn.Module):
    """Learned position embedding, cut to the sequence length."""

    def __init__(self, dim, max_len=1024):
        super().__init__()
        self.pos = nn.Parameter(torch.zeros(1, max_len, dim))

    def forward(self, x):
        n = x.shape[1]
        return x + self.pos[:, :n]
`},
	{stem: "drop", class: "DropPath", src: `class {C}(nn.Module):
    """Drops whole residual branches per sample while training."""

    def __init__(self, dim, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = torch.rand(x.shape[0], 1, 1, device=x.device) < keep
        return x * mask / keep
`},
	{stem: "block", class: "Block", uses: true, src: `class {C}(nn.Module):
    """A pre-norm transformer block."""

    def __init__(self, dim, heads=8):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = {A}(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = {B}(dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))
`},
}

var modelFamilies = []string{"resnet", "convnext", "efficientnet", "swin", "regnet", "mobilenet", "deit", "beit",
	"levit", "coatnet", "maxvit", "poolformer", "mixer", "dla", "hrnet", "densenet", "xcit", "cait"}

// layerFile is one generated layer module.
type layerFile struct {
	module, class string // vision.layers.mlp_003, Mlp003
	kind          *layerKind
}

// workspace writes the package layout: about n files and lines lines, the large model file
// at least bigLines lines.
func workspace(r *rand.Rand, sources []string, out string, n, lines, bigLines int) (stats, error) {
	valid, err := parseable(sources)
	if err != nil {
		return stats{}, err
	}
	const fixed = 9 // the __init__ files, version, helpers and the four models/_*.py
	nLayers := max(len(layerKinds), n/10)
	nModels := n - fixed - nLayers // the large file included
	if nModels < 22 {
		return stats{}, fmt.Errorf("-files %d: the package layout needs at least %d", n, fixed+nLayers+22)
	}
	w := &wsWriter{r: r, sources: valid, out: out}

	// the layers, each filled to its share of what the big file and the fixed files leave
	layers := make([]layerFile, nLayers)
	for i := range layers {
		k := &layerKinds[i%len(layerKinds)]
		if i < len(layerKinds) {
			k = &layerKinds[i] // one of each kind first: blocks need attention and mlp before them
		}
		layers[i] = layerFile{module: fmt.Sprintf("vision.layers.%s_%03d", k.stem, i), class: fmt.Sprintf("%s%03d", k.class, i), kind: k}
	}
	// reserve: lines not yet written that are not filled (the large file, the __init__ files)
	reserve := bigLines + nModels + nLayers
	budget := func(filesLeft int) int {
		return max(40, (lines-w.st.lines-reserve)/max(1, filesLeft))
	}
	var embeds, blocks []layerFile
	for i, l := range layers {
		var b strings.Builder
		b.WriteString("\"\"\"" + l.class + " layer (generated for the exportdb workspace benchmark).\"\"\"\n")
		b.WriteString("import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n")
		b.WriteString("from .helpers import feat_size, make_divisible, to_2tuple\n")
		src := strings.ReplaceAll(l.kind.src, "{C}", l.class)
		if l.kind.uses {
			a := w.pick(layers[:i], "attention")
			m := w.pick(layers[:i], "mlp")
			fmt.Fprintf(&b, "from .%s import %s\nfrom .%s import %s\n", last(a.module), a.class, last(m.module), m.class)
			src = strings.ReplaceAll(strings.ReplaceAll(src, "{A}", a.class), "{B}", m.class)
		}
		fmt.Fprintf(&b, "\n__all__ = [%q]\n\n\n%s\n\n", l.class, src)
		w.fill(&b, budget(nLayers-i+nModels-1), i)
		if err := w.write(modPath(l.module), b.String()); err != nil {
			return w.st, err
		}
		if l.kind.embed {
			embeds = append(embeds, l)
		} else if l.kind.stem != "drop" && l.kind.stem != "norm" {
			blocks = append(blocks, l)
		}
	}
	if err := w.writeFixed(layers); err != nil {
		return w.st, err
	}
	reserve -= nLayers

	// the models: the large one first (others import it), then the families
	models := make([]string, nModels)
	classes := make([]string, nModels)
	models[0], classes[0] = "vision_transformer", "VisionTransformer"
	for i := 1; i < nModels; i++ {
		models[i] = fmt.Sprintf("%s_%04d", modelFamilies[i%len(modelFamilies)], i)
		classes[i] = fmt.Sprintf("%s%04d", camel(modelFamilies[i%len(modelFamilies)]), i)
	}
	for i := range models {
		var b strings.Builder
		embed, blk := embeds[w.r.Intn(len(embeds))], blocks[w.r.Intn(len(blocks))]
		extra := blocks[w.r.Intn(len(blocks))]
		fmt.Fprintf(&b, "\"\"\"%s models (generated for the exportdb workspace benchmark).\"\"\"\n", classes[i])
		b.WriteString("import math\nfrom functools import partial\n\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n")
		fmt.Fprintf(&b, "from vision.layers import %s, %s, %s, to_2tuple\n", embed.class, blk.class, extra.class)
		if i == 0 || i%4 == 0 {
			b.WriteString("from ..layers.helpers import feat_size\n")
		}
		b.WriteString("from ._builder import build_model_with_cfg\nfrom ._manipulate import checkpoint_seq\nfrom ._registry import register_model\n")
		base := ""
		switch {
		case i >= 1 && i <= 20:
			b.WriteString("from .vision_transformer import VisionTransformer\n")
			base = "VisionTransformer"
		case i > 21 && i%5 == 0:
			j := 1 + w.r.Intn(i-1)
			fmt.Fprintf(&b, "from .%s import %s\n", models[j], classes[j])
			base = classes[j]
		}
		fmt.Fprintf(&b, "\n__all__ = [%q]\n\n\n", classes[i])
		b.WriteString(modelClass(classes[i], base, embed.class, blk.class, extra.class, i == 0 || i%4 == 0))
		want := budget(nModels-i) - 3
		if i == 0 {
			want = bigLines - 3 // the constructor's 3 lines follow
		}
		w.fill(&b, want, nLayers+i)
		fmt.Fprintf(&b, "@register_model\ndef %s(pretrained=False, **kwargs):\n    return build_model_with_cfg(%s, pretrained, **kwargs)\n", models[i], classes[i])
		if err := w.write(modPath("vision.models."+models[i]), b.String()); err != nil {
			return w.st, err
		}
		if i == 0 {
			reserve -= bigLines
		}
	}
	var b strings.Builder
	b.WriteString("\"\"\"The models; importing this registers every one.\"\"\"\nfrom ._registry import create_model, list_models\n")
	for _, m := range models {
		fmt.Fprintf(&b, "from .%s import *\n", m)
	}
	return w.st, w.write("vision/models/__init__.py", b.String())
}

// modelClass is a model's main class: a stem, blocks and a head from layer classes, a
// subclass of base when base is set; with feat, its head calls helpers.feat_size.
func modelClass(name, base, embed, blk, extra string, feat bool) string {
	head := `    def forward_head(self, x):
        x = x.mean(dim=1)
        return self.head(x)
`
	if feat {
		head = `    def forward_head(self, x):
        n = round(feat_size(x) / 2)
        x = x[..., :n].mean(dim=1)
        return self.head(x)
`
	}
	headDim := "dim"
	if feat {
		headDim = "dim // 2"
	}
	if base != "" {
		return fmt.Sprintf(`class %s(%s):
    """%s with an extra block before the head."""

    def __init__(self, dim=64, **kwargs):
        super().__init__(dim=dim, **kwargs)
        self.extra = %s(dim)

    def forward(self, x):
        x = self.forward_features(x)
        x = self.extra(x)
        return self.forward_head(x)

%s

`, name, base, base, extra, head)
	}
	return fmt.Sprintf(`class %s(nn.Module):
    """A stem, a stack of blocks and a classifier head."""

    def __init__(self, in_chans=3, dim=64, depth=4, num_classes=1000):
        super().__init__()
        self.stem = %s(in_chans, dim)
        self.blocks = nn.Sequential(*[%s(dim) for _ in range(depth)])
        self.extra = %s(dim)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(%s, num_classes)
        self.grad_checkpointing = False

    def forward_features(self, x):
        x = self.stem(x)
        if self.grad_checkpointing:
            x = checkpoint_seq(self.blocks, x)
        else:
            x = self.blocks(x)
        x = self.extra(x)
        return self.norm(x)

%s
    def forward(self, x):
        x = self.forward_features(x)
        return self.forward_head(x)


`, name, embed, blk, extra, headDim, head)
}

// writeFixed writes the package's small fixed files.
func (w *wsWriter) writeFixed(layers []layerFile) error {
	var b strings.Builder
	b.WriteString("\"\"\"Layers shared by the models.\"\"\"\nfrom .helpers import feat_size, make_divisible, to_2tuple, to_ntuple\n")
	for _, l := range layers {
		fmt.Fprintf(&b, "from .%s import %s\n", last(l.module), l.class)
	}
	files := []struct{ path, text string }{
		{"vision/__init__.py", `"""A model library (generated for the exportdb workspace benchmark)."""
from .layers import make_divisible, to_2tuple
from .models import create_model, list_models
from .version import __version__
`},
		{"vision/version.py", "__version__ = \"0.1.0\"\n"},
		{"vision/layers/__init__.py", b.String()},
		{helpersPath, `"""Small helpers the layers and models share."""
import math
from collections.abc import Iterable


def to_ntuple(x, n):
    if isinstance(x, Iterable) and not isinstance(x, str):
        return tuple(x)
    return (x,) * n


def to_2tuple(x):
    return to_ntuple(x, 2)


def make_divisible(v, divisor=8):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * v:
        rounded += divisor
    return rounded


def feat_size(x):
    return x.shape[-1]


def grid_size(img_size, patch):
    h, w = to_2tuple(img_size)
    p, q = to_2tuple(patch)
    return h // p, w // q


def scale_lr(lr, batch, base=256):
    return lr * math.sqrt(batch / base)
`},
		{"vision/models/_builder.py", `"""Building a model from its class and arguments."""
import torch


def load_checkpoint(model, path):
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state)
    return model


def build_model_with_cfg(cls, pretrained=False, checkpoint=None, **kwargs):
    model = cls(**kwargs)
    if pretrained and checkpoint:
        load_checkpoint(model, checkpoint)
    return model
`},
		{"vision/models/_registry.py", `"""The names of the registered model constructors."""
_constructors = {}


def register_model(fn):
    _constructors[fn.__name__] = fn
    return fn


def list_models(prefix=""):
    return sorted(n for n in _constructors if n.startswith(prefix))


def create_model(name, **kwargs):
    if name not in _constructors:
        raise ValueError("unknown model " + name)
    return _constructors[name](**kwargs)
`},
		{"vision/models/_manipulate.py", `"""Running a sequence of modules with activation checkpointing."""
import torch.utils.checkpoint


def checkpoint_seq(functions, x):
    for f in functions:
        x = torch.utils.checkpoint.checkpoint(f, x, use_reentrant=False)
    return x
`},
		{"vision/models/_features.py", `"""Collecting intermediate features of a model."""
import torch.nn as nn


class FeatureList(nn.Module):
    def __init__(self, stages):
        super().__init__()
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        out = []
        for stage in self.stages:
            x = stage(x)
            out.append(x)
        return out
`},
	}
	for _, f := range files {
		if err := w.write(f.path, f.text); err != nil {
			return err
		}
	}
	return nil
}

// wsWriter writes the package's files.
type wsWriter struct {
	r       *rand.Rand
	sources []string
	out     string
	st      stats
}

func (w *wsWriter) write(rel, text string) error {
	return w.st.write(filepath.Join(w.out, filepath.FromSlash(rel)), text)
}

// fill appends recombined fixtures to b until it has at least want lines.
func (w *wsWriter) fill(b *strings.Builder, want, file int) {
	for n := strings.Count(b.String(), "\n"); n < want; n = strings.Count(b.String(), "\n") {
		src := w.sources[w.r.Intn(len(w.sources))]
		b.WriteString(rename(src, fmt.Sprintf("_%d_%d", file, w.r.Intn(1000))))
		b.WriteString("\n\n")
	}
}

// pick returns a random layer of the given kind among ls (there is one: kinds come in order).
func (w *wsWriter) pick(ls []layerFile, stem string) layerFile {
	var of []layerFile
	for _, l := range ls {
		if l.kind.stem == stem {
			of = append(of, l)
		}
	}
	return of[w.r.Intn(len(of))]
}

// parseable keeps the sources tree-sitter parses without an error (some rule fixtures are
// deliberately broken).
func parseable(sources []string) ([]string, error) {
	p := syntax.NewParser()
	defer p.Close()
	var out []string
	for _, src := range sources {
		doc, err := p.Parse(context.Background(), []byte(src))
		if err != nil {
			return nil, err
		}
		t := doc.Tree()
		if !t.HasError(t.Root()) {
			out = append(out, src)
		}
		doc.Close()
	}
	return out, nil
}

// modPath is the file of a module of the package (not a package itself).
func modPath(module string) string { return strings.ReplaceAll(module, ".", "/") + ".py" }

func last(module string) string { return module[strings.LastIndexByte(module, '.')+1:] }

func camel(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
