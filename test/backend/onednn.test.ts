/**
 * tfjs-node with oneDNN's rewrites on (TF_ENABLE_ONEDNN_OPTS=1, the opt-in the README recommends for
 * speed): training is reproducible from process to process — the same seeds give the same bits — and
 * within float32 rounding of reglab's default (rewrites off); its only stderr is libtensorflow's notice.
 * Needs @tensorflow/tfjs-node: CI's pass 3 builds it (scripts/tfjs-node-from-source.sh).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { nativeInstalled } from "../helpers";

const TRAIN = `
  const { ready, buildMLP, l2, train, tf, COURSE_OPTIMIZER } = require("reglab");
  (async () => {
    await ready({ quiet: true });
    const x = tf.randomUniform([512, 3072], 0, 1, "float32", 1);
    const y = tf.cast(tf.oneHot(tf.randomUniform([512], 0, 10, "int32", 2), 10), "float32");
    const model = buildMLP({ inputShape: 3072, outputUnits: 10, kernelRegularizer: l2(1e-4), seed: 3 });
    const { history } = await train(model, { x, y, epochs: 2, batchSize: 256, optimizer: COURSE_OPTIMIZER,
      loss: "categoricalCrossentropy", seed: 1 });
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    console.log(JSON.stringify({ backend: tf.getBackend(), cost: history.cost, weights }));
  })();`;

function trainIn(oneDNN: "0" | "1") {
  const result = spawnSync(process.execPath, ["-e", TRAIN], {
    env: { ...process.env, REGLAB_BACKEND: "tensorflow", TF_ENABLE_ONEDNN_OPTS: oneDNN },
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 256 * 1024 * 1024, // 1.7M weights as JSON
  });
  assert.equal(result.status, 0, result.stderr);
  const run = JSON.parse(result.stdout.trim().split("\n").pop()!) as {
    backend: string;
    cost: number[];
    weights: number[][];
  };
  assert.equal(run.backend, "tensorflow");
  return { ...run, stderr: result.stderr };
}

describe("tfjs-node with oneDNN on", () => {
  it("trains to the same bits in two processes, within float32 rounding of oneDNN off", (t) => {
    if (!nativeInstalled()) {
      t.skip("@tensorflow/tfjs-node is not installed here (CI's pass 3 builds it)");
      return;
    }
    const first = trainIn("1");
    const second = trainIn("1");
    assert.deepEqual(second.cost, first.cost);
    assert.deepEqual(second.weights, first.weights);
    const off = trainIn("0");
    assert.equal(off.stderr, "", "reglab's default keeps stderr silent");
    const flat = (run: { weights: number[][] }) => run.weights.flat();
    const [on, without] = [flat(first), flat(off)];
    assert.equal(on.length, without.length);
    const worst = on.reduce((max, w, i) => Math.max(max, Math.abs(w - without[i])), 0);
    // The course MLP's shapes: oneDNN's kernels sum in their own order, so the bits differ (it is on).
    assert.ok(worst > 0 && worst < 1e-5, `largest weight difference oneDNN on vs off: ${worst}`);
    first.cost.forEach((c, i) => assert.ok(Math.abs(c - off.cost[i]) < 1e-5 * Math.abs(c), `cost epoch ${i + 1}`));
    // libtensorflow 2.21 announces oneDNN on stderr whatever TF_CPP_MIN_LOG_LEVEL says; nothing else.
    for (const line of first.stderr.split("\n").filter(Boolean)) {
      assert.match(line, /oneDNN custom operations are on|absl::InitializeLog/, `unexpected stderr: ${line}`);
    }
  });
});
