import * as assert from "node:assert/strict";
import { test } from "node:test";
import { joinSource, type Notebook, parseNotebook } from "#course/runner/notebook";
import { declaredParameters, inferValue, injectParameters, parseParameterArgs } from "#course/runner/parameters";

test("values are typed as papermill infers them", () => {
  assert.equal(inferValue("3"), 3);
  assert.equal(inferValue("-2"), -2);
  assert.equal(inferValue("0.5"), 0.5);
  assert.equal(inferValue("1e-4"), 1e-4);
  assert.equal(inferValue(".25"), 0.25);
  assert.equal(inferValue("true"), true);
  assert.equal(inferValue("False"), false);
  assert.deepEqual(inferValue('[1, 2.5, "a"]'), [1, 2.5, "a"]);
  assert.deepEqual(inferValue('{"l1": 0.01, "l2": 0}'), { l1: 0.01, l2: 0 });
  assert.equal(inferValue("fashion"), "fashion");
  assert.equal(inferValue("1.2.3"), "1.2.3");
  assert.equal(inferValue("[draft"), "[draft");
  assert.equal(inferValue(""), "");
  assert.equal(inferValue("a=b"), "a=b");
});

test("-p arguments: name=value, identifiers only, last one wins", () => {
  assert.deepEqual(parseParameterArgs(["A=1", "B=x=y", "A=2"]), { A: 2, B: "x=y" });
  assert.throws(() => parseParameterArgs(["EPOCHS"]), /^Error: -p EPOCHS: expected name=value$/);
  assert.throws(() => parseParameterArgs(["2x=1"]), /"2x" is not a TypeScript identifier/);
});

test("declarations of the parameters cell are read with their keyword and type", () => {
  const declared = declaredParameters(
    'let EPOCHS = 3;\nconst DATASET: "fashion" | "cifar10" = "fashion";\n  var W: number[] = [1];\n// let COMMENTED = 1\nfoo(let_x = 2);',
  );
  assert.deepEqual(
    [...declared.entries()],
    [
      ["EPOCHS", { keyword: "let", type: undefined }],
      ["DATASET", { keyword: "const", type: '"fashion" | "cifar10"' }],
      ["W", { keyword: "var", type: "number[]" }],
    ],
  );
});

function notebook(cells: Array<{ source: string; tags?: string[] }>): Notebook {
  return parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: cells.map((cell, i) => ({
        id: `c${i}`,
        cell_type: "code",
        source: cell.source,
        metadata: cell.tags ? { tags: cell.tags } : {},
        outputs: [],
        execution_count: null,
      })),
    }),
    "test.ipynb",
  );
}

test("the injected cell follows the parameters cell, reuses declared types and replaces an earlier injection", () => {
  const nb = notebook([
    { source: "import x" },
    { source: 'const DATASET: "a" | "b" = "a";\nlet EPOCHS = 3;', tags: ["parameters"] },
    { source: "run()" },
  ]);
  const result = injectParameters(nb, {
    DATASET: "b",
    EPOCHS: 10,
    FULL: true,
    WIDTHS: [4, 2],
    OPTIONS: { l2: 0.5 },
    NAME: "x",
  });
  assert.deepEqual(result, { unknown: ["FULL", "WIDTHS", "OPTIONS", "NAME"], foundParametersCell: true });
  assert.deepEqual(
    nb.cells.map((c) => (["c0", "c1", "c2"].includes(c.id) ? c.id : "new")),
    ["c0", "c1", "new", "c2"],
  );
  const injected = nb.cells[2];
  assert.deepEqual(injected.metadata.tags, ["injected-parameters"]);
  assert.equal(
    joinSource(injected.source),
    [
      "// Parameters injected by `reglab run`.",
      'const DATASET: "a" | "b" = "b";',
      "let EPOCHS: number = 10;",
      "let FULL: boolean = true;",
      "let WIDTHS = [4,2];",
      'let OPTIONS = {"l2":0.5};',
      'let NAME: string = "x";',
    ].join("\n"),
  );
  const id = injected.id;
  injectParameters(nb, { EPOCHS: 1 });
  assert.equal(nb.cells.length, 4, "a second injection replaces the first");
  assert.equal(nb.cells[2].id, id, "and keeps its id");
  assert.equal(joinSource(nb.cells[2].source).split("\n")[1], "let EPOCHS: number = 1;");
});

test("without a parameters cell the values go first", () => {
  const nb = notebook([{ source: "a()" }]);
  assert.deepEqual(injectParameters(nb, { X: 1 }), { unknown: ["X"], foundParametersCell: false });
  assert.deepEqual(nb.cells[0].metadata.tags, ["injected-parameters"]);
});
