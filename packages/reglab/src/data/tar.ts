/** Reads regular files out of a (ustar) tar archive in memory; nothing is written to disk here. */

export interface TarMember {
  name: string;
  data: Uint8Array;
}

function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function readTar(archive: Uint8Array, source: string): TarMember[] {
  const members: TarMember[] = [];
  for (let offset = 0; offset < archive.length;) {
    if (offset + 512 > archive.length) throw new Error(`${source}: truncated (a header is cut off at byte ${offset})`);
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break; // end-of-archive marker
    const prefix = field(header, 345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size)) throw new Error(`${source}: corrupt tar header at byte ${offset}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const start = offset + 512;
    if (start + size > archive.length) throw new Error(`${source}: truncated (member ${name} runs past the end)`);
    if (type === "0") members.push({ name, data: archive.subarray(start, start + size) });
    offset = start + Math.ceil(size / 512) * 512;
  }
  return members;
}
