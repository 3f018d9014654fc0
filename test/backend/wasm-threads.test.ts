import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

/**
 * Each case runs in a fresh process, since the backend starts once per process. The snippet prints
 * the backend report and the results of matMuls in every transpose form and of a training step.
 */
const WORKLOAD = `
  const { ready, buildMLP, l2, train, tf } = require("reglab");
  (async () => {
    const info = await ready({ quiet: true });
    const a = tf.randomNormal([200, 300], 0, 1, "float32", 1);
    const b = tf.randomNormal([300, 150], 0, 1, "float32", 2);
    const bt = tf.transpose(b), at = tf.transpose(a);
    const matMuls = [tf.matMul(a, b), tf.matMul(at, b, true, false), tf.matMul(a, bt, false, true)].map((t) => Array.from(t.dataSync()));
    const x = tf.randomNormal([256, 64], 0, 1, "float32", 3);
    const y = tf.cast(tf.oneHot(tf.randomUniform([256], 0, 4, "int32", 4), 4), "float32");
    const model = buildMLP({ inputShape: 64, hiddenUnits: [128, 64], outputUnits: 4, kernelRegularizer: l2(1e-3), seed: 5 });
    const { history } = await train(model, { x, y, epochs: 2, batchSize: 64, optimizer: tf.train.momentum(0.01, 0.9, true), loss: "categoricalCrossentropy", seed: 6 });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    console.log(JSON.stringify({ info, matMuls, history, weights }));
  })();`;

function run(env: Record<string, string>) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reglab-threads-test-"));
  const result = spawnSync(process.execPath, ["-e", WORKLOAD], {
    // Pinned to wasm: with @tensorflow/tfjs-node installed, ready() would pick the native backend.
    env: { ...process.env, CI: "true", TMPDIR: tmp, REGLAB_BACKEND: "wasm", ...env },
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const leftovers = fs.readdirSync(tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(result.signal, null, `the process did not exit by itself (${result.signal})`);
  assert.equal(result.status, 0, result.stderr);
  return {
    out: JSON.parse(result.stdout.trim().split("\n").pop() as string),
    stderr: result.stderr,
    leftovers,
  };
}

describe("wasm threads", () => {
  const multi = os.availableParallelism() > 1;

  it("runs 2 threads when asked, with results bit-identical to 1 thread, exits by itself, leaves no temp files", () => {
    const single = run({ REGLAB_THREADS: "1" });
    const threaded = run({ REGLAB_THREADS: "2" });
    assert.equal(single.out.info.threads, 1);
    assert.equal(threaded.out.info.threads, 2, threaded.out.info.summary);
    assert.match(threaded.out.info.summary, /2 threads/);
    assert.deepEqual(threaded.out.matMuls, single.out.matMuls, "matMul plain / TN / NT");
    assert.deepEqual(threaded.out.history, single.out.history, "training history");
    assert.deepEqual(threaded.out.weights, single.out.weights, "trained weights");
    assert.deepEqual(threaded.leftovers, [], "temporary files");
    assert.equal(threaded.stderr, "");
  });

  it("uses all cores (up to 8) by default", (t) => {
    if (!multi) {
      t.skip("this machine has one core: there is nothing to thread");
      return;
    }
    const { out } = run({ REGLAB_THREADS: "" });
    assert.equal(out.info.threads, Math.min(os.availableParallelism(), 8));
  });

  it("falls back to one thread with a one-line reason when the threaded start fails", () => {
    // The threaded start writes its worker scripts to TMPDIR: a missing TMPDIR makes it fail.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "reglab-threads-test-"));
    const result = spawnSync(process.execPath, ["-e", WORKLOAD], {
      env: {
        ...process.env,
        CI: "true",
        TMPDIR: path.join(tmp, "missing"),
        REGLAB_BACKEND: "wasm",
        REGLAB_THREADS: "2",
      },
      encoding: "utf8",
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "", "no stack traces on stderr");
    const out = JSON.parse(result.stdout.trim().split("\n").pop() as string);
    assert.equal(out.info.backend, "wasm");
    assert.equal(out.info.threads, 1);
    assert.match(
      out.info.summary,
      /wasm threads \(the threaded wasm build did not start: .*ENOENT.*; running on 1 thread\)/,
    );
    const single = run({ REGLAB_THREADS: "1" });
    assert.deepEqual(out.history, single.out.history, "the fallback computes the same numbers");
  });

  it("rejects a bad REGLAB_THREADS", () => {
    const result = spawnSync(
      process.execPath,
      ["-e", `require("reglab").ready().catch((e) => { console.error(e.message); process.exit(3); })`],
      {
        env: { ...process.env, REGLAB_THREADS: "many" },
        encoding: "utf8",
      },
    );
    assert.equal(result.status, 3);
    assert.equal(result.stderr.trim(), 'REGLAB_THREADS must be an integer from 1 to 8, got "many"');
  });
});
