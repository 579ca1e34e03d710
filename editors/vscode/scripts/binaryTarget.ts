// What platform an executable was built for, read from its header (ELF, Mach-O, PE), so that
// packaging refuses a binary in the wrong .vsix: a linux-arm64 build in the linux-x64 package
// would fail on every user's machine, not on the packager's. Pure: tested on crafted headers and
// on real binaries (test/binaryTarget.test.ts).

/** The VS Code platform targets a .vsix can be built for (vsce --target), bar "web". */
export const TARGETS = [
  'linux-x64',
  'linux-arm64',
  'linux-armhf',
  'alpine-x64',
  'alpine-arm64',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64',
  'win32-arm64',
] as const;

export type Target = (typeof TARGETS)[number];

export function isTarget(s: string): s is Target {
  return (TARGETS as readonly string[]).includes(s);
}

/** How many bytes of a file binaryPlatform needs at most (headers and the ELF interpreter path). */
export const HEADER_BYTES = 64 * 1024;

export type Arch = 'x64' | 'arm64' | 'armhf';

export interface BinaryPlatform {
  os: 'linux' | 'darwin' | 'win32';
  /** Every architecture in the file (a macOS universal binary has several). */
  archs: Arch[];
  /** Linux only: the C library its dynamic loader belongs to; static when it has none. */
  libc?: 'glibc' | 'musl' | 'static';
}

const ELF_MACHINES: Record<number, Arch> = { 62: 'x64', 183: 'arm64', 40: 'armhf' };
const MACHO_CPUS: Record<number, Arch> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, Arch> = { 0x8664: 'x64', 0xaa64: 'arm64' };

/** The platform of the executable whose first bytes are head, or an error saying why not. */
export function binaryPlatform(head: Buffer): BinaryPlatform | { error: string } {
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    return elf(head);
  }
  if (head.length >= 8 && head.readUInt32LE(0) === 0xfeedfacf) {
    const arch = MACHO_CPUS[head.readUInt32LE(4)];
    return arch ? { os: 'darwin', archs: [arch] } : { error: `Mach-O for an unsupported CPU (0x${head.readUInt32LE(4).toString(16)})` };
  }
  if (head.length >= 8 && head.readUInt32BE(0) === 0xcafebabe) {
    const n = head.readUInt32BE(4);
    const archs: Arch[] = [];
    for (let i = 0; i < n && 8 + 20 * (i + 1) <= head.length; i++) {
      const arch = MACHO_CPUS[head.readUInt32BE(8 + 20 * i)];
      if (arch) {
        archs.push(arch);
      }
    }
    return archs.length > 0 ? { os: 'darwin', archs } : { error: 'a Mach-O universal binary without x86_64 or arm64' };
  }
  if (head.length >= 0x40 && head.toString('latin1', 0, 2) === 'MZ') {
    const pe = head.readUInt32LE(0x3c);
    if (pe + 6 > head.length || head.readUInt32BE(pe) !== 0x50450000) {
      return { error: 'an MZ header without a PE header' };
    }
    const arch = PE_MACHINES[head.readUInt16LE(pe + 4)];
    return arch ? { os: 'win32', archs: [arch] } : { error: `PE for an unsupported machine (0x${head.readUInt16LE(pe + 4).toString(16)})` };
  }
  return { error: 'not an executable (no ELF, Mach-O or PE header)' };
}

function elf(head: Buffer): BinaryPlatform | { error: string } {
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const uword = (o: number) => (is64 ? Number(le ? head.readBigUInt64LE(o) : head.readBigUInt64BE(o)) : u32(o));
  const machine = u16(18);
  const arch = ELF_MACHINES[machine];
  if (!arch) {
    return { error: `ELF for an unsupported machine (${machine})` };
  }
  // the program headers: PT_INTERP (3) names the dynamic loader, which tells glibc from musl
  const phoff = uword(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  let libc: BinaryPlatform['libc'] = 'static';
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > head.length) {
      return { error: 'ELF program headers beyond the first 64 KiB' };
    }
    if (u32(ph) !== 3) {
      continue;
    }
    const off = uword(ph + (is64 ? 8 : 4));
    const size = uword(ph + (is64 ? 32 : 16));
    if (off + size > head.length) {
      return { error: 'ELF interpreter path beyond the first 64 KiB' };
    }
    const interp = head.toString('latin1', off, off + size).replace(/\0+$/, '');
    libc = interp.includes('musl') ? 'musl' : 'glibc';
  }
  return { os: 'linux', archs: [arch], libc };
}

/** Why the binary cannot go into target's .vsix, or undefined when it fits. */
export function mismatch(target: Target, platform: BinaryPlatform | { error: string }): string | undefined {
  if ('error' in platform) {
    return platform.error;
  }
  const [osPart, arch] = target.split('-') as [string, Arch];
  const os = osPart === 'alpine' ? 'linux' : osPart;
  const found = `${platform.os} ${platform.archs.join('+')}${platform.libc ? ` (${platform.libc})` : ''}`;
  if (platform.os !== os || !platform.archs.includes(arch)) {
    return `it is built for ${found}`;
  }
  if (osPart === 'alpine' && platform.libc === 'glibc') {
    return `it is built for ${found}, and Alpine has musl, not glibc`;
  }
  if (osPart === 'linux' && platform.libc === 'musl') {
    return `it is built for ${found}; put it in the alpine-${arch} package`;
  }
  return undefined;
}
