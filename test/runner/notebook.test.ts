import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseNotebook, readNotebook, writeNotebook } from "reglab/runner";

const cell = (extra: object) => ({
  cell_type: "code",
  source: "1",
  metadata: {},
  outputs: [],
  execution_count: null,
  ...extra,
});

test("broken notebooks are one-line errors naming the file", () => {
  const cases: Array<[string, RegExp]> = [
    ["{ not json", /^nb\.ipynb: not a notebook, the file is not valid JSON/],
    ["[1, 2]", /^nb\.ipynb: not a notebook \(JSON but not an object\)$/],
    ['{"nbformat": 3, "worksheets": []}', /^nb\.ipynb: nbformat 3 is not supported, only nbformat 4/],
    ['{"nbformat": 4, "metadata": {}}', /^nb\.ipynb: not a notebook \("cells" is missing/],
    [
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "widget", source: "" }] }),
      /^nb\.ipynb: cell 0 has an unknown cell_type "widget"$/,
    ],
    [
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "a" }), cell({ id: "a" })] }),
      /^nb\.ipynb: cell id "a" is used twice$/,
    ],
    [
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "has space" })] }),
      /^nb\.ipynb: cell 0 has an invalid id "has space"$/,
    ],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseNotebook(text, "nb.ipynb"),
      (error: Error) => expected.test(error.message) && !error.message.includes("\n"),
      text,
    );
  }
  assert.throws(() => readNotebook("/nonexistent/x.ipynb"), /^Error: \/nonexistent\/x\.ipynb: no such file$/);
});

test("nbformat 4.4 notebooks become 4.5 with unique ids; existing ids are kept", () => {
  const nb = parseNotebook(
    JSON.stringify({ nbformat: 4, nbformat_minor: 2, metadata: {}, cells: [cell({ id: "keep" }), cell({}), cell({})] }),
    "x",
  );
  assert.equal(nb.nbformat_minor, 5);
  assert.equal(nb.cells[0].id, "keep");
  assert.match(nb.cells[1].id, /^[0-9a-f]{8}$/);
  assert.equal(new Set(nb.cells.map((c) => c.id)).size, 3);
});

test("writeNotebook writes Jupyter's layout and leaves no temporary file", () => {
  const dir = mkdtempSync(join(tmpdir(), "reglab-nb-"));
  const file = join(dir, "a.ipynb");
  const nb = parseNotebook(
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "x" })] }),
    "x",
  );
  writeNotebook(file, nb);
  const text = readFileSync(file, "utf8");
  assert.ok(text.startsWith('{\n "nbformat": 4') && text.endsWith("}\n"));
  assert.deepEqual(JSON.parse(text), nb);
  assert.deepEqual(readdirSync(dir), ["a.ipynb"]);
});
