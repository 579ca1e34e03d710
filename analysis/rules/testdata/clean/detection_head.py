"""An anchor-free detection head (FCOS style) over a feature pyramid.

Exportable as written: per-level outputs are computed with tensor ops, the number of
levels is a static Python constant, and decoding keeps a fixed top-k instead of a
data-dependent filter.
"""

import math
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class Scale(nn.Module):
    def __init__(self, init: float = 1.0) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class ConvNormAct(nn.Sequential):
    def __init__(self, cin: int, cout: int, groups: int = 32) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False),
            nn.GroupNorm(groups, cout),
            nn.ReLU(inplace=True),
        )


class FPN(nn.Module):
    def __init__(self, in_channels: List[int], out_channels: int = 256) -> None:
        super().__init__()
        self.lateral = nn.ModuleList([nn.Conv2d(c, out_channels, 1) for c in in_channels])
        self.output = nn.ModuleList([nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in in_channels])

    def forward(self, feats: List[torch.Tensor]) -> List[torch.Tensor]:
        laterals = [conv(f) for conv, f in zip(self.lateral, feats)]
        outs = [laterals[-1]]
        for lat in reversed(laterals[:-1]):
            top = F.interpolate(outs[0], size=lat.shape[-2:], mode="nearest")
            outs.insert(0, lat + top)
        return [conv(o) for conv, o in zip(self.output, outs)]


class FCOSHead(nn.Module):
    def __init__(self, num_classes: int = 80, channels: int = 256, num_convs: int = 4, strides: Tuple[int, ...] = (8, 16, 32)) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.strides = strides
        self.cls_tower = nn.Sequential(*[ConvNormAct(channels, channels) for _ in range(num_convs)])
        self.box_tower = nn.Sequential(*[ConvNormAct(channels, channels) for _ in range(num_convs)])
        self.cls_logits = nn.Conv2d(channels, num_classes, 3, padding=1)
        self.box_pred = nn.Conv2d(channels, 4, 3, padding=1)
        self.centerness = nn.Conv2d(channels, 1, 3, padding=1)
        self.scales = nn.ModuleList([Scale(1.0) for _ in strides])
        prior = 0.01
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior) / prior))

    def forward(self, feats: List[torch.Tensor]) -> Dict[str, List[torch.Tensor]]:
        logits, boxes, ctr = [], [], []
        for feat, scale in zip(feats, self.scales):
            c = self.cls_tower(feat)
            b = self.box_tower(feat)
            logits.append(self.cls_logits(c))
            boxes.append(F.relu(scale(self.box_pred(b))))
            ctr.append(self.centerness(b))
        return {"logits": logits, "boxes": boxes, "centerness": ctr}


def grid_points(h: int, w: int, stride: int, device: torch.device) -> torch.Tensor:
    ys = torch.arange(h, device=device, dtype=torch.float32) * stride + stride // 2
    xs = torch.arange(w, device=device, dtype=torch.float32) * stride + stride // 2
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((xx.reshape(-1), yy.reshape(-1)), dim=-1)


class Detector(nn.Module):
    def __init__(self, backbone: nn.Module, in_channels: List[int], num_classes: int = 80, topk: int = 100) -> None:
        super().__init__()
        self.backbone = backbone
        self.fpn = FPN(in_channels)
        self.head = FCOSHead(num_classes)
        self.topk = topk

    def decode(self, out: Dict[str, List[torch.Tensor]]) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        all_scores, all_boxes = [], []
        for logits, boxes, ctr, stride in zip(out["logits"], out["boxes"], out["centerness"], self.head.strides):
            n, c, h, w = logits.shape
            points = grid_points(h, w, stride, logits.device)
            scores = (logits.sigmoid() * ctr.sigmoid()).flatten(2).transpose(1, 2)
            ltrb = boxes.flatten(2).transpose(1, 2) * stride
            xyxy = torch.cat((points - ltrb[..., :2], points + ltrb[..., 2:]), dim=-1)
            all_scores.append(scores)
            all_boxes.append(xyxy)
        scores = torch.cat(all_scores, dim=1)
        boxes = torch.cat(all_boxes, dim=1)
        flat = scores.flatten(1)
        top_scores, top_idx = flat.topk(self.topk, dim=1)
        labels = top_idx % self.head.num_classes
        box_idx = top_idx // self.head.num_classes
        top_boxes = torch.gather(boxes, 1, box_idx.unsqueeze(-1).expand(-1, -1, 4))
        return top_boxes, top_scores, labels

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        feats = self.backbone(images)
        feats = self.fpn(feats)
        out = self.head(feats)
        return self.decode(out)
