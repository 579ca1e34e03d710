#!/usr/bin/env python3
"""Measures how deeply nested code CPython compiles, shape by shape.

For each shape it finds the largest n for which compile() succeeds and prints it with the
error CPython gives at n+1. analysis/syntax TestDepthOfCodeCPythonCompiles builds the same
shapes at these sizes (measured with CPython 3.11) and checks that their syntax trees stay
within syntax.MaxDepth: the limit refuses only code Python itself refuses.

    python3 bench/cpython-depth.py
"""
import subprocess
import sys


def compiles(src):
    r = subprocess.run([sys.executable, "-c", "import sys; compile(sys.stdin.read(), 'f.py', 'exec')"],
                       input=src, capture_output=True, text=True)
    return r.returncode == 0, (r.stderr.strip().splitlines() or [""])[-1]


def largest(gen, lo=1, hi=20000):
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if compiles(gen(mid))[0]:
            lo = mid
        else:
            hi = mid
    return lo


def total(n):
    return "+".join(["x"] * n)


def elif_chain(levels, body):
    out = ""
    for i in range(levels):
        ind = " " * i
        out += ind + "if x:\n" + ind + " pass\n" + ind + "elif y:\n"
    return out + " " * levels + body + "\n"


SHAPES = {
    "unary minus": lambda n: "y = " + "-" * n + "x\n",
    "sum": lambda n: "y = " + total(n) + "\n",
    "call chain": lambda n: "y = x" + "()" * n + "\n",
    "attribute chain": lambda n: "y = x" + ".a" * n + "\n",
    "lambdas": lambda n: "f = " + "lambda: " * n + "x\n",
    "conditional expressions": lambda n: "y = " + "a if b else " * n + "c\n",
    "200 parentheses around a sum": lambda n: "y = " + "(" * 200 + total(n) + ")" * 200 + "\n",
    "200 nested calls around a sum": lambda n: "y = " + "f(" * 200 + total(n) + ")" * 200 + "\n",
    "50 elifs, 190 keyword calls around a sum":
        lambda n: elif_chain(50, "y = " + "f(a=" * 190 + total(n) + ")" * 190),
    "nested brackets": lambda n: "y = " + "[" * n + "]" * n + "\n",
    "nested ifs": lambda n: "".join(" " * i + "if x:\n" for i in range(n)) + " " * n + "pass\n",
}

if __name__ == "__main__":
    print(f"{sys.version.split()[0]} (sys.getrecursionlimit() = {sys.getrecursionlimit()})")
    for name, gen in SHAPES.items():
        n = largest(gen)
        print(f"{name:45} n = {n:5}   n+1: {compiles(gen(n + 1))[1]}")
