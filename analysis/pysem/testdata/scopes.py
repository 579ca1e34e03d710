# Each "# scope:" comment lists the names the scope of the def on its line binds (the
# module's on the first line); "# free:" lists its closure variables as name@binder.
# scope: CONST, G, Model, deep, first, helper, np, os, outer, rest, shadow, torch
import os
import numpy as np
from torch import *
import torch.nn

CONST = 3
first, *rest = [1, 2, 3]
G = 0
[z for z in range(3)]


def helper(a, b=1, *args, c: int = 2, **kw):  # scope: a, args, b, c, kw, local, x
    x = a + b
    local = [y * 2 for y in args]  # y is the comprehension's
    return x, local


def outer(x, xs):  # scope: inner, lam, n, total, w, x, xs, Inner, acc, e, fh, i, tmp, k, m
    n = len(xs)
    total = 0
    for i, (k, m) in enumerate(xs):
        total += k
    with open("f") as fh:
        pass
    try:
        pass
    except ValueError as e:
        pass
    del tmp
    if (w := n + 1) > 2:
        pass
    acc = 0

    class Inner:
        hidden = 1  # the class body's, not outer's

    def inner(y):  # scope: y, q  free: n@outer, total@outer, x@outer
        nonlocal total
        q = x + y + n
        total = q
        return [n for n in range(q)]  # this n is the comprehension's

    lam = lambda v: v + acc  # noqa: E731
    return inner(1) + lam(2) + CONST


def deep(a):  # scope: a, mid
    def mid():  # scope: bottom  free: a@deep
        def bottom():  # scope: a  free: -
            global G
            G = a  # global G; a is bottom's own below
            a = 2
            return a
        return bottom() + a
    return mid()


def shadow(p):  # scope: p, sub
    def sub(p):  # scope: p  free: -
        return p
    return sub(p)


class Model:
    def forward(self, x):  # scope: self, x, y
        y = x * 2
        self.y = y
        return y
