#!/usr/bin/env python3
"""Writes a platform wheel that carries a prebuilt exportdb executable.

    build_wheel.py --binary dist/linux-x86_64/exportdb --version 0.3.0 --out dist/
    build_wheel.py --binary exportdb.exe --version 0.3.0 --platform-tag win_amd64 --out dist/

The wheel installs the executable as a script (``bin/exportdb``, ``Scripts\\exportdb.exe``),
so ``exportdb`` lands on PATH with no Python between the shell and the binary, and adds the
small ``exportdb`` package for ``python -m exportdb``. The platform tag defaults to the
widest one the binary supports and is checked against the binary either way (binfmt.py).
Standard library only: it runs where PyPI, setuptools and wheel are out of reach, and its
output is byte-for-byte reproducible (timestamps come from SOURCE_DATE_EPOCH).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import binfmt  # noqa: E402

NAME = "exportdb-lsp"
SUMMARY = "Find the Python patterns torch.export rejects or silently specialises (PyTorch ExportDB): a linter and language server"
HOMEPAGE = "https://github.com/exportdb-lsp/exportdb-lsp"


def pep440(version: str) -> str:
    """Turns the release version (semver: 0.3.0, 0.3.0-rc.1, 0.3.1-dev.5+g1a2b3c) into PEP 440."""
    m = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|beta|rc|dev)\.(\d+))?(?:\+([0-9A-Za-z.]+))?", version)
    if not m:
        raise ValueError("version %r is not MAJOR.MINOR.PATCH[-(alpha|beta|rc|dev).N][+BUILD]" % version)
    base, pre, n, local = m.groups()
    out = base
    if pre:
        out += {"alpha": "a", "beta": "b", "rc": "rc", "dev": ".dev"}[pre] + n
    if local:
        out += "+" + local
    return out


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def metadata(version: str, readme: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: %s\n"
        "Home-page: %s\n"
        "Project-URL: Source, %s\n"
        "Project-URL: Issues, %s/issues\n"
        "License: MIT\n"
        "Keywords: pytorch,torch.export,exportdb,linter,language-server,lsp\n"
        "Classifier: Development Status :: 4 - Beta\n"
        "Classifier: Environment :: Console\n"
        "Classifier: Intended Audience :: Developers\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Topic :: Software Development :: Quality Assurance\n"
        "Requires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n"
        "\n%s" % (NAME, version, SUMMARY, HOMEPAGE, HOMEPAGE, HOMEPAGE, readme)
    )


def build(binary: Path, version: str, tag: str | None, out: Path, license_file: Path) -> Path:
    exe = binary.read_bytes()
    info = binfmt.inspect(exe)
    tag = tag or binfmt.default_tag(info)
    binfmt.check_tag(info, tag)
    pyver = pep440(version)
    dist = NAME.replace("-", "_")
    exe_name = "exportdb.exe" if info.os == "windows" else "exportdb"
    wheel_meta = (
        "Wheel-Version: 1.0\n"
        "Generator: exportdb-lsp packaging/python/build_wheel.py\n"
        "Root-Is-Purelib: false\n"
        "Tag: py3-none-%s\n" % tag
    )
    files = [  # (name in the wheel, contents, executable)
        ("exportdb/__init__.py", (HERE / "exportdb/__init__.py").read_bytes(), False),
        ("exportdb/__main__.py", (HERE / "exportdb/__main__.py").read_bytes(), False),
        ("%s-%s.data/scripts/%s" % (dist, pyver, exe_name), exe, True),
        ("%s-%s.dist-info/METADATA" % (dist, pyver), metadata(pyver, (HERE / "README.md").read_text()).encode(), False),
        ("%s-%s.dist-info/LICENSE" % (dist, pyver), license_file.read_bytes(), False),
        ("%s-%s.dist-info/WHEEL" % (dist, pyver), wheel_meta.encode(), False),
    ]
    record_name = "%s-%s.dist-info/RECORD" % (dist, pyver)
    record = "".join("%s,%s,%d\n" % (n, record_hash(d), len(d)) for n, d, _ in files) + record_name + ",,\n"
    files.append((record_name, record.encode(), False))

    epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())), 315532800)  # zip starts at 1980
    stamp = time.gmtime(epoch)[:6]
    out.mkdir(parents=True, exist_ok=True)
    whl = out / ("%s-%s-py3-none-%s.whl" % (dist, pyver, tag))
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".tmp-", suffix=".whl")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data, executable in files:
                zi = zipfile.ZipInfo(name, stamp)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = (0o100755 if executable else 0o100644) << 16
                z.writestr(zi, data)
        os.replace(tmp, whl)
    except BaseException:
        os.unlink(tmp)
        raise
    return whl


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", type=Path, required=True, help="the exportdb executable to ship")
    ap.add_argument("--version", required=True, help="release version, e.g. 0.3.0 or 0.3.1-dev.5+g1a2b3c4d5e6f")
    ap.add_argument("--platform-tag", help="e.g. manylinux_2_17_x86_64 (default: the widest the binary supports)")
    ap.add_argument("--license", type=Path, default=HERE.parent.parent / "editors/vscode/LICENSE")
    ap.add_argument("--out", type=Path, default=Path("dist"))
    a = ap.parse_args()
    try:
        print(build(a.binary, a.version, a.platform_tag, a.out, a.license))
    except (OSError, ValueError) as e:
        print("build_wheel.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
