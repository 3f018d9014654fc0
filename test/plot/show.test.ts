/** show() inside a real tslab kernel, through `reglab run`; and the report drawing those figures in Chromium. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findChromium } from "reglab/tooling";
import { chromiumArgs } from "#reglab/util/chromium";
import type { CodeCell, Output } from "#course/runner/notebook";
import { readJson, reglab, ROOT, tempDir } from "../runner/helpers";

const noChromium = findChromium() ? false : "no headless Chromium on PATH (apt-get install chromium)";
const out = tempDir("reglab-show-");
const run = reglab(["run", join(ROOT, "test", "plot", "fixtures", "show.ipynb"), "--out", out, "-q"]);

test(
  "show() sends one display_data per figure with the plotly JSON, an HTML fallback and a PNG",
  { skip: noChromium },
  () => {
    assert.equal(run.status, 0, run.stderr);
    const nb = readJson(join(out, "show.ipynb"));
    const outputs = nb.cells.filter((c): c is CodeCell => c.cell_type === "code").map((c) => c.outputs);
    for (const cellOutputs of outputs) {
      assert.equal(cellOutputs.length, 1, JSON.stringify(cellOutputs.map((o) => o.output_type)));
      assert.equal(cellOutputs[0].output_type, "display_data");
    }
    const [first, second] = outputs.map((o) => (o[0] as Extract<Output, { output_type: "display_data" }>).data);
    for (const data of [first, second]) {
      assert.deepEqual(Object.keys(data).sort(), [
        "application/vnd.plotly.v1+json",
        "image/png",
        "text/html",
        "text/plain",
      ]);
      assert.ok(
        Buffer.from(data["image/png"] as string, "base64")
          .subarray(1, 4)
          .toString() === "PNG",
      );
    }
    assert.equal((first["application/vnd.plotly.v1+json"] as { data: unknown[] }).data.length, 6);
    for (const figure of [first, second]) {
      assert.doesNotMatch(figure["text/html"] as string, /plotly\.js v3/, "no figure carries plotly.js");
      assert.match(figure["text/html"] as string, /w\.__reglabPlotly=/, "every figure can load it");
    }
  },
);

test("the report loads plotly.js once and every figure draws in headless Chromium", { skip: noChromium }, () => {
  const html = join(out, "index.html");
  const page = readFileSync(html, "utf8");
  assert.equal(page.match(/plotly\.js v3/g)?.length, 1);
  assert.equal(
    page.match(/Plotly\.newPlot\("plot-\d+"/g)?.length,
    3,
    "the report draws the plotly JSON, not the HTML fallback",
  );
  const dom = spawnSync(
    findChromium()!,
    [...chromiumArgs(join(tempDir(), "profile")), "--virtual-time-budget=15000", "--dump-dom", `file://${html}`],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
  );
  const drawn = (dom.stdout.match(/<svg class="main-svg"/g) ?? []).length;
  assert.ok(drawn >= 3, `plotly drew ${drawn} svg roots for 3 figures`);
  assert.match(dom.stdout, /L1 最佳解 L1 optimum \(1\.00, 0\.00\)/, "the legend text is in the drawn page");
});
