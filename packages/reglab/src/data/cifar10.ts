/**
 * CIFAR-10, binary version (cifar-10-batches-bin): 32×32 colour images in 10 classes, five training
 * files and one test file of 10,000 records each (fewer are accepted, for small test fixtures), a record being 1 label byte and 3,072 pixel bytes
 * (1,024 red, then green, then blue). Pixels come out channels-last, as Keras' cifar10.load_data
 * gives them, flattened to 3,072 and /255, as the course does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { checkOneOf } from "../util/checks";
import { dataCacheDir, downloadVerified, locateDataset } from "./download";
import { readMaybeGzip } from "./idx";
import { type ImageDataset, imageDataset, type LoadOptions, SPLITS } from "./fashion-mnist";
import { readTar } from "./tar";
import { selectRows } from "./sampling";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;
export const CIFAR10_FOLDER = "cifar-10-batches-bin";
export const CIFAR10_ARCHIVE = { file: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530" };
export const CIFAR10_URLS = ["https://www.cs.toronto.edu/~kriz"];

const RECORD = 1 + 3072;
const SPLIT_FILES = {
  train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  test: ["test_batch.bin"],
} as const;

/** One batch file's labels and channels-last pixels; errors name the file. */
export function readCifarBatch(file: string): { labels: Uint8Array; pixels: Uint8Array } {
  const bytes = readMaybeGzip(file);
  if (bytes.length % RECORD !== 0) {
    throw new Error(`${file}: truncated (${bytes.length} bytes is not a whole number of ${RECORD}-byte records)`);
  }
  const count = bytes.length / RECORD;
  if (count === 0) throw new Error(`${file}: empty (no records)`);
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * 3072);
  for (let r = 0; r < count; r++) {
    const record = r * RECORD;
    const label = bytes[record];
    if (label > 9) throw new Error(`${file}: record ${r} has label ${label}, not a class 0-9`);
    labels[r] = label;
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) pixels[r * 3072 + p * 3 + c] = bytes[record + 1 + c * 1024 + p];
    }
  }
  return { labels, pixels };
}

async function downloadCifar10(mirrors: readonly string[]): Promise<string> {
  const cache = dataCacheDir("cifar10");
  const archive = await downloadVerified(CIFAR10_ARCHIVE.file, CIFAR10_ARCHIVE.md5, mirrors, cache);
  const folder = join(cache, CIFAR10_FOLDER);
  mkdirSync(folder, { recursive: true });
  const wanted = new Set<string>([...SPLIT_FILES.train, ...SPLIT_FILES.test, "batches.meta.txt"]);
  for (const member of readTar(readMaybeGzip(archive), archive)) {
    // Only the known files, by base name: never a path taken from the archive.
    if (member.name.startsWith(`${CIFAR10_FOLDER}/`) && wanted.has(basename(member.name))) {
      writeFileSync(join(folder, basename(member.name)), member.data);
    }
  }
  return folder;
}

export async function loadCifar10(options: LoadOptions = {}): Promise<ImageDataset> {
  const where = "loadCifar10";
  const split = checkOneOf(where, "split", options.split ?? "train", SPLITS);
  const files = SPLIT_FILES[split];
  let folder = locateDataset({ name: "cifar10", files, envVar: "CIFAR10_DIR" }, options.dir, (dir) => [
    dir,
    join(dir, CIFAR10_FOLDER),
  ]);
  if (folder === undefined) {
    if (options.download === false) {
      throw new Error(
        `${where}: CIFAR-10 not found; pass dir (a folder with ${CIFAR10_FOLDER}), set CIFAR10_DIR, or allow the download`,
      );
    }
    folder = await downloadCifar10(options.mirrors ?? CIFAR10_URLS);
  }
  const batches = files.map((file) => readCifarBatch(join(folder!, file)));
  const total = batches.reduce((sum, batch) => sum + batch.labels.length, 0);
  const labels = new Uint8Array(total);
  const pixels = new Uint8Array(total * 3072);
  let at = 0;
  for (const batch of batches) {
    labels.set(batch.labels, at);
    pixels.set(batch.pixels, at * 3072);
    at += batch.labels.length;
  }
  const rows = selectRows(Int32Array.from(labels), 10, options, where);
  return imageDataset(pixels, labels, [32, 32, 3], [...CIFAR10_CLASSES], rows, folder);
}
