import torch
import torch.nn.functional as F
from torch import nn
from torch.export import Dim, export


class Down(nn.Module):
    def __init__(self, ch, stride=2):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=stride)
        self.norm = nn.BatchNorm2d(ch)

    def forward(self, x):
        return self.norm(self.conv(x)).relu()


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(3, 2))
        self.down = Down(8, stride=4)
        self.same = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        x = self.stem(x)  # want:error "self.stem\(x\) runs nn.Conv2d\(3, 8, 7, 2\) \(line 20\), whose output is empty when \"h\" < 7 \(the layers after it need \"h\" >= 19\), but dim \"h\" \(x.shape\[2\], Dim\(\"h\", max=1024\), declared at line 87\) starts at 2: export fails .*; declare Dim\(\"h\", min=19, max=1024\)$"
        x = self.same(x)
        return self.down(x)


class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 3, 5, 5))

    def forward(self, a, b, c, d):
        p = F.max_pool2d(a, 4)  # want "F.max_pool2d\(a, 4\) gives an empty output when \"ha\" < 4 or \"wa\" < 4, but dim \"ha\" .* and dim \"wa\" .* start at 2"
        q = F.interpolate(b, scale_factor=0.25, mode="nearest")  # want "gives an empty output when \"hb\" < 4, but dim \"hb\" \(b.shape\[2\], Dim\(\"hb\", min=3, max=64\), declared at line 95\) starts at 3"
        r = F.conv2d(c, self.weight, stride=2)  # want "F.conv2d\(c, self.weight, stride=2\) gives an empty output when \"hc\" < 5"
        # enough: Dim("hd", min=16)
        s = F.max_pool2d(d, kernel_size=3, stride=2, ceil_mode=True)
        return p, q, r, s


class Unknown(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, k, stride=2)
        self.blocks = nn.ModuleList([nn.MaxPool2d(2) for _ in range(4)])

    def forward(self, x):
        x = self.conv(x)  # the kernel size is a constructor argument export_model does not give
        for blk in self.blocks:  # a loop: applied any number of times
            x = blk(x)
        return x


class NotDeclared(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(8)

    def forward(self, x):
        return self.pool(x)


class Branches(nn.Module):
    def __init__(self, deep: bool = True):
        super().__init__()
        self.deep = deep
        self.pool = nn.AvgPool2d(2)
        self.big = nn.AvgPool2d(kernel_size=(5, 1), stride=(5, 1))

    def forward(self, x):
        if self.deep:
            x = self.pool(x)
        else:
            x = self.pool(x)
        x = self.big(x)  # want "self.big\(x\) runs nn.AvgPool2d\(kernel_size=\(5, 1\), stride=\(5, 1\)\) \(line 71\), whose output is empty when \"x.shape\[2\]\" < 10, but dim \"x.shape\[2\]\" \(x.shape\[2\], 2 \* Dim\(\"h2\", max=32\), declared at line 101\) starts at 4: .*; declare 2 \* Dim\(\"h2\", min=5, max=32\)$"
        return x


def kernel_size():
    return 5


def export_model():
    stem = export(Stem(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={"x": {2: Dim("h", max=1024), 3: Dim("w", min=40)}})
    # the same model with a large enough min: nothing to report
    export(Stem(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={"x": {2: Dim("hh", min=64), 3: Dim("ww", min=64)}})
    # static, and Dim.AUTO: nothing to report
    export(Stem(), (torch.randn(1, 3, 224, 224),))
    export(Stem(), (torch.randn(1, 3, 224, 224),), dynamic_shapes={"x": {0: Dim("b"), 2: Dim.AUTO, 3: Dim.AUTO}})
    ha = Dim("ha")
    wa = Dim("wa")
    fn = export(
        Functional(),
        (torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)),
        dynamic_shapes=({2: ha, 3: wa}, {2: Dim("hb", min=3, max=64)}, {2: Dim("hc", max=64)}, {2: Dim("hd", min=16)}),
    )
    un = export(Unknown(kernel_size()), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: Dim("h")}})
    br = export(Branches(), (torch.randn(1, 3, 64, 64),), dynamic_shapes={"x": {2: 2 * Dim("h2", max=32)}})
    return stem, fn, un, br
