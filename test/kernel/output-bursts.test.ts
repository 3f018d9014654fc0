/**
 * A cell that prints or displays thousands of times in one go: every message reaches the client, in
 * order, and the cell ends as usual. Without the preload's queued iopub sends (pinned.ts,
 * queuePublisherSends) zeromq refused sends past ~512 in a row ("Socket is busy writing") and dropped
 * a burst past its high-water mark: 3,000 printed lines arrived as 498, and a cell displaying 3,000
 * times failed after 512 with no error printed.
 */
import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CellRunner } from "./helpers";

const kernel = new CellRunner();
before(() => kernel.start());
after(() => kernel.shutdown());

const COUNT = 3000;
const numbers = Array.from({ length: COUNT }, (_, i) => String(i));

test("3,000 lines printed in one cell all arrive, in order", async () => {
  const cell = await kernel.run(`for (let i = 0; i < ${COUNT}; i++) console.log(i);`);
  assert.equal(cell.status, "ok", cell.stderr);
  assert.deepEqual(cell.text.trimEnd().split("\n"), numbers);
});

test("3,000 displays in one cell all arrive, in order, and the cell ends ok", async () => {
  const cell = await kernel.run(
    `import * as tslab from "tslab";\nfor (let i = 0; i < ${COUNT}; i++) tslab.display.text(String(i));`,
  );
  assert.equal(cell.status, "ok", cell.stderr);
  assert.deepEqual(cell.displays, numbers);
});
