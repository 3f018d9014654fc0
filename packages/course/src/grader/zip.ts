/**
 * A zip archive writer, enough for an autograder upload: deflated files with their Unix modes (so
 * scripts stay executable), no directories entries, no zip64 (under 4 GB and 65,535 files).
 * Format: PKWARE's APPNOTE.TXT — local headers, the data, a central directory, its end record.
 */
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntry {
  /** The path inside the archive, with "/" separators. */
  name: string;
  data: Uint8Array;
  /** Unix permission bits (default 0o644). */
  mode?: number;
}

/** 1980-01-01 00:00 in MS-DOS time and date: fixed, so the same files make the same archive. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * The fields the local and central headers share, in the same order: version needed (2.0, deflate),
 * flags (UTF-8 names), method (deflate), time, date, CRC-32, both sizes, the name's length.
 */
function writeSharedFields(header: Buffer, at: number, crc: number, compressed: number, size: number, name: number) {
  [20, 0x0800, 8, DOS_TIME, DOS_DATE].forEach((value, i) => header.writeUInt16LE(value, at + 2 * i));
  header.writeUInt32LE(crc, at + 10);
  header.writeUInt32LE(compressed, at + 14);
  header.writeUInt32LE(size, at + 18);
  header.writeUInt16LE(name, at + 22);
}

export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeSharedFields(local, 4, crc, compressed.length, entry.data.length, name.length);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    writeSharedFields(central, 6, crc, compressed.length, entry.data.length, name.length);
    central.writeUInt32LE(((0o100000 | (entry.mode ?? 0o644)) << 16) >>> 0, 38); // a regular file, its mode
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
