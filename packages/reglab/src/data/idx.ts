/**
 * IDX files (the MNIST format): magic 0x0000 + type byte 0x08 (unsigned byte) + number of
 * dimensions, then each dimension as a big-endian uint32, then the data. Gzipped files are read too.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** The file's bytes, gunzipped when they start with gzip's magic; errors name the file. */
export function readMaybeGzip(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === "ENOENT" ? "missing" : (error as Error).message}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${file}: corrupt gzip data (${(error as Error).message})`);
    }
  }
  return bytes;
}

export function parseIdx(bytes: Uint8Array, file: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${file}: bad magic number (not an IDX file)`);
  }
  if (bytes[2] !== 0x08)
    throw new Error(`${file}: bad magic number (data type 0x${bytes[2].toString(16)}, expected 0x08 unsigned bytes)`);
  const rank = bytes[3];
  if (expectedDims !== undefined && rank !== expectedDims) {
    throw new Error(`${file}: bad magic number (${rank} dimensions, expected ${expectedDims})`);
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header)
    throw new Error(`${file}: truncated (header needs ${header} bytes, file has ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < header + size) {
    throw new Error(`${file}: truncated (${dims.join("×")} needs ${header + size} bytes, file has ${bytes.length})`);
  }
  if (bytes.length > header + size)
    throw new Error(`${file}: ${bytes.length - header - size} bytes more than its header declares`);
  return { dims, data: bytes.subarray(header, header + size) };
}

export function readIdx(file: string, expectedDims?: number): IdxArray {
  return parseIdx(readMaybeGzip(file), file, expectedDims);
}
