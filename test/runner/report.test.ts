/** The report page's image outputs: base64 only, so an untrusted payload cannot leave the attribute. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { renderReport } from "#course/runner/report";
import { displaying } from "./helpers";

const page = (data: Record<string, unknown>) =>
  renderReport([{ name: "s.ipynb", status: "completed", notebook: displaying([data]) }], "t", { trusted: false });

// A 1×1 transparent PNG.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

test("a PNG output is shown as a data: image, beside a figure or alone", () => {
  for (const data of [
    { "image/png": PNG },
    { "image/png": `${PNG.slice(0, 40)}\n${PNG.slice(40)}`, "application/vnd.plotly.v1+json": { data: [] } },
  ]) {
    assert.ok(page(data).includes(`<img src="data:image/png;base64,${PNG}">`));
  }
});

test("an image payload that is not base64 is not put in the page", () => {
  const attack = `${PNG}" onerror="alert(1)`;
  for (const data of [{ "image/png": attack }, { "image/png": attack, "application/vnd.plotly.v1+json": {} }]) {
    const html = page(data);
    assert.ok(!html.includes("onerror"), "the payload's attribute reached the page");
    assert.ok(html.includes("the picture's data is not base64"));
  }
  assert.ok(!page({ "image/jpeg": '"><b>x</b>' }).includes("<b>x</b>"));
});
