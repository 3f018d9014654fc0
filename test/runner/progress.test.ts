import * as assert from "node:assert/strict";
import { test } from "node:test";
import { consoleProgress } from "#course/runner/progress";

function drive(options: { tty: boolean; quiet?: boolean }): string {
  let written = "";
  const progress = consoleProgress({ ...options, write: (text) => (written += text) });
  progress.notebookStart(0, 2, "a.ipynb");
  progress.cellStart(0, 2, 1, "x1");
  progress.cellEnd(0, 2, 1, "x1", 0.25);
  progress.cellStart(1, 2, 3, "x3");
  progress.cellEnd(1, 2, 3, "x3", 1);
  progress.notebookEnd("a.ipynb", true, 1.5);
  progress.notebookStart(1, 2, "b.ipynb");
  progress.warn("b.ipynb: something");
  progress.notebookEnd("b.ipynb", false, 0.5, "cell 2 (id q): Error: x");
  return written;
}

test("plain lines for logs: notebook, each cell, the result", () => {
  assert.equal(
    drive({ tty: false }),
    [
      "[1/2] a.ipynb",
      "  1/2 · cell 2 (id x1) · 0.3 s",
      "  2/2 · cell 4 (id x3) · 1.0 s",
      "ok     a.ipynb 1.5 s",
      "[2/2] b.ipynb",
      "warning: b.ipynb: something",
      "FAILED b.ipynb 0.5 s: cell 2 (id q): Error: x",
      "",
    ].join("\n"),
  );
});

test("a terminal gets one redrawn line with a bar; --quiet only the errors", () => {
  const tty = drive({ tty: true });
  assert.match(tty, /\r\[1\/2\] a\.ipynb \[=+ +\] 2\/2 · cell 4 \(id x3\) · \d+ s\x1b\[K/);
  assert.match(tty, /\r\x1b\[K\rok {5}a\.ipynb 1\.5 s\x1b\[K\n/);
  assert.equal(drive({ tty: true, quiet: true }), "FAILED b.ipynb 0.5 s: cell 2 (id q): Error: x\n");
});
