import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { L1, L1L2, L2, l1, l1l2, l2, OrthogonalRegularizer, orthogonal, tf } from "reglab";
import { assertClose, chain, setUp } from "../helpers";

before(setUp);

const W = [
  [1, -2],
  [3, -4],
];

function penalty(reg: { apply(x: tf.Tensor): tf.Scalar }, w: number[][] = W): number {
  return tf.tidy(() => reg.apply(tf.tensor2d(w)).dataSync()[0]);
}

describe("l1, l2, l1l2 (Keras semantics)", () => {
  it("computes factor·Σ|w|, factor·Σw² and their sum, by hand", () => {
    // Σ|w| = 10, Σw² = 30
    assertClose(penalty(l1(0.5)), 5);
    assertClose(penalty(l2(0.1)), 3);
    assertClose(penalty(l1l2({ l1: 0.5, l2: 0.1 })), 8);
    assertClose(penalty(l1l2({ l1: 0, l2: 0 })), 0);
  });

  it("takes a plain number and defaults to Keras' 0.01", () => {
    assert.equal(l1().l1, 0.01);
    assert.equal(l2().l2, 0.01);
    assert.equal(l1(0.001).l1, 0.001);
    assertClose(penalty(l1()), 0.1);
    assertClose(penalty(l2()), 0.3);
  });

  it("requires both l1l2 factors instead of silently defaulting one", () => {
    assert.throws(() => l1l2({ l1: 0.01 } as never), /l1l2: l2 is required/);
    assert.throws(() => l1l2({ l2: 0.01 } as never), /l1l2: l1 is required/);
    assert.throws(() => l1l2(undefined as never), /l1l2: expected \{ l1, l2 \}/);
  });

  it("rejects bad factors with the argument and value named", () => {
    assert.throws(() => l1(-1), /l1: factor must be a finite number >= 0, got -1/);
    assert.throws(() => l2(Number.NaN), /l2: factor must be a finite number >= 0, got NaN/);
    assert.throws(() => l1(Number.POSITIVE_INFINITY), /got Infinity/);
    assert.throws(() => l2(Number.NEGATIVE_INFINITY), /got -Infinity/);
    assert.throws(() => l1("0.1" as never), /l1: factor must be a number .* got "0.1"/);
    assert.throws(() => l1({ l1: 0.1 } as never), /l1: factor must be a number .* got an object/);
    assert.throws(() => l1l2({ l1: -0.1, l2: 0 }), /l1l2: l1 must be a finite number >= 0, got -0.1/);
    assert.throws(() => l1l2({ l1: 0, l2: "x" as never }), /l1l2: l2 must be a number, got "x"/);
  });

  it("works as kernelRegularizer/biasRegularizer of a plain tf.layers.dense, and stock fit includes it", async () => {
    const dense = tf.layers.dense({
      units: 1,
      useBias: true,
      kernelInitializer: "ones",
      biasInitializer: "ones",
      kernelRegularizer: l1(0.5),
      biasRegularizer: l2(0.25),
    });
    const model = chain([2], [dense]);
    model.compile({ optimizer: tf.train.sgd(0), loss: "meanSquaredError" });
    const x = tf.tensor2d([[1, 1]]);
    const y = tf.tensor2d([[3]]);
    // prediction 1+1+1 = 3 → loss 0; penalty 0.5·2 + 0.25·1 = 1.25
    const history = await model.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0 });
    assertClose(history.history.loss[0] as number, 1.25);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe("serialization", () => {
  it("round-trips every regularizer through tf.serialization", () => {
    for (const reg of [
      l1(0.003),
      l2(0.004),
      l1l2({ l1: 0.001, l2: 0.002 }),
      orthogonal({ factor: 0.05, mode: "columns" }),
    ]) {
      const className = reg.getClassName();
      const registered = tf.serialization.SerializationMap.getMap().classNameMap[className];
      assert.ok(registered, `${className} is registered`);
      const [cls, fromConfig] = registered;
      const copy = fromConfig(cls, reg.getConfig());
      assert.equal(copy.getClassName(), className);
      assert.deepEqual(copy.getConfig(), reg.getConfig());
      assertClose(
        penalty(copy as never, [
          [1, 2],
          [3, 5],
        ]),
        penalty(reg, [
          [1, 2],
          [3, 5],
        ]),
      );
    }
    assert.deepEqual(l1(0.003).getConfig(), { l1: 0.003 });
    assert.deepEqual(l2(0.004).getConfig(), { l2: 0.004 });
    assert.deepEqual(orthogonal().getConfig(), { factor: 0.01, mode: "rows" });
  });

  it("keeps regularizers through a model save/load round trip", async () => {
    const model = chain(
      [3],
      [
        tf.layers.dense({ units: 4, kernelRegularizer: l1(0.003), biasRegularizer: l2(0.004) }),
        tf.layers.dense({ units: 4, kernelRegularizer: l1l2({ l1: 0.001, l2: 0.002 }) }),
        tf.layers.dense({ units: 2, kernelRegularizer: orthogonal({ factor: 0.05, mode: "columns" }) }),
      ],
    );
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const regularizers = (m: tf.LayersModel) =>
      m.layers.slice(1).map((layer) => {
        const fields = layer as unknown as Record<string, { getClassName(): string; getConfig(): unknown } | undefined>;
        return [fields.kernelRegularizer, fields.biasRegularizer].map((r) => r && [r.getClassName(), r.getConfig()]);
      });
    assert.deepEqual(regularizers(loaded), regularizers(model));
    assert.ok(loaded.layers[1].getConfig().kernelRegularizer, "config names the regularizer");
    assert.ok((loaded.layers as unknown as Array<Record<string, unknown>>)[1].kernelRegularizer instanceof L1);
    assert.ok((loaded.layers as unknown as Array<Record<string, unknown>>)[1].biasRegularizer instanceof L2);
    assert.ok((loaded.layers as unknown as Array<Record<string, unknown>>)[2].kernelRegularizer instanceof L1L2);
    assert.ok(
      (loaded.layers as unknown as Array<Record<string, unknown>>)[3].kernelRegularizer instanceof
        OrthogonalRegularizer,
    );
    model.dispose();
    loaded.dispose();
  });
});
