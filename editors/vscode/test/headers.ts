// Executable headers built byte by byte from the ELF, Mach-O and PE layouts, for the packaging
// tests: each is what the first bytes of a real binary for that platform look like.

/** An ELF header with one PT_LOAD and, when interp is given, a PT_INTERP naming that loader. */
export function elf(opts: { bits: 32 | 64; machine: number; interp?: string }): Buffer {
  const buf = Buffer.alloc(4096);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = opts.bits === 64 ? 2 : 1;
  buf[5] = 1; // little endian
  buf.writeUInt16LE(opts.machine, 18);
  const [phoff, phentsize] = opts.bits === 64 ? [64, 56] : [52, 32];
  if (opts.bits === 64) {
    buf.writeBigUInt64LE(BigInt(phoff), 32);
    buf.writeUInt16LE(phentsize, 54);
    buf.writeUInt16LE(opts.interp ? 2 : 1, 56);
  } else {
    buf.writeUInt32LE(phoff, 28);
    buf.writeUInt16LE(phentsize, 42);
    buf.writeUInt16LE(opts.interp ? 2 : 1, 44);
  }
  buf.writeUInt32LE(1, phoff); // PT_LOAD
  if (opts.interp) {
    const ph = phoff + phentsize;
    const at = 1024;
    buf.writeUInt32LE(3, ph); // PT_INTERP
    if (opts.bits === 64) {
      buf.writeBigUInt64LE(BigInt(at), ph + 8);
      buf.writeBigUInt64LE(BigInt(opts.interp.length + 1), ph + 32);
    } else {
      buf.writeUInt32LE(at, ph + 4);
      buf.writeUInt32LE(opts.interp.length + 1, ph + 16);
    }
    buf.write(opts.interp, at, 'latin1');
  }
  return buf;
}

export const ELF_X86_64 = 62;
export const ELF_AARCH64 = 183;
export const ELF_ARM = 40;
export const GLIBC_X64 = '/lib64/ld-linux-x86-64.so.2';
export const MUSL_X64 = '/lib/ld-musl-x86_64.so.1';

export const CPU_X86_64 = 0x01000007;
export const CPU_ARM64 = 0x0100000c;

/** A thin 64-bit Mach-O header. */
export function macho(cpu: number): Buffer {
  const buf = Buffer.alloc(64);
  buf.writeUInt32LE(0xfeedfacf, 0);
  buf.writeUInt32LE(cpu, 4);
  return buf;
}

/** A universal (fat) Mach-O header listing cpus. */
export function fat(cpus: number[]): Buffer {
  const buf = Buffer.alloc(8 + 20 * cpus.length);
  buf.writeUInt32BE(0xcafebabe, 0);
  buf.writeUInt32BE(cpus.length, 4);
  cpus.forEach((c, i) => buf.writeUInt32BE(c, 8 + 20 * i));
  return buf;
}

/** An MZ stub with a PE header for machine (0x8664 x64, 0xaa64 arm64). */
export function pe(machine: number): Buffer {
  const buf = Buffer.alloc(0x100);
  buf.write('MZ', 0, 'latin1');
  buf.writeUInt32LE(0x80, 0x3c);
  buf.writeUInt32BE(0x50450000, 0x80);
  buf.writeUInt16LE(machine, 0x84);
  return buf;
}
