import * as assert from "node:assert/strict";
import { test } from "node:test";
import { type Output } from "#course/runner/notebook";
import { cellErrorMessage, OutputCollector } from "#course/runner/outputs";
import { type Message, newMessage } from "#course/runner/wire";

function iopub(type: string, content: Record<string, unknown>): Message {
  return newMessage(type, "s", content);
}

test("consecutive text of one stream is merged; stdout and stderr stay apart", () => {
  const collector = new OutputCollector();
  const outputs: Output[] = [];
  for (const [name, text] of [
    ["stdout", "a\n"],
    ["stdout", "b\n"],
    ["stderr", "warn\n"],
    ["stdout", "c"],
  ]) {
    collector.handle(outputs, iopub("stream", { name, text }));
  }
  assert.deepEqual(outputs, [
    { output_type: "stream", name: "stdout", text: "a\nb\n" },
    { output_type: "stream", name: "stderr", text: "warn\n" },
    { output_type: "stream", name: "stdout", text: "c" },
  ]);
});

test("update_display_data rewrites the output with that display id, even in an earlier cell", () => {
  const collector = new OutputCollector();
  const first: Output[] = [];
  const second: Output[] = [];
  collector.handle(
    first,
    iopub("display_data", { data: { "text/plain": "1" }, metadata: {}, transient: { display_id: "d" } }),
  );
  collector.handle(first, iopub("display_data", { data: { "text/plain": "other" }, metadata: {} }));
  collector.handle(
    second,
    iopub("update_display_data", {
      data: { "text/plain": "2", "text/html": "<b>2</b>" },
      metadata: { x: 1 },
      transient: { display_id: "d" },
    }),
  );
  assert.deepEqual(first, [
    { output_type: "display_data", data: { "text/plain": "2", "text/html": "<b>2</b>" }, metadata: { x: 1 } },
    { output_type: "display_data", data: { "text/plain": "other" }, metadata: {} },
  ]);
  assert.deepEqual(second, [], "an update adds no output of its own");
  assert.ok(!("transient" in first[0]), "transient data is not saved");
});

test("clear_output clears now, or before the next output with wait=true", () => {
  const collector = new OutputCollector();
  const outputs: Output[] = [];
  collector.handle(outputs, iopub("stream", { name: "stdout", text: "old" }));
  collector.handle(outputs, iopub("clear_output", { wait: false }));
  assert.deepEqual(outputs, []);
  collector.handle(outputs, iopub("stream", { name: "stdout", text: "1" }));
  collector.handle(outputs, iopub("clear_output", { wait: true }));
  assert.equal(outputs.length, 1, "wait=true keeps the output until the next one arrives");
  collector.handle(outputs, iopub("execute_result", { data: { "text/plain": "2" }, metadata: {}, execution_count: 4 }));
  assert.deepEqual(outputs, [
    { output_type: "execute_result", data: { "text/plain": "2" }, metadata: {}, execution_count: 4 },
  ]);
  collector.handle(outputs, iopub("error", { ename: "E", evalue: "v", traceback: ["t"] }));
  assert.deepEqual(outputs[1], { output_type: "error", ename: "E", evalue: "v", traceback: ["t"] });
});

const stderr = (text: string): Output => ({ output_type: "stream", name: "stderr", text });

test("the error line of a failed tslab cell comes from what it printed", () => {
  const thrown =
    'evalmachine.<anonymous>:3\nthrow new Error("boom");\n^\n\nError: boom\n    at evalmachine.<anonymous>:3:7\n';
  assert.equal(cellErrorMessage([stderr("a warning first\n"), stderr(thrown)]), "Error: boom");
  assert.equal(
    cellErrorMessage([
      stderr("1:7 - Type 'string' is not assignable to type 'number'.\n3:1 - Cannot find name 'x'.\n"),
    ]),
    "TypeScript error at 1:7 - Type 'string' is not assignable to type 'number'. (and 1 more)",
  );
  assert.equal(
    cellErrorMessage([stderr("AssertionError [ERR_ASSERTION]: 1 == 2\n    at x\n")]),
    "AssertionError [ERR_ASSERTION]: 1 == 2",
  );
  assert.equal(cellErrorMessage([stderr("just text\n    at frame\n")]), "just text");
  assert.equal(
    cellErrorMessage([{ output_type: "error", ename: "NameError", evalue: "x", traceback: [] }]),
    "NameError: x",
  );
  assert.equal(cellErrorMessage([]), "the cell failed without printing an error");
  assert.ok(cellErrorMessage([stderr(`Error: ${"x".repeat(1000)}`)]).length <= 300);
});
