/**
 * Feedback pictures: a submission's Plotly figures drawn as PNG by Chromium in a sandbox of their own
 * (grader/figure-pictures.ts). The feedback page itself is checked in a browser in grade.test.ts.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findChromium, PLOTLY_MIME } from "reglab/tooling";
import { addFigurePictures, MAX_PICTURES } from "#course/grader/figure-pictures";
import { detectIsolation, kernelUser, toolLaunch } from "#course/grader/sandbox";
import { displaying, ROOT } from "../runner/helpers";

const isolation = detectIsolation();
const skip =
  isolation.kind === "none" ? isolation.reason : findChromium() ? false : "no Chromium (apt-get install chromium)";
const dir = mkdtempSync(join(tmpdir(), "reglab-figure-pictures-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const figure = (title: string, width: number, height: number) => ({
  [PLOTLY_MIME]: { data: [{ y: [1, 3, 2], type: "scatter" }], layout: { title: { text: title }, width, height } },
  "text/plain": title,
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(base64: string): { width: number; height: number } {
  const png = Buffer.from(base64, "base64");
  assert.ok(png.subarray(1, 4).toString() === "PNG", "a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test("figures without a picture are drawn in the sandbox at their size; others are left alone", { skip }, async () => {
  const drawn = [figure("第一張 first", 500, 300), figure("second", 640, 360)];
  const already = { ...figure("has one", 500, 300), "image/png": "iVBORw0KGgo=" };
  const broken = { [PLOTLY_MIME]: { data: "not traces" } };
  const notebook = displaying([drawn[0], already, broken, drawn[1]]);
  assert.equal(await addFigurePictures(notebook, true), 2);
  assert.deepEqual(pngSize(drawn[0]["image/png" as never]), { width: 500, height: 300 });
  assert.deepEqual(pngSize(drawn[1]["image/png" as never]), { width: 640, height: 360 });
  assert.equal(already["image/png"], "iVBORw0KGgo=");
  assert.equal((broken as Record<string, unknown>)["image/png"], undefined);
});

test("at most MAX_PICTURES per submission, sizes kept within bounds", { skip }, async () => {
  const many = Array.from({ length: MAX_PICTURES + 2 }, (_, i) => figure(`f${i}`, i === 0 ? 100_000 : 200, 150));
  assert.equal(await addFigurePictures(displaying(many), true), MAX_PICTURES);
  assert.deepEqual(pngSize(many[0]["image/png" as never]), { width: 1600, height: 150 });
  assert.equal(many[MAX_PICTURES]["image/png" as never], undefined);
});

test("what the renderer hands back is taken only as a PNG", { skip }, async () => {
  // A "Chromium" that speaks DevTools on fds 3 and 4 and answers every screenshot with markup
  // (run unsandboxed: CHROMIUM_PATH is the host's).
  const fake = join(dir, "fake-chromium");
  writeFileSync(
    fake,
    `#!${process.execPath}
const fs = require("fs");
const out = fs.createWriteStream(null, { fd: 4 });
let buffer = "";
fs.createReadStream(null, { fd: 3, encoding: "utf8" }).on("data", (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf("\\0")) >= 0) {
    const { id, method } = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const result =
      method === "Page.captureScreenshot" ? { data: Buffer.from('"><script>alert(1)</script>').toString("base64") }
      : method === "Runtime.evaluate" ? { result: { value: true } }
      : { targetId: "t", sessionId: "s" };
    out.write(JSON.stringify({ id, result }) + "\\0");
  }
});
`,
  );
  chmodSync(fake, 0o755);
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = fake;
  try {
    const bundles = [figure("forged", 300, 200), figure("forged too", 300, 200)];
    assert.equal(await addFigurePictures(displaying(bundles), false), 0);
    assert.deepEqual(
      bundles.map((bundle) => bundle["image/png" as never]),
      [undefined, undefined],
    );
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});

test("the renderer's sandbox shows no project file and lets it write only to its own /tmp", { skip }, () => {
  if (isolation.kind !== "bubblewrap") return;
  const seccomp = join(dir, "filter");
  const run = (command: string) => {
    const launch = toolLaunch(
      isolation,
      {
        readOnly: [],
        env: { PATH: "/usr/bin:/bin" },
        dataMb: 512,
        user: process.getuid?.() === 0 ? kernelUser() : undefined,
      },
      ["/bin/sh", "-c", command],
    );
    writeFileSync(seccomp, launch.seccomp);
    return spawnSync("/bin/sh", ["-c", 'exec "$@" 3<"$FILTER"', "sh", ...launch.argv], {
      encoding: "utf8",
      env: { ...process.env, FILTER: seccomp },
      timeout: 30_000,
    });
  };
  const seen = run(
    `ls /; test -e ${ROOT} && echo SEEN; cat ${join(ROOT, "README.md")} >/dev/null 2>&1 && echo READ; touch /usr/x 2>/dev/null && echo WROTE; touch /tmp/x && echo TMP`,
  );
  assert.equal(seen.status, 0, seen.stderr);
  assert.doesNotMatch(seen.stdout, /SEEN|READ|WROTE/);
  assert.match(seen.stdout, /TMP/);
});
