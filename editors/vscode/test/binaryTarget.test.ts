// Which platform a binary is for, read from its header, and which package it may go into.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { binaryPlatform, HEADER_BYTES, mismatch, type Target } from '../scripts/binaryTarget';
import { hostTarget } from '../scripts/package';
import * as h from './headers';

test('headers: ELF (machine and C library), Mach-O (thin and universal), PE', () => {
  const cases: [string, Buffer, unknown][] = [
    ['linux x64 glibc', h.elf({ bits: 64, machine: h.ELF_X86_64, interp: h.GLIBC_X64 }), { os: 'linux', archs: ['x64'], libc: 'glibc' }],
    ['linux arm64 musl', h.elf({ bits: 64, machine: h.ELF_AARCH64, interp: '/lib/ld-musl-aarch64.so.1' }), { os: 'linux', archs: ['arm64'], libc: 'musl' }],
    ['linux armhf static', h.elf({ bits: 32, machine: h.ELF_ARM }), { os: 'linux', archs: ['armhf'], libc: 'static' }],
    ['linux armhf glibc', h.elf({ bits: 32, machine: h.ELF_ARM, interp: '/lib/ld-linux-armhf.so.3' }), { os: 'linux', archs: ['armhf'], libc: 'glibc' }],
    ['darwin arm64', h.macho(h.CPU_ARM64), { os: 'darwin', archs: ['arm64'] }],
    ['darwin universal', h.fat([h.CPU_X86_64, h.CPU_ARM64]), { os: 'darwin', archs: ['x64', 'arm64'] }],
    ['win32 x64', h.pe(0x8664), { os: 'win32', archs: ['x64'] }],
    ['win32 arm64', h.pe(0xaa64), { os: 'win32', archs: ['arm64'] }],
  ];
  for (const [name, head, want] of cases) {
    assert.deepEqual(binaryPlatform(head), want, name);
  }
});

test('not an executable, or for a CPU VS Code has no target for', () => {
  assert.match((binaryPlatform(Buffer.from('#!/bin/sh\nexit 0\n')) as { error: string }).error, /not an executable/);
  assert.match((binaryPlatform(h.elf({ bits: 64, machine: 243 })) as { error: string }).error, /unsupported machine \(243\)/);
  assert.match((binaryPlatform(h.pe(0x14c)) as { error: string }).error, /unsupported machine \(0x14c\)/);
  assert.match((binaryPlatform(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(0x3e)])) as { error: string }).error, /without a PE header/);
});

test('a binary fits only its own target', () => {
  const glibc = binaryPlatform(h.elf({ bits: 64, machine: h.ELF_X86_64, interp: h.GLIBC_X64 }));
  const musl = binaryPlatform(h.elf({ bits: 64, machine: h.ELF_X86_64, interp: h.MUSL_X64 }));
  const fits: [Target, ReturnType<typeof binaryPlatform>][] = [
    ['linux-x64', glibc],
    ['alpine-x64', musl],
    ['alpine-x64', binaryPlatform(h.elf({ bits: 64, machine: h.ELF_X86_64 }))],
    ['linux-x64', binaryPlatform(h.elf({ bits: 64, machine: h.ELF_X86_64 }))],
    ['darwin-arm64', binaryPlatform(h.fat([h.CPU_X86_64, h.CPU_ARM64]))],
    ['darwin-x64', binaryPlatform(h.fat([h.CPU_X86_64, h.CPU_ARM64]))],
    ['win32-arm64', binaryPlatform(h.pe(0xaa64))],
  ];
  for (const [target, p] of fits) {
    assert.equal(mismatch(target, p), undefined, `${target} ${JSON.stringify(p)}`);
  }
  assert.equal(mismatch('linux-arm64', glibc), 'it is built for linux x64 (glibc)');
  assert.match(mismatch('darwin-x64', glibc) ?? '', /built for linux x64/);
  assert.match(mismatch('alpine-x64', glibc) ?? '', /Alpine has musl/);
  assert.match(mismatch('linux-x64', musl) ?? '', /alpine-x64 package/);
  assert.match(mismatch('darwin-arm64', binaryPlatform(h.macho(h.CPU_X86_64))) ?? '', /built for darwin x64/);
  assert.match(mismatch('win32-x64', binaryPlatform(h.pe(0xaa64))) ?? '', /built for win32 arm64/);
  assert.match(mismatch('linux-x64', binaryPlatform(Buffer.from('text'))) ?? '', /not an executable/);
});

test('a real binary of this machine fits this machine\'s target', () => {
  const target = hostTarget();
  assert.ok(target, `${process.platform}-${process.arch}`);
  const fd = fs.openSync(process.execPath, 'r');
  const head = Buffer.alloc(HEADER_BYTES);
  const n = fs.readSync(fd, head, 0, HEADER_BYTES, 0);
  fs.closeSync(fd);
  assert.equal(mismatch(target, binaryPlatform(head.subarray(0, n))), undefined, process.execPath);
});
