import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { courseLambdaToKeras } from "reglab";

describe("courseLambdaToKeras", () => {
  it("is λ / (2m)", () => {
    assert.equal(courseLambdaToKeras(1, 50_000), 1e-5);
    assert.equal(courseLambdaToKeras(0.2, 10), 0.01);
    assert.equal(courseLambdaToKeras(0, 7), 0);
  });

  it("rejects bad λ and m", () => {
    assert.throws(
      () => courseLambdaToKeras(-1, 10),
      /courseLambdaToKeras: lambda must be a finite number >= 0, got -1/,
    );
    assert.throws(() => courseLambdaToKeras(Number.NaN, 10), /lambda .* got NaN/);
    assert.throws(() => courseLambdaToKeras(1, 0), /courseLambdaToKeras: m must be a positive integer, got 0/);
    assert.throws(() => courseLambdaToKeras(1, 2.5), /m must be a positive integer, got 2.5/);
    assert.throws(() => courseLambdaToKeras(1, undefined as never), /m must be a positive integer, got undefined/);
  });
});
