// Reads a .vsix (a zip file) to check what packaging produced: entry names, their Unix modes,
// and the contents of small entries. Only what vsce writes is supported: no zip64, entries
// stored or deflated.

import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The Unix mode when the archive was made on Unix (the high half of the external attributes), else 0. */
  mode: number;
  method: number;
  compressedSize: number;
  localHeader: number;
}

/** The entries of the zip file in buf, from its central directory. */
export function zipEntries(buf: Buffer): ZipEntry[] {
  // the end of central directory record: 22 bytes plus a comment of up to 64 KiB
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new Error('not a zip file (no end of central directory record)');
  }
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) {
      throw new Error(`corrupt central directory at entry ${i}`);
    }
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    out.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      mode: madeBy === 3 ? buf.readUInt32LE(p + 38) >>> 16 : 0,
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      localHeader: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The uncompressed contents of entry e of the zip file in buf. */
export function zipRead(buf: Buffer, e: ZipEntry): Buffer {
  const h = e.localHeader;
  if (buf.readUInt32LE(h) !== 0x04034b50) {
    throw new Error(`corrupt local header of ${e.name}`);
  }
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const data = buf.subarray(start, start + e.compressedSize);
  if (e.method === 0) {
    return data;
  }
  if (e.method === 8) {
    return zlib.inflateRawSync(data);
  }
  throw new Error(`${e.name}: unsupported compression method ${e.method}`);
}
