/**
 * Cross-check against Jupyter's reference client: Debian's `jupyter nbconvert --execute` (nbclient)
 * runs the same fixtures on the kernelspec `reglab kernel install` wrote, and its outputs — mime types
 * and text — must equal those of `reglab run` (ids, timings and our metadata aside). nbformat's own
 * validator checks the notebooks reglab writes.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { type Cell, joinSource, type Output } from "#course/runner/notebook";
import { DEBIAN_PYTHON, debianPythonHas, fixture, FIXTURES, readJson, reglab, tempDir } from "./helpers";

const missing = debianPythonHas(["nbclient", "nbconvert", "nbformat"]);

/** What a front end shows: consecutive stream text merged, multiline strings joined, no transient ids. */
function visible(cells: Cell[]): unknown[] {
  return cells.map((cell) => {
    if (cell.cell_type !== "code") return cell.cell_type;
    const outputs: Array<Record<string, unknown>> = [];
    for (const output of cell.outputs as Output[]) {
      const last = outputs[outputs.length - 1];
      if (output.output_type === "stream") {
        const text = joinSource(output.text);
        if (last?.output_type === "stream" && last.name === output.name) last.text += text;
        else outputs.push({ output_type: "stream", name: output.name, text });
      } else if (output.output_type === "error") {
        outputs.push({ ...output });
      } else {
        const data = Object.fromEntries(
          Object.entries(output.data).map(([mime, value]) => [
            mime,
            typeof value === "string" || Array.isArray(value) ? joinSource(value as string[]) : value,
          ]),
        );
        outputs.push({ output_type: output.output_type, data });
      }
    }
    // execution_count is left out: nbclient takes it from execute_input, which tslab never sends, and
    // stays null; reglab takes it from execute_reply, as JupyterLab does.
    return outputs;
  });
}

test("nbclient and reglab run give the same outputs on the project's kernelspec", { skip: missing }, () => {
  const prefix = tempDir("reglab-prefix-");
  assert.equal(reglab(["kernel", "install", "--prefix", prefix, "-q"]).status, 0);
  const jupyterPath = join(prefix, "share", "jupyter");
  const ours = tempDir();
  const theirs = tempDir();
  for (const name of ["success", "failing"]) {
    reglab(["run", fixture(`${name}.ipynb`), "--out", ours, "-q"], { JUPYTER_PATH: jupyterPath });
    const nbconvert = spawnSync(
      DEBIAN_PYTHON,
      [
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--allow-errors",
        "--ExecutePreprocessor.timeout=120",
        "--output-dir",
        theirs,
        fixture(`${name}.ipynb`),
      ],
      // The pyenv interpreter's variables must not leak into Debian's Python; only JUPYTER_PATH is ours.
      {
        cwd: FIXTURES,
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", JUPYTER_PATH: jupyterPath },
      },
    );
    assert.equal(nbconvert.status, 0, nbconvert.stderr);
    const expected = visible(readJson(join(theirs, `${name}.ipynb`)).cells);
    const actual = visible(readJson(join(ours, `${name}.ipynb`)).cells);
    // For "failing", nbclient sends the cell after the error anyway and tslab aborts it; reglab stops
    // there. Both leave it without outputs.
    assert.deepEqual(actual, expected, name);
  }
  const validate = spawnSync(
    DEBIAN_PYTHON,
    [
      "-c",
      "import sys, nbformat\nfor f in sys.argv[1:]:\n    nbformat.validate(nbformat.read(f, as_version=nbformat.NO_CONVERT))\nprint('valid')",
      join(ours, "success.ipynb"),
      join(ours, "failing.ipynb"),
    ],
    { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } },
  );
  assert.equal(validate.stdout.trim(), "valid", validate.stderr);
});
