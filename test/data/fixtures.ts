/** Tiny data-set files built in tests: IDX (MNIST format) and CIFAR-10 binary records, good or broken. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** n images of 28×28 where image i is filled with the value (i * 25) % 256, labels i % 10. */
export function writeFashionFixture(
  dir: string,
  split: "train" | "test",
  n: number,
  gzip = true,
): { images: Uint8Array; labels: Uint8Array } {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill((i * 25) % 256, i * 784, (i + 1) * 784);
    images[i * 784] = 255; // one bright pixel per image, so the range reaches 1
    labels[i] = i % 10;
  }
  const prefix = split === "train" ? "train" : "t10k";
  const write = (name: string, bytes: Buffer) =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write(`${prefix}-images-idx3-ubyte`, idxBytes([n, 28, 28], images));
  write(`${prefix}-labels-idx1-ubyte`, idxBytes([n], labels));
  return { images, labels };
}

/** CIFAR records: record r has label r % 10 and channel c of pixel p equal to (r + 7p + 50c) % 256. */
export function cifarRecords(count: number, firstRecord = 0): Buffer {
  const bytes = Buffer.alloc(count * 3073);
  for (let k = 0; k < count; k++) {
    const r = firstRecord + k;
    bytes[k * 3073] = r % 10;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) bytes[k * 3073 + 1 + c * 1024 + p] = (r + 7 * p + 50 * c) % 256;
  }
  return bytes;
}

export function writeCifarFixture(dir: string, perFile = 4): void {
  mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++)
    writeFileSync(join(dir, `data_batch_${b}.bin`), cifarRecords(perFile, (b - 1) * perFile));
  writeFileSync(join(dir, "test_batch.bin"), cifarRecords(perFile, 1000));
}

/** A ustar archive of the given files (enough of the format for readTar). */
export function tarBytes(files: Record<string, Uint8Array>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    header.write("0", 156);
    header.write("ustar\0" + "00", 257);
    blocks.push(header, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
