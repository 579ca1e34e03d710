"""Tests for the wheel builder and the platform-tag checks.

    EXPORTDB_BINARY=path/to/exportdb python3 -m unittest packaging/python/test_packaging.py

The ELF cases read a real exportdb binary (scripts/test-dist.sh passes the one it built);
Mach-O and PE cases use headers built here, since no such binary is at hand in CI.
"""

import base64
import hashlib
import io
import os
import struct
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import binfmt  # noqa: E402
import build_wheel  # noqa: E402

LICENSE = Path(__file__).resolve().parents[2] / "editors/vscode/LICENSE"


def macho(cpu: int, minos: tuple, signed: bool) -> bytes:
    """A Mach-O header with LC_BUILD_VERSION and, if signed, LC_CODE_SIGNATURE."""
    cmds = struct.pack("<IIIIII", 0x32, 24, 1, minos[0] << 16 | minos[1] << 8, minos[0] << 16, 0)
    if signed:
        cmds += struct.pack("<IIII", 0x1D, 16, 4096, 256)
    head = struct.pack("<IiiIIIII", 0xFEEDFACF, cpu, 0, 2, 2 if signed else 1, len(cmds), 0, 0)
    return head + cmds


def pe(machine: int) -> bytes:
    data = bytearray(0x100)
    data[:2] = b"MZ"
    struct.pack_into("<I", data, 0x3C, 0x80)
    data[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<H", data, 0x84, machine)
    return bytes(data)


class Pep440(unittest.TestCase):
    def test_versions(self):
        for semver, want in [
            ("0.3.0", "0.3.0"),
            ("1.2.3-rc.1", "1.2.3rc1"),
            ("1.2.3-alpha.2", "1.2.3a2"),
            ("1.2.3-beta.4", "1.2.3b4"),
            ("0.0.1-dev.80+gdd7910b29b5b", "0.0.1.dev80+gdd7910b29b5b"),
        ]:
            self.assertEqual(build_wheel.pep440(semver), want)
        for bad in ["v0.3.0", "0.3", "0.3.0-pre.1", "0.3.0+a-b", ""]:
            with self.assertRaises(ValueError, msg=bad):
                build_wheel.pep440(bad)


class Tags(unittest.TestCase):
    def test_macos(self):
        arm = binfmt.inspect(macho(0x0100000C, (12, 0), signed=True))
        self.assertEqual((arm.os, arm.arch, arm.macos_min, arm.signed), ("macos", "arm64", (12, 0), True))
        binfmt.check_tag(arm, "macosx_12_0_arm64")
        binfmt.check_tag(arm, "macosx_13_0_arm64")
        self.assertEqual(binfmt.default_tag(arm), "macosx_12_0_arm64")
        for tag, why in [
            ("macosx_11_0_arm64", "needs macOS 12.0"),
            ("macosx_12_0_x86_64", "is for macos arm64"),
            ("manylinux_2_17_aarch64", "is for macos arm64"),
        ]:
            with self.assertRaisesRegex(ValueError, why):
                binfmt.check_tag(arm, tag)
        with self.assertRaisesRegex(ValueError, "no code signature"):
            binfmt.check_tag(binfmt.inspect(macho(0x0100000C, (12, 0), signed=False)), "macosx_12_0_arm64")
        intel = binfmt.inspect(macho(0x01000007, (11, 7), signed=False))
        binfmt.check_tag(intel, "macosx_12_0_x86_64")  # x86_64 runs unsigned code
        self.assertEqual(binfmt.default_tag(intel), "macosx_12_0_x86_64")  # 11.7 -> the next X_0 tag

    def test_windows(self):
        b = binfmt.inspect(pe(0x8664))
        binfmt.check_tag(b, "win_amd64")
        self.assertEqual(binfmt.default_tag(b), "win_amd64")
        with self.assertRaisesRegex(ValueError, "is for windows amd64"):
            binfmt.check_tag(b, "win_arm64")
        binfmt.check_tag(binfmt.inspect(pe(0xAA64)), "win_arm64")

    def test_not_an_executable(self):
        for data in [b"#!/bin/sh\n", b"\x7fELF\x01\x01" + bytes(64), b"MZ" + bytes(0x100)]:
            with self.assertRaises(ValueError):
                binfmt.inspect(data)


@unittest.skipUnless(os.environ.get("EXPORTDB_BINARY"), "set EXPORTDB_BINARY to a Linux exportdb binary")
class RealBinary(unittest.TestCase):
    def setUp(self):
        self.path = Path(os.environ["EXPORTDB_BINARY"])
        self.info = binfmt.inspect(self.path.read_bytes())

    def test_linux_tag_follows_glibc(self):
        b = self.info
        self.assertEqual(b.os, "linux")
        self.assertGreaterEqual(b.glibc, (2, 17))
        self.assertIn("libc.so.6", b.needed)
        tag = binfmt.default_tag(b)
        self.assertEqual(tag, "manylinux_%d_%d_%s" % (b.glibc + (b.arch,)))
        binfmt.check_tag(b, tag)
        with self.assertRaisesRegex(ValueError, "needs glibc"):
            binfmt.check_tag(b, "manylinux_2_16_%s" % b.arch)
        other = "aarch64" if b.arch == "x86_64" else "x86_64"
        with self.assertRaisesRegex(ValueError, "is for linux"):
            binfmt.check_tag(b, "manylinux_2_40_%s" % other)
        with self.assertRaisesRegex(ValueError, "links libfoo.so.1"):
            binfmt.check_tag(binfmt.Binary("linux", b.arch, (2, 17), ["libc.so.6", "libfoo.so.1"]), "manylinux_2_17_%s" % b.arch)

    def test_wheel(self):
        with tempfile.TemporaryDirectory() as out:
            os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
            whl = build_wheel.build(self.path, "0.3.1-dev.5+gabc", None, Path(out) / "a", LICENSE)
            again = build_wheel.build(self.path, "0.3.1-dev.5+gabc", None, Path(out) / "b", LICENSE)
            self.assertEqual(whl.read_bytes(), again.read_bytes(), "the same input must give the same wheel")
            self.assertEqual(whl.name, "exportdb_lsp-0.3.1.dev5+gabc-py3-none-%s.whl" % binfmt.default_tag(self.info))
            self.assertEqual([p.name for p in Path(out, "a").iterdir()], [whl.name], "no temporary file is left")
            with zipfile.ZipFile(whl) as z:
                names = z.namelist()
                dist = "exportdb_lsp-0.3.1.dev5+gabc"
                self.assertEqual(names[-1], dist + ".dist-info/RECORD")
                record = z.read(dist + ".dist-info/RECORD").decode().splitlines()
                self.assertEqual(len(record), len(names))
                for line in record:
                    name, digest, size = line.rsplit(",", 2)
                    if name.endswith("RECORD"):
                        self.assertEqual((digest, size), ("", ""))
                        continue
                    data = z.read(name)
                    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    self.assertEqual((digest, int(size)), (want, len(data)), name)
                script = z.getinfo(dist + ".data/scripts/exportdb")
                self.assertEqual(script.external_attr >> 16, 0o100755)
                self.assertEqual(z.read(script.filename), self.path.read_bytes())
                wheel = z.read(dist + ".dist-info/WHEEL").decode()
                self.assertIn("Root-Is-Purelib: false\n", wheel)
                self.assertIn("Tag: py3-none-%s\n" % binfmt.default_tag(self.info), wheel)
                meta = z.read(dist + ".dist-info/METADATA").decode()
                self.assertIn("Name: exportdb-lsp\nVersion: 0.3.1.dev5+gabc\n", meta)

    def test_dishonest_tag_writes_nothing(self):
        with tempfile.TemporaryDirectory() as out:
            with self.assertRaises(ValueError):
                build_wheel.build(self.path, "0.3.0", "win_amd64", Path(out), LICENSE)
            self.assertEqual(list(Path(out).iterdir()), [])


if __name__ == "__main__":
    unittest.main()
