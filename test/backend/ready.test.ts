import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { nativeInstalled } from "../helpers";

/** Runs a snippet with reglab in a fresh Node process (backend choice is per process). */
function runNode(code: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["-e", code], {
    env: { ...process.env, CI: "true", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PRINT_INFO = `require("reglab").ready().then((i) => console.log(JSON.stringify(i)), (e) => { console.error(e.message); process.exit(3); });`;

function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split("\n").pop() as string);
}

describe("ready()", () => {
  it("picks the fastest available backend and prints a one-line summary", () => {
    const { status, stdout, stderr } = runNode(PRINT_INFO);
    assert.equal(status, 0, stderr);
    const info = lastJson(stdout);
    assert.equal(info.backend, nativeInstalled() ? "tensorflow" : "wasm");
    if (info.backend === "wasm") {
      assert.equal(info.simd, true);
      assert.deepEqual(info.fastKernels, ["matMul", "slice", "identity", "transpose", "gather"]);
      assert.match(info.notes.join(";"), /tfjs-node is not installed/);
    }
    assert.match(stdout.split("\n")[0], /^reglab: backend (tensorflow|wasm) .*· tfjs 4\.22\.0/);
  });

  it("honours REGLAB_BACKEND=cpu", () => {
    const { status, stdout, stderr } = runNode(PRINT_INFO, { REGLAB_BACKEND: "cpu" });
    assert.equal(status, 0, stderr);
    const info = lastJson(stdout);
    assert.equal(info.backend, "cpu");
    assert.equal(info.forced, true);
  });

  it("refuses an unknown REGLAB_BACKEND with a one-line error", () => {
    const { status, stderr } = runNode(PRINT_INFO, { REGLAB_BACKEND: "webgpu" });
    assert.equal(status, 3);
    assert.equal(stderr.trim(), 'REGLAB_BACKEND: the backend must be one of "tensorflow", "wasm", "cpu", got "webgpu"');
  });

  it("says clearly when a forced backend is unavailable", (t) => {
    if (nativeInstalled()) {
      t.skip("@tensorflow/tfjs-node is installed here, so it is available");
      return;
    }
    const { status, stderr } = runNode(PRINT_INFO, { REGLAB_BACKEND: "tensorflow" });
    assert.equal(status, 3);
    assert.match(stderr.trim(), /^REGLAB_BACKEND=tensorflow: @tensorflow\/tfjs-node is not installed/);
  });

  it("keeps stderr silent: loading, picking a backend, training on every backend installed", () => {
    const code = `
      const { ready, buildMLP, l2, train, tf } = require("reglab");
      (async () => {
        await ready({ quiet: true });
        const x = tf.randomNormal([64, 5], 0, 1, "float32", 1);
        const y = tf.cast(tf.oneHot(tf.randomUniform([64], 0, 2, "int32", 2), 2), "float32");
        const model = buildMLP({ inputShape: 5, hiddenUnits: [4], outputUnits: 2, kernelRegularizer: l2(0.01), seed: 1 });
        await train(model, { x, y, epochs: 2, batchSize: 16, optimizer: "adam", loss: "categoricalCrossentropy" });
        console.log("done");
      })();`;
    const backends = nativeInstalled() ? ["tensorflow", "wasm", "cpu"] : ["wasm", "cpu"];
    for (const backend of backends) {
      const { status, stdout, stderr } = runNode(code, { REGLAB_BACKEND: backend });
      assert.equal(status, 0, stderr);
      assert.match(stdout, /done/);
      assert.equal(stderr, "", `stderr on ${backend}`);
    }
  });
  for (const backend of ["wasm", "cpu"])
    it(`leaves a stray exception or rejection to the process's own handlers (as a kernel's), on ${backend}`, () => {
      // tslab's handlers log and carry on; tfjs-backend-wasm's Emscripten module adds handlers that
      // rethrow, which used to end a kernel with exit code 7 at the first unawaited failure.
      const { status, stdout, stderr } = runNode(
        `process.on("uncaughtException", (e) => console.log("logged " + e.message));
process.on("unhandledRejection", (e) => console.log("logged " + e.message));
require("reglab").ready().then(() => {
  setTimeout(() => { throw new Error("thrown"); }, 10);
  setTimeout(() => void Promise.reject(new Error("rejected")), 20);
  setTimeout(() => console.log("still running"), 200);
});`,
        { REGLAB_BACKEND: backend },
      );
      assert.equal(status, 0, stderr);
      assert.deepEqual(stdout.trim().split("\n").slice(1), ["logged thrown", "logged rejected", "still running"]);
    });
});
