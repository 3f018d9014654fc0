import * as assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { tf } from "reglab";
import { CHAINED_METHODS } from "#reglab/chained-ops";
import { setUp } from "./helpers";

before(setUp);

/** The method names tfjs-core's own chained_ops declarations add to Tensor. */
function tfjsChainedMethods(): string[] {
  const folder = join(dirname(require.resolve("@tensorflow/tfjs-core/package.json")), "dist", "public", "chained_ops");
  const names = new Set<string>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".d.ts") && !name.includes("_test"))) {
    const text = readFileSync(join(folder, file), "utf8");
    for (const match of text.matchAll(/interface Tensor<[^>]*>\s*\{\s*(\w+)\s*[<(]/g)) names.add(match[1]);
  }
  return [...names].sort();
}

describe("reglab's tf", () => {
  it("has tfjs' chained tensor methods, as the @tensorflow/tfjs umbrella does", () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, -2, 3]);
      assert.equal(x.max().dataSync()[0], 3);
      assert.equal(x.square().sum().dataSync()[0], 14);
      assert.deepEqual(Array.from(x.abs().mul(2).dataSync()), [2, 4, 6]);
      assert.deepEqual(x.as2D(3, 1).shape, [3, 1]);
      assert.deepEqual(Array.from(x.concat(tf.tensor1d([4])).dataSync()), [1, -2, 3, 4]);
      assert.equal(x.toInt().dtype, "int32");
    });
  });

  it("registers exactly the methods tfjs-core declares", () => {
    const declared = tfjsChainedMethods();
    assert.ok(declared.length > 100, `found only ${declared.length} declarations`);
    assert.deepEqual([...CHAINED_METHODS].sort(), declared);
    const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
    assert.deepEqual(
      declared.filter((name) => typeof prototype[name] !== "function"),
      [],
    );
  });

  it("a method on a disposed tensor says so, as tfjs' own do", () => {
    const x = tf.tensor1d([1]);
    x.dispose();
    assert.throws(() => x.square(), /disposed/);
  });
});
