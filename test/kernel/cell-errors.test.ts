import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CellRunner } from "./helpers";

// What a student reads when a cell fails, in a kernel with reglab's preload.
const kernel = new CellRunner();
before(() => kernel.start());
after(() => kernel.shutdown());

test("a thrown error is one line naming the cell and the line of the source, blank lines and types included", async () => {
  const defined = await kernel.run(
    'import { check, tf } from "reglab";\n\n// a helper\nfunction pick(values: number[],\n  at: number): number {\n\n  const copy: number[] = [...values];\n\n  return (copy as any).nope(at);\n}',
  );
  assert.equal(defined.status, "ok", defined.text);
  // The error is thrown in pick, defined in cell [1]: the line named is there.
  const called = await kernel.run("\n\nconst first: number = 1;\npick([first], 0);");
  assert.equal(called.status, "error");
  assert.equal(called.stderr, "TypeError: copy.nope is not a function（儲存格 [1] 第 9 行 cell [1], line 9）\n");
  const thrown = await kernel.run('const a = 1;\n\nif (a === 1) {\n  throw new RangeError("too far");\n}');
  assert.equal(thrown.status + thrown.stderr, "error" + "RangeError: too far（儲存格 [3] 第 4 行 cell [3], line 4）\n");
});

test("Python spellings get a TensorFlow.js hint, once per cell; no internal paths", async () => {
  const reduced = await kernel.run("const s = tf.reduce_sum(tf.tensor([1, 2]));");
  assert.equal(
    reduced.stderr,
    "1:14 - Property 'reduce_sum' does not exist on type 'typeof import(\"reglab/tf\")'.\n" +
      "提示 hint: TensorFlow.js 的 reduce_sum 叫做 tf.sum(x)（或串接寫法 x.sum()）\n",
  );
  const snake = await kernel.run("const layer = tf.layers.dense({ units: 3, kernel_regularizer: null });");
  assert.equal(snake.stderr.match(/提示 hint/g)?.length, 1, snake.stderr);
  assert.match(snake.stderr, /提示 hint: TensorFlow.js 的設定用駝峰式命名 \(camelCase\)：kernelRegularizer/);
});

test("a NaN or a Promise from an unawaited .data() gets the await hint", async () => {
  const nan = await kernel.run("const t = tf.tensor([1, 2]);\nconst v = t.data();\nconsole.log(Number(v));");
  assert.equal(nan.status, "ok");
  assert.equal(
    nan.text,
    "NaN\n提示 hint: x.data() / x.array() 回傳 Promise，要加 await（(await x.data())[0]），或改用同步的 x.dataSync() / x.arraySync()\n",
  );
  const awaited = await kernel.run("console.log(Number((await t.data())[0]), NaN);");
  assert.equal(awaited.text, "1 NaN\n", "an awaited read printing NaN gets no hint");
});

test("a test under an answer cell that failed does not run the old answer: it says which cell to fix", async () => {
  const first = await kernel.run("function penalty(w: number): number {\n  return 2 * w;\n}");
  assert.equal(first.status, "ok");
  const broken = await kernel.run('function penalty(w: number): number {\n  return "twice";\n}');
  assert.equal(broken.status, "error");
  const answerCell = Number(/\[(\d+)\]/.exec((await kernel.run("throw new Error('probe')")).stderr)?.[1]) - 1;
  const tested = await kernel.run('check.equal(penalty(2), 4, "penalty(2)");');
  assert.equal(tested.status, "error");
  assert.equal(
    tested.stderr,
    `CheckError: 上面的儲存格 [${answerCell}]（penalty）上次執行失敗，測試沒有執行：先修正那一格的錯誤並重新執行，再執行這個測試 / cell [${answerCell}] (penalty) did not run: fix the error above first\n`,
  );
  const fixed = await kernel.run("function penalty(w: number): number {\n  return 3 * w;\n}");
  assert.equal(fixed.status, "ok");
  const retested = await kernel.run('check.equal(penalty(2), 6, "penalty(2)");');
  assert.equal(retested.status, "ok", retested.text);
});

test("a name from an earlier cell in an object shorthand (a tslab limit) gets a hint to write it out", async () => {
  await kernel.run("const lambda = 0.01;");
  const shorthand = await kernel.run("const settings = { lambda };");
  assert.equal(shorthand.status, "error");
  assert.match(shorthand.stderr, /^ReferenceError: lambda is not defined（儲存格 \[\d+\]/);
  assert.match(
    shorthand.stderr,
    /\n提示 hint: lambda 是前面儲存格宣告的；tslab 在物件簡寫 \{ lambda \} 裡找不到它，請寫成 \{ lambda: lambda \}\n$/,
  );
});
