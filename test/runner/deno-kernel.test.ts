/**
 * Deno's Jupyter kernel as a second kernel (issue 23): `reglab kernel install --deno` writes its
 * kernelspec, and one fixture notebook — parameters, the library, stderr, a figure, a training run
 * with its progress display — runs through `reglab run` on tslab and on Deno with the same outputs.
 * Deno comes from the npm package `deno`, a devDependency of the project.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { findDeno } from "#course/runner/kernelspec";
import type { CodeCell, Notebook } from "#course/runner/notebook";
import { fixture, readJson, reglab, ROOT, tempDir } from "./helpers";

const deno = findDeno(ROOT);
const skip = deno ? false : "no Deno in the project or on PATH (npm install installs the devDependency deno)";
const prefix = tempDir("reglab-deno-kernel-");
const jupyterPath = { JUPYTER_PATH: join(prefix, "share", "jupyter") };

before(() => {
  if (skip) return;
  const install = reglab(["kernel", "install", "--deno", "--prefix", prefix]);
  assert.equal(install.status, 0, install.stderr);
});

test("kernel install --deno writes Deno's kernelspec next to tslab's name", { skip }, () => {
  const spec = readJson<{ argv: string[]; display_name: string; metadata: { reglab: object } }>(
    join(prefix, "share", "jupyter", "kernels", "reglab-deno", "kernel.json"),
  );
  assert.deepEqual(spec.argv, [deno, "jupyter", "--kernel", "--conn", "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript (reglab, Deno)");
  assert.deepEqual(spec.metadata.reglab, { project: ROOT, runtime: "deno" });
});

/**
 * Each code cell's outputs, in order, with what legitimately differs between kernels taken out
 * (timings, the figure's element id, its picture's bytes) and large values as digests, so that a difference reads short.
 */
function outputsOf(nb: Notebook): unknown[][] {
  const digest = (value: unknown) =>
    createHash("sha256")
      .update(typeof value === "string" ? value : JSON.stringify(value))
      .digest("hex")
      .slice(0, 12);
  return nb.cells
    .filter((c): c is CodeCell => c.cell_type === "code")
    .map((cell) =>
      cell.outputs.map((output) => {
        const data = (output as { data?: Record<string, unknown> }).data;
        if (!data) return output;
        const forms = Object.fromEntries(
          Object.entries(data).map(([type, value]) => [
            type,
            type === "text/plain"
              ? String(value).replace(/ · [\d.]+ s · /, " · ")
              : type === "image/png"
                ? "a picture" // Chromium's pixels, not the kernel's: not compared byte for byte
                : digest(
                    type === "text/html"
                      ? String(value)
                          .replace(/reglab-plot-\d+-\d+/g, "reglab-plot")
                          .replace(/data:image\/png;base64,[^"]+/g, "data:image/png")
                      : value,
                  ),
          ]),
        );
        return { output_type: output.output_type, ...forms };
      }),
    );
}

test("a notebook runs on tslab and on Deno's kernel with the same outputs", { skip }, () => {
  const runs = ["reglab", "reglab-deno"].map((kernel) => {
    const out = tempDir("reglab-deno-run-");
    const run = reglab(
      ["run", fixture("both-kernels.ipynb"), "--kernel", kernel, "--out", out, "-q", "-p", "EPOCHS=3"],
      jupyterPath,
    );
    assert.equal(run.status, 0, `${kernel}: ${run.stderr}`);
    return readJson(join(out, "both-kernels.ipynb"));
  });
  const [tslab, onDeno] = runs.map(outputsOf);
  assert.deepEqual(onDeno, tslab);
  // What both showed, checked once: the parameter, the penalty, the figure's forms, the progress
  // display updated in place to the last epoch, the run's costs. (Cell 0 holds the parameters'
  // defaults; cell 1 the injected ones.)
  const [, , k2, k3, k4, k5] = tslab as Record<string, string>[][];
  assert.deepEqual(k2, [
    { output_type: "stream", name: "stdout", text: "wasm 3 0.1\n" },
    { output_type: "stream", name: "stderr", text: "a warning on stderr\n" },
  ]);
  assert.deepEqual(k3, [{ output_type: "stream", name: "stdout", text: "L2 penalty 1.4250\n" }]);
  assert.ok("application/vnd.plotly.v1+json" in k4[0] && "text/html" in k4[0], Object.keys(k4[0]).join());
  assert.equal(k5.length, 2, JSON.stringify(k5));
  assert.match(k5[0]["text/plain"], /^epoch 3\/3 · loss [\d.]+ · cost [\d.]+$/);
  assert.match(k5[1].text, /^\[[\d.]+,[\d.]+,[\d.]+\]\n$/);
  assert.equal((runs[1].metadata.language_info as { name: string }).name, "typescript");
});

test("grading refuses Deno's kernel: it runs on tslab", { skip }, () => {
  // A homework whose notebooks name Deno's kernel.
  const dir = tempDir("reglab-deno-grade-");
  const files = ["homework.source.ipynb", "homework.ipynb"].map((name) => {
    const nb = readJson(join(ROOT, "exercises", "day81", name));
    nb.metadata.kernelspec = { name: "reglab-deno", display_name: "TypeScript (reglab, Deno)", language: "typescript" };
    writeFileSync(join(dir, name), JSON.stringify(nb));
    return join(dir, name);
  });
  const run = reglab(["grade", files[1], "--source", files[0], "--json", join(dir, "grades.json")], jupyterPath);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(
    run.stderr.trim(),
    'reglab grade: kernel "reglab-deno" is Deno\'s: grading runs on tslab, whose kernel preload holds the student\'s process; use the "reglab" kernel',
  );
});
