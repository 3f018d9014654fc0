import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { KernelSpec } from "#course/runner/kernelspec";
import { reglab, ROOT } from "../runner/helpers";

// The notebook lives inside the project (build/ is ignored by git) so that its cells import "reglab",
// whose type imports leave TypeScript watching node_modules folders for modules it could not resolve.
const dir = mkdtempSync(join(ROOT, "build", "preload-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const notebook = join(dir, "installs.ipynb");
const cells = [
  // What `npm install` in a terminal beside a running kernel does to the folders TypeScript watches.
  'import * as fs from "fs";\nimport { tf } from "reglab";\nfs.mkdirSync("node_modules/late-package", { recursive: true });\nawait new Promise((resolve) => setTimeout(resolve, 1500));',
  "tf.scalar(1 + 1).dataSync()[0]",
  "2 + 2",
];
writeFileSync(
  notebook,
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "reglab", display_name: "TypeScript (reglab)", language: "typescript" } },
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `c${i}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
  }),
);

function run(extra: string[], env: Record<string, string> = {}) {
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  return reglab(["run", notebook, "--out", join(dir, "out"), "--timeout", "120", ...extra], env);
}

test("without reglab's preload, tslab fails every cell after a package appears in a watched node_modules", () => {
  const installed = readFileSync(join(ROOT, "build", "jupyter", "kernels", "reglab", "kernel.json"), "utf8");
  const spec = JSON.parse(installed) as KernelSpec;
  const at = spec.argv.indexOf("--require");
  assert.ok(at > 0, `the installed kernelspec loads a preload: ${spec.argv.join(" ")}`);
  const bare = join(dir, "jupyter", "kernels", "tslab-bare");
  mkdirSync(bare, { recursive: true });
  writeFileSync(
    join(bare, "kernel.json"),
    JSON.stringify({ ...spec, argv: spec.argv.filter((_, i) => i !== at && i !== at + 1) }),
  );
  const result = run(["--kernel", "tslab-bare"], { JUPYTER_PATH: join(dir, "jupyter") });
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /cell 2 \(id c1\): unexpected error: Error: Unexpected pending rebuildTimer/);
});

test("with it, the kernel keeps running cells after the package appears", () => {
  const result = run([]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const executed = JSON.parse(readFileSync(join(dir, "out", "installs.ipynb"), "utf8")) as {
    cells: { outputs: { text?: string }[] }[];
  };
  assert.deepEqual(
    executed.cells.slice(1).map((cell) => cell.outputs.map((output) => output.text).join("")),
    ["2\n", "4\n"],
  );
});

test("under Node's permission model, a TypeScript watch on a folder the kernel may not read is a watch that never fires", () => {
  // What a grading kernel without bubblewrap met when its project sat 3+ folders deep (CI's
  // /check/work/main): TypeScript watched the missing packages/node_modules, watchFile threw, and
  // tslab's program update never finished ("Unexpected pending rebuildTimer" in every later cell).
  const denied = mkdtempSync(join(tmpdir(), "reglab-denied-"));
  const permission = process.allowedNodeEnvironmentFlags.has("--permission")
    ? "--permission"
    : "--experimental-permission";
  const watch = (tolerate: boolean) =>
    spawnSync(
      process.execPath,
      [
        permission,
        `--allow-fs-read=${ROOT}`,
        "-e",
        `const ts = require(${JSON.stringify(join(ROOT, "node_modules", "@tslab", "typescript-for-tslab"))});
${tolerate ? `require(${JSON.stringify(join(ROOT, "packages", "reglab", "dist", "pinned.js"))}).tolerateDeniedWatches(ts);` : ""}
try { ts.sys.watchFile(${JSON.stringify(join(denied, "node_modules"))}, () => {}, 250).close(); ts.sys.watchDirectory(${JSON.stringify(denied)}, () => {}).close(); console.log("watched"); }
catch (e) { console.log(e.code); }`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
  try {
    assert.equal(watch(false).stdout.trim(), "ERR_ACCESS_DENIED", "without it, the watch throws");
    const tolerated = watch(true);
    assert.equal(tolerated.status, 0, tolerated.stderr);
    assert.equal(tolerated.stdout.trim(), "watched");
  } finally {
    rmSync(denied, { recursive: true, force: true });
  }
});
