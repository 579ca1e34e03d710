import torch
import torch.nn.functional as F
from torch import nn
from torch.export import Dim, export

P = 16


class Patches(nn.Module):
    def __init__(self, patch: int = 8):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(3, 8, 16, stride=16)

    def forward(self, x, tokens, feats, mask, y):
        B, C, H, W = x.shape
        a = x.view(B, C, H // 16, 16, W // 16, 16)  # want:error "view needs \"h\" to be a multiple of 16, but dim \"h\" \(x.shape\[2\], Dim\(\"h\", min=32, max=1024\), declared at line 71\) allows other sizes: export fails .*; declare 16 \* Dim\(\"h_16\", min=2, max=64\)$"
        b = x.reshape(B, C, H // P, P, W, 1)  # want "reshape needs \"h\" to be a multiple of 16"
        c = x.view(B, C, H // self.patch, self.patch, W, 1)  # want "view needs \"h\" to be a multiple of self.patch, .* allows other sizes: export fails .*guard\"\)$"
        hh = H // 4
        d = torch.reshape(x, (B, C, hh, 4, W))  # want "reshape needs \"h\" to be a multiple of 4"
        e = x.unflatten(2, (H // 8, 8))  # want "unflatten needs \"h\" to be a multiple of 8"
        f = x.view(2, B // 2, C, H, W)  # want "view needs \"batch\" to be a multiple of 2"
        # W is Dim.AUTO: export infers that it divides by 16
        g = x.view(B, C, H, W // 16, 16)
        # padded to a multiple of 16 first
        Hp = H + (16 - H % 16) % 16
        xp = F.pad(x, (0, 0, 0, Hp - H))
        i = xp.view(B, C, Hp // 16, 16, W)
        # the conv's output already has H // 16 rows: no factor beside the quotient
        z = self.proj(x).view(B, -1, H // 16, W // 16)
        # tokens: (B, N) with N dynamic
        Bt, n = tokens.shape
        j = tokens.reshape(Bt, -1, 4)  # want "reshape needs \"n\" to be a multiple of 4"
        k = tokens.unflatten(1, (-1, 8))  # want "unflatten needs \"n\" to be a multiple of 8"
        parts = tokens.split(64, dim=1)  # want "split cuts \"n\" into pieces of 64: the number of pieces, ceil\(n / 64\), is a Python int"
        l = tokens.view(Bt, n // 2, 2)  # want "view needs \"n\" to be a multiple of 2"
        # feats: (B, N, 8): the static 8 covers the factor 4
        m = feats.reshape(feats.shape[0], -1, 4)
        # mask is static
        s = mask.shape[1]
        o = mask.view(mask.shape[0], s // 4, 4)
        halves = mask.split(2, dim=1)
        # y's height is 16 * Dim("hp"): a multiple of 16 already, not of 32
        Hy = y.shape[2]
        q = y.view(B, C, Hy // 16, 16, y.shape[3])
        r = y.view(B, C, Hy // 32, 32, y.shape[3])  # want "view needs \"y.shape\[2\]\" to be a multiple of 32, but dim \"y.shape\[2\]\" \(y.shape\[2\], 16 \* Dim\(\"hp\", min=2, max=64\), declared at line 71\)"
        u = y.view(B, C, (Hy + 1) // 16, 16, y.shape[3])  # want "view needs \(Hy \+ 1\) \(which reads \"y.shape\[2\]\"\) to be a multiple of 16"
        return a, b, c, d, e, f, g, i, z, j, k, parts, l, m, o, halves, q, r, u


class NotExported(nn.Module):
    def forward(self, x):
        B, C, H, W = x.shape
        return x.view(B, C, H // 16, 16, W // 16, 16)


def export_model():
    x = torch.randn(2, 3, 224, 224)
    tokens = torch.randn(2, 64)
    feats = torch.randn(2, 64, 8)
    mask = torch.ones(2, 8)
    y = torch.randn(2, 3, 64, 64)
    specs = {
        "x": {0: Dim("batch", min=2, max=64), 2: Dim("h", min=32, max=1024), 3: Dim.AUTO},
        "tokens": {1: Dim("n", max=4096)},
        "feats": {1: Dim("nf", max=4096)},
        "mask": None,
        "y": {2: 16 * Dim("hp", min=2, max=64)},
    }
    return export(Patches(), (x, tokens, feats, mask, y), dynamic_shapes=specs)
