"""Reads what a platform tag promises from an executable itself.

A wheel's platform tag is a promise: manylinux_2_17_x86_64 says the binary runs on any
x86_64 Linux with glibc 2.17 or newer, macosx_12_0_arm64 that it runs on Apple silicon
from macOS 12 on. inspect() reads the facts those promises rest on (the ELF's glibc
symbol versions and shared libraries, the Mach-O minimum OS and code signature, the PE
machine), and check_tag() refuses a tag they do not support. Standard library only.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

# The shared libraries a manylinux wheel may link against without carrying them
# (the PEP 600 policy's list, as auditwheel applies it), plus the dynamic loaders.
MANYLINUX_LIBS = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0",
    "libresolv.so.2", "libutil.so.1", "libnsl.so.1", "libgcc_s.so.1", "libstdc++.so.6",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
}

ELF_MACHINES = {62: "x86_64", 183: "aarch64"}
MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
PE_MACHINES = {0x8664: "amd64", 0xAA64: "arm64"}


@dataclass
class Binary:
    """What an executable needs from the system that runs it."""

    os: str  # "linux", "macos" or "windows"
    arch: str  # as wheel tags spell it: x86_64, aarch64, arm64, amd64
    glibc: tuple = (0, 0)  # the newest GLIBC_x.y symbol version an ELF needs
    needed: list = field(default_factory=list)  # an ELF's DT_NEEDED libraries
    macos_min: tuple = (0, 0)  # a Mach-O's minimum macOS version
    signed: bool = False  # a Mach-O carries a code signature (arm64 needs one)


def inspect(data: bytes) -> Binary:
    if data[:4] == b"\x7fELF":
        return _elf(data)
    if data[:4] == b"\xcf\xfa\xed\xfe":
        return _macho(data)
    if data[:2] == b"MZ":
        return _pe(data)
    raise ValueError("not an ELF, Mach-O (64-bit) or PE executable")


def _cstr(data: bytes, off: int) -> str:
    return data[off : data.index(b"\0", off)].decode()


def _elf(data: bytes) -> Binary:
    if data[4] != 2 or data[5] != 1:
        raise ValueError("only 64-bit little-endian ELF files are supported")
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine not in ELF_MACHINES:
        raise ValueError("unsupported ELF machine %d" % machine)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info
        sections.append(struct.unpack_from("<IIQQQQII", data, shoff + i * shentsize))
    b = Binary(os="linux", arch=ELF_MACHINES[machine])
    for _, typ, _, _, off, size, link, info in sections:
        strtab = sections[link][4] if link < len(sections) else 0
        if typ == 6:  # SHT_DYNAMIC: DT_NEEDED entries name the shared libraries
            for p in range(off, off + size, 16):
                tag, val = struct.unpack_from("<qQ", data, p)
                if tag == 0:
                    break
                if tag == 1:
                    b.needed.append(_cstr(data, strtab + val))
        elif typ == 0x6FFFFFFE:  # SHT_GNU_verneed: the symbol versions each library must have
            p = off
            for _ in range(info):
                _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, p)
                a = p + aux
                for _ in range(cnt):
                    _, _, _, name, anext = struct.unpack_from("<IHHII", data, a)
                    m = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", _cstr(data, strtab + name))
                    if m:
                        b.glibc = max(b.glibc, (int(m.group(1)), int(m.group(2))))
                    a += anext
                p += nxt
    return b


def _macho(data: bytes) -> Binary:
    cpu, _, _, ncmds = struct.unpack_from("<iiII", data, 4)
    if cpu not in MACHO_CPUS:
        raise ValueError("unsupported Mach-O CPU type %#x" % cpu)
    b = Binary(os="macos", arch=MACHO_CPUS[cpu])
    p = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, p)
        if cmd == 0x32:  # LC_BUILD_VERSION: platform, minos, sdk
            minos = struct.unpack_from("<I", data, p + 12)[0]
            b.macos_min = (minos >> 16, (minos >> 8) & 0xFF)
        elif cmd == 0x24:  # LC_VERSION_MIN_MACOSX: version, sdk
            minos = struct.unpack_from("<I", data, p + 8)[0]
            b.macos_min = (minos >> 16, (minos >> 8) & 0xFF)
        elif cmd == 0x1D:  # LC_CODE_SIGNATURE
            b.signed = True
        p += size
    return b


def _pe(data: bytes) -> Binary:
    pe, = struct.unpack_from("<I", data, 0x3C)
    if data[pe : pe + 4] != b"PE\0\0":
        raise ValueError("MZ header without a PE signature")
    machine, = struct.unpack_from("<H", data, pe + 4)
    if machine not in PE_MACHINES:
        raise ValueError("unsupported PE machine %#x" % machine)
    return Binary(os="windows", arch=PE_MACHINES[machine])


def default_tag(b: Binary) -> str:
    """The most widely installable tag the binary supports."""
    if b.os == "linux":
        major, minor = max(b.glibc, (2, 17))
        return "manylinux_%d_%d_%s" % (major, minor, b.arch)
    if b.os == "macos":
        major, minor = max(b.macos_min, (10, 9) if b.arch == "x86_64" else (11, 0))
        if major >= 11 and minor:  # installers only match X_0 tags from macOS 11 on
            major, minor = major + 1, 0
        return "macosx_%d_%d_%s" % (major, minor, b.arch)
    return "win_" + b.arch


def check_tag(b: Binary, tag: str) -> None:
    """Raise ValueError when the binary does not keep the promise of the platform tag."""
    m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", tag)
    if m:
        want = (int(m.group(1)), int(m.group(2)))
        if b.os != "linux" or b.arch != m.group(3):
            raise ValueError("%s: the binary is for %s %s" % (tag, b.os, b.arch))
        if b.glibc > want:
            raise ValueError("%s: the binary needs glibc %d.%d" % ((tag,) + b.glibc))
        extra = sorted(set(b.needed) - MANYLINUX_LIBS)
        if extra:
            raise ValueError("%s: the binary links %s, which manylinux systems need not have" % (tag, ", ".join(extra)))
        return
    m = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
    if m:
        if b.os != "macos" or b.arch != m.group(3):
            raise ValueError("%s: the binary is for %s %s" % (tag, b.os, b.arch))
        if b.macos_min > (int(m.group(1)), int(m.group(2))):
            raise ValueError("%s: the binary needs macOS %d.%d" % ((tag,) + b.macos_min))
        if b.arch == "arm64" and not b.signed:
            raise ValueError("%s: the binary has no code signature; macOS on arm64 refuses to run it" % tag)
        return
    m = re.fullmatch(r"win_(\w+)", tag)
    if m:
        if b.os != "windows" or b.arch != m.group(1):
            raise ValueError("%s: the binary is for %s %s" % (tag, b.os, b.arch))
        return
    raise ValueError("unsupported platform tag %r" % tag)
