#!/usr/bin/env python3
"""Writes link-time stubs for the macOS libraries Go's standard library calls into.

    darwin_stubs.py OUTDIR        (then link with -F OUTDIR -L OUTDIR)

Zig's macOS target brings libSystem but not Apple's frameworks. Go's crypto/x509 (which
zap pulls in through net/http) calls CoreFoundation and Security, and its resolver calls
libresolv; with cgo, Go's linker hands those to the C linker as -framework and -l flags.
A text-based stub (.tbd) names a library's install path and the symbols it exports; that
is all a linker needs, and at run time dyld binds the same symbols from the real system
libraries. The symbols are read from the //go:cgo_import_dynamic lines of the Go toolchain
in use (go env GOROOT), so the stubs always match it.
"""

import collections
import pathlib
import re
import subprocess
import sys

IMPORT = re.compile(r'^//go:cgo_import_dynamic \S+ (\S+) "(/System/Library/Frameworks/[^"]+|/usr/lib/libresolv[^"]*)"', re.M)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = pathlib.Path(sys.argv[1])
    goroot = pathlib.Path(subprocess.check_output(["go", "env", "GOROOT"], text=True).strip())
    libs = collections.defaultdict(set)
    for src in (goroot / "src").rglob("*.go"):
        if src.is_file() and "testdata" not in src.parts:
            for sym, lib in IMPORT.findall(src.read_text(errors="replace")):
                libs[lib].add(sym)
    if not libs:
        print("darwin_stubs.py: no cgo_import_dynamic lines found under %s" % goroot, file=sys.stderr)
        return 1
    for lib, syms in sorted(libs.items()):
        m = re.match(r"/System/Library/Frameworks/(\w+)\.framework/", lib)
        if m:
            path = out / (m.group(1) + ".framework") / (m.group(1) + ".tbd")
        else:  # /usr/lib/libresolv.9.dylib -> -lresolv
            path = out / (re.match(r"/usr/lib/(lib\w+)", lib).group(1) + ".tbd")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "--- !tapi-tbd\n"
            "tbd-version:     4\n"
            "targets:         [ x86_64-macos, arm64-macos ]\n"
            "install-name:    '%s'\n"
            "exports:\n"
            "  - targets:         [ x86_64-macos, arm64-macos ]\n"
            "    symbols:         [ %s ]\n"
            "...\n" % (lib, ", ".join("_" + s for s in sorted(syms)))
        )
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
