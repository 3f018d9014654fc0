import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseNotebook, readNotebook, writeNotebook } from "#course/runner/notebook";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

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
      /^nb\.ipynb: cell 1: cell_type must be one of "code", "markdown", "raw", got "widget"$/,
    ],
    [
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "a" }), cell({ id: "a" })] }),
      /^nb\.ipynb: cell 2: the id "a" is used twice$/,
    ],
  ];
  // Against nbformat's schema: wrong types, missing fields, extra keys where the schema forbids them.
  const schemaCases: Array<[object, string]> = [
    [
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "has space" })] },
      'cell 1 (id has space): id must match pattern "^[a-zA-Z0-9-_]+$"',
    ],
    [
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "a", extra: 1 })] },
      'cell 1 (id a): the cell has a field the format does not allow: "extra"',
    ],
    [
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [cell({ id: "a", outputs: [{ output_type: "stream", name: "stdout", text: 5 }] })],
      },
      "cell 1 (id a): outputs[0].text must be a string or a list of strings",
    ],
    [
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "a", outputs: [{ output_type: "pwned" }] })] },
      'cell 1 (id a): outputs[0].output_type must be one of "execute_result", "display_data", "stream", "error", got "pwned"',
    ],
    [
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell({ id: "a", execution_count: "x" })] },
      "cell 1 (id a): execution_count must be integer or null",
    ],
    [{ nbformat: 4, nbformat_minor: 5, cells: [] }, 'the notebook lacks the required field "metadata"'],
    [
      { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 3 } }, cells: [] },
      'metadata.kernelspec lacks the required field "display_name"',
    ],
    [
      { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [], extra: true },
      'the notebook has a field the format does not allow: "extra"',
    ],
  ];
  for (const [nb, message] of schemaCases)
    cases.push([JSON.stringify(nb), new RegExp(`^nb\\.ipynb: ${escapeRegExp(message)}$`)]);
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

const DEBIAN_SCHEMA = "/usr/lib/python3/dist-packages/nbformat/v4/nbformat.v4.5.schema.json";

test(
  "the vendored nbformat schema is nbformat's own (Debian's python3-nbformat copy)",
  { skip: existsSync(DEBIAN_SCHEMA) ? false : `${DEBIAN_SCHEMA} is missing (apt-get install python3-nbformat)` },
  () => {
    const vendored = join(__dirname, "..", "..", "..", "packages", "course", "schema", "nbformat.v4.5.schema.json");
    assert.equal(readFileSync(vendored, "utf8"), readFileSync(DEBIAN_SCHEMA, "utf8"));
  },
);
