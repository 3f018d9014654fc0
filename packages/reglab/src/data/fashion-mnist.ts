/**
 * Fashion-MNIST (Zalando Research): 28×28 grey images of 10 kinds of clothing, 60,000 for training
 * and 10,000 for testing, in IDX files. Debian's `dataset-fashion-mnist` installs them.
 */
import * as tf from "../tf";
import { checkOneOf } from "../util/checks";
import { dataCacheDir, type DatasetLocation, downloadVerified, findFile, locateDataset } from "./download";
import { readIdx } from "./idx";
import { type LimitOptions, selectRows } from "./sampling";
import type { ClassificationData } from "./synthetic";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;

export const FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";

/** The official files and their MD5 (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_FILES = {
  train: {
    images: "train-images-idx3-ubyte",
    labels: "train-labels-idx1-ubyte",
    md5: ["8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe"],
  },
  test: {
    images: "t10k-images-idx3-ubyte",
    labels: "t10k-labels-idx1-ubyte",
    md5: ["bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"],
  },
} as const;

export const FASHION_MNIST_URLS = [
  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
  "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
];

export type Split = "train" | "test";
export const SPLITS: readonly Split[] = ["train", "test"];

export interface ImageDataset extends ClassificationData {
  classNames: string[];
  /** [height, width, channels] of one image; x holds them flattened. */
  imageShape: [number, number, number];
  /** The folder the files were read from. */
  source: string;
}

export interface LoadOptions extends LimitOptions {
  /** Folder with the files (default: the environment variable, the system folder, the cache). */
  dir?: string;
  split?: Split;
  /** Download into the cache when no folder has the files (default true). */
  download?: boolean;
  /** Base URLs to download from (default: the official ones). */
  mirrors?: readonly string[];
}

/** Pixels /255 as float32 rows, one-hot labels, and the chosen rows only. */
export function imageDataset(
  pixels: Uint8Array,
  labels: Uint8Array,
  imageShape: [number, number, number],
  classNames: string[],
  rows: Int32Array,
  source: string,
): ImageDataset {
  const width = imageShape[0] * imageShape[1] * imageShape[2];
  const x = new Float32Array(rows.length * width);
  const kept = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    const offset = row * width;
    for (let j = 0; j < width; j++) x[i * width + j] = pixels[offset + j] / 255;
    kept[i] = labels[row];
  });
  const tensors = tf.tidy(() => ({
    x: tf.tensor2d(x, [rows.length, width]),
    y: tf.cast(tf.oneHot(tf.tensor1d(kept, "int32"), classNames.length), "float32") as tf.Tensor2D,
  }));
  return { ...tensors, labels: kept, classNames, imageShape, source };
}

export async function loadFashionMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  const where = "loadFashionMnist";
  const split = checkOneOf(where, "split", options.split ?? "train", SPLITS);
  const files = FASHION_MNIST_FILES[split];
  const location: DatasetLocation = {
    name: "fashion-mnist",
    files: [files.images, files.labels],
    suffixes: [".gz"],
    envVar: "FASHION_MNIST_DIR",
    systemDirs: [FASHION_MNIST_SYSTEM_DIR],
  };
  let folder = locateDataset(location, options.dir);
  if (folder === undefined) {
    if (options.download === false) {
      throw new Error(
        `${where}: Fashion-MNIST not found in ${FASHION_MNIST_SYSTEM_DIR} or ${dataCacheDir("fashion-mnist")} (apt-get install dataset-fashion-mnist, or pass dir)`,
      );
    }
    folder = dataCacheDir("fashion-mnist");
    for (const [i, name] of [files.images, files.labels].entries()) {
      await downloadVerified(`${name}.gz`, files.md5[i], options.mirrors ?? FASHION_MNIST_URLS, folder);
    }
  }
  const imagesFile = findFile(folder, files.images, [".gz"])!;
  const labelsFile = findFile(folder, files.labels, [".gz"])!;
  const images = readIdx(imagesFile, 3);
  const labels = readIdx(labelsFile, 1);
  if (images.dims[1] !== 28 || images.dims[2] !== 28)
    throw new Error(`${imagesFile}: images are ${images.dims.slice(1).join("×")}, expected 28×28`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new Error(
      `${labelsFile}: counts disagree (${labels.dims[0]} labels for ${images.dims[0]} images in ${imagesFile})`,
    );
  }
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class 0-9`);
  const rows = selectRows(Int32Array.from(labels.data), 10, options, where);
  return imageDataset(images.data, labels.data, [28, 28, 1], [...FASHION_MNIST_CLASSES], rows, folder);
}
