import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { loadCifar10, loadFashionMnist, tf } from "reglab";
import { FASHION_MNIST_SYSTEM_DIR } from "#reglab/data/fashion-mnist";
import { readIdx } from "#reglab/data/idx";
import { downloadVerified, md5 } from "#reglab/data/download";
import { readTar } from "#reglab/data/tar";
import { setUp } from "../helpers";
import { tempDir } from "../runner/helpers";
import { cifarRecords, idxBytes, tarBytes, writeCifarFixture, writeFashionFixture } from "./fixtures";

before(setUp);

test("loadFashionMnist reads gzipped and plain IDX fixtures: x/255, one-hot y, labels, class names", async () => {
  for (const gzip of [true, false]) {
    const dir = tempDir("reglab-fmnist-");
    const { labels } = writeFashionFixture(dir, "test", 12, gzip);
    const data = await loadFashionMnist({ dir, split: "test", download: false });
    assert.deepEqual(data.x.shape, [12, 784]);
    assert.deepEqual(data.y.shape, [12, 10]);
    assert.deepEqual(Array.from(data.labels), Array.from(labels));
    const x = data.x.arraySync();
    assert.equal(x[3][0], 1);
    assert.ok(Math.abs(x[3][5] - 75 / 255) < 1e-7);
    assert.deepEqual(data.y.arraySync()[3], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.equal(data.classNames[9], "Ankle boot");
    assert.deepEqual(data.imageShape, [28, 28, 1]);
    assert.equal(data.source, dir);
    tf.dispose([data.x, data.y]);
  }
});

test("corrupt or missing IDX files: an Error naming the file and what is wrong", async () => {
  const dir = tempDir("reglab-fmnist-");
  writeFashionFixture(dir, "train", 5, false);
  const images = join(dir, "train-images-idx3-ubyte");
  const labels = join(dir, "train-labels-idx1-ubyte");
  const load = () => loadFashionMnist({ dir, split: "train", download: false });
  writeFileSync(images, Buffer.from([1, 2, 3, 4, 5]));
  await assert.rejects(load, new RegExp(`^Error: ${images}: bad magic number \\(not an IDX file\\)$`));
  writeFileSync(images, idxBytes([5, 28, 28], new Uint8Array(5 * 784)).subarray(0, 1000));
  await assert.rejects(load, new RegExp(`^Error: ${images}: truncated \\(5×28×28 needs 3936 bytes, file has 1000\\)$`));
  writeFileSync(images, idxBytes([6, 28, 28], new Uint8Array(6 * 784)));
  await assert.rejects(
    load,
    new RegExp(`^Error: ${labels}: counts disagree \\(5 labels for 6 images in ${images}\\)$`),
  );
  writeFileSync(images, idxBytes([5], new Uint8Array(5)));
  await assert.rejects(load, /bad magic number \(1 dimensions, expected 3\)/);
  const gzipped = gzipSync(idxBytes([5, 28, 28], new Uint8Array(5 * 784)));
  writeFileSync(images, gzipped.subarray(0, gzipped.length - 12));
  await assert.rejects(load, new RegExp(`^Error: ${images}: corrupt gzip data \\(unexpected end of file\\)$`));
  const empty = tempDir("reglab-fmnist-");
  await assert.rejects(
    () => loadFashionMnist({ dir: empty, download: false }),
    new RegExp(`^Error: ${empty}/train-images-idx3-ubyte: missing \\(fashion-mnist folder given by dir\\)$`),
  );
  const saved = process.env.FASHION_MNIST_DIR;
  process.env.FASHION_MNIST_DIR = empty;
  try {
    await assert.rejects(
      () => loadFashionMnist({ split: "test", download: false }),
      /t10k-images-idx3-ubyte: missing \(fashion-mnist folder given by FASHION_MNIST_DIR\)/,
    );
  } finally {
    if (saved === undefined) delete process.env.FASHION_MNIST_DIR;
    else process.env.FASHION_MNIST_DIR = saved;
  }
  await assert.rejects(
    () => loadFashionMnist({ dir, split: "validation" as "test" }),
    /split must be one of "train", "test", got "validation"/,
  );
});

const debianMissing = existsSync(join(FASHION_MNIST_SYSTEM_DIR, "train-images-idx3-ubyte.gz"))
  ? false
  : `Debian's Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)`;

test(
  "the real Fashion-MNIST from Debian: 60,000 + 10,000 images, 6,000 / 1,000 per class, pixels in [0, 1]",
  { skip: debianMissing },
  async () => {
    for (const [split, total] of [
      ["train", 60000],
      ["test", 10000],
    ] as const) {
      const data = await loadFashionMnist({ split, download: false });
      assert.equal(data.source, FASHION_MNIST_SYSTEM_DIR);
      assert.deepEqual(data.x.shape, [total, 784]);
      const counts = new Array(10).fill(0);
      data.labels.forEach((label) => counts[label]++);
      assert.deepEqual(counts, new Array(10).fill(total / 10));
      const [low, high, mean] = tf.tidy(() =>
        [tf.min(data.x), tf.max(data.x), tf.mean(data.x)].map((t) => t.dataSync()[0]),
      );
      assert.equal(low, 0);
      assert.equal(high, 1);
      assert.ok(mean > 0.25 && mean < 0.32, `mean pixel ${mean}`); // Fashion-MNIST's mean intensity is about 0.286
      tf.dispose([data.x, data.y]);
    }
    const sample = await loadFashionMnist({ split: "test", limit: 1000, sample: "stratified", seed: 3 });
    const counts = new Array(10).fill(0);
    sample.labels.forEach((label) => counts[label]++);
    assert.deepEqual(counts, new Array(10).fill(100));
    tf.dispose([sample.x, sample.y]);
  },
);

test("loadCifar10: records become channels-last rows /255, from the folder or its cifar-10-batches-bin", async () => {
  const parent = tempDir("reglab-cifar-");
  const dir = join(parent, "cifar-10-batches-bin");
  writeCifarFixture(dir, 4);
  const train = await loadCifar10({ dir: parent, split: "train", download: false });
  assert.deepEqual(train.x.shape, [20, 3072]);
  assert.deepEqual(
    Array.from(train.labels),
    Array.from({ length: 20 }, (_, r) => r % 10),
  );
  const x = train.x.arraySync();
  for (const [r, p, c] of [
    [0, 0, 0],
    [7, 10, 2],
    [19, 1023, 1],
  ]) {
    assert.ok(
      Math.abs(x[r][p * 3 + c] - ((r + 7 * p + 50 * c) % 256) / 255) < 1e-7,
      `record ${r} pixel ${p} channel ${c}`,
    );
  }
  const test = await loadCifar10({ dir, split: "test", limit: 2, download: false });
  assert.deepEqual(Array.from(test.labels), [0, 1]);
  assert.deepEqual(test.imageShape, [32, 32, 3]);
  assert.equal(test.classNames[3], "cat");
  writeFileSync(join(dir, "test_batch.bin"), cifarRecords(3).subarray(0, 5000));
  await assert.rejects(
    () => loadCifar10({ dir, split: "test", download: false }),
    new RegExp(`${dir}/test_batch.bin: truncated \\(5000 bytes is not a whole number of 3073-byte records\\)`),
  );
  const bad = cifarRecords(2);
  bad[3073] = 12;
  writeFileSync(join(dir, "test_batch.bin"), bad);
  await assert.rejects(
    () => loadCifar10({ dir, split: "test", download: false }),
    /test_batch\.bin: record 1 has label 12, not a class 0-9/,
  );
  await assert.rejects(
    () => loadCifar10({ dir: tempDir(), split: "test", download: false }),
    /test_batch\.bin: missing \(cifar10 folder given by dir\)/,
  );
  tf.dispose([train.x, train.y, test.x, test.y]);
});

let server: Server;
let base = "";
const served = new Map<string, Uint8Array>();
before(async () => {
  server = createServer((request, response) => {
    const body = served.get(request.url ?? "");
    response.writeHead(body ? 200 : 404).end(body ?? "");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

test("downloads are kept only when their MD5 matches; the next mirror is tried; nothing partial is left", async () => {
  const payload = gzipSync(Buffer.from("data"));
  served.set("/good/file.gz", payload);
  served.set("/bad/file.gz", Buffer.from("tampered"));
  const folder = join(tempDir("reglab-dl-"), "cache");
  const path = await downloadVerified(
    "file.gz",
    md5(payload),
    [`${base}/missing`, `${base}/bad`, `${base}/good`],
    folder,
  );
  assert.equal(path, join(folder, "file.gz"));
  assert.deepEqual(readdirSync(folder), ["file.gz"]);
  const empty = join(tempDir("reglab-dl-"), "cache");
  await assert.rejects(
    () => downloadVerified("file.gz", md5(payload), [`${base}/missing`, `${base}/bad`], empty),
    new RegExp(
      `^Error: file\\.gz: could not download \\(${base}/missing/file\\.gz: HTTP 404; ${base}/bad/file\\.gz: checksum mismatch \\(MD5 ${md5(Buffer.from("tampered"))}, expected ${md5(payload)}\\)\\)$`,
    ),
  );
  assert.deepEqual(existsSync(empty) ? readdirSync(empty) : [], []);
});

test("readTar returns the archive's regular files and rejects a truncated one", () => {
  const archive = tarBytes({
    "cifar-10-batches-bin/test_batch.bin": new Uint8Array([1, 2, 3]),
    "cifar-10-batches-bin/readme.html": new Uint8Array(600),
  });
  const members = readTar(archive, "a.tar");
  assert.deepEqual(
    members.map((m) => [m.name, m.data.length]),
    [
      ["cifar-10-batches-bin/test_batch.bin", 3],
      ["cifar-10-batches-bin/readme.html", 600],
    ],
  );
  assert.deepEqual(Array.from(members[0].data), [1, 2, 3]);
  assert.throws(
    () => readTar(archive.subarray(0, 1200), "a.tar"),
    /^Error: a\.tar: truncated \(a header is cut off at byte 1024\)$/,
  );
  assert.throws(
    () => readTar(archive.subarray(0, 1700), "a.tar"),
    /^Error: a\.tar: truncated \(member cifar-10-batches-bin\/readme\.html runs past the end\)$/,
  );
});

test("readIdx: a trailing surplus is an error too", () => {
  const dir = join(tmpdir(), `reglab-idx-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "x-idx1-ubyte");
  writeFileSync(file, Buffer.concat([idxBytes([2], new Uint8Array([1, 2])), Buffer.from([9])]));
  assert.throws(() => readIdx(file), /1 bytes more than its header declares/);
});
