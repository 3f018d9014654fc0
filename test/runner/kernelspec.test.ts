import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findKernelSpec, installKernelSpec, kernelSearchPath, type KernelSpec } from "#course/runner/kernelspec";
import { readJson, reglab, ROOT, tempDir } from "./helpers";

test("kernel install --prefix writes DIR/share/jupyter/kernels/<name>/kernel.json starting the project's tslab", () => {
  const prefix = tempDir("reglab-prefix-");
  const result = reglab(["kernel", "install", "--prefix", prefix, "--name", "course-ts"]);
  assert.equal(result.status, 0, result.stderr);
  const file = join(prefix, "share", "jupyter", "kernels", "course-ts", "kernel.json");
  assert.match(
    result.stdout,
    new RegExp(`Installed kernelspec "course-ts" in ${join(prefix, "share", "jupyter", "kernels", "course-ts")}`),
  );
  const spec = readJson<KernelSpec>(file);
  assert.deepEqual(spec.argv, [
    process.execPath,
    "--require",
    join(ROOT, "packages", "reglab", "dist", "kernel", "preload.js"),
    join(ROOT, "node_modules", "tslab", "bin", "tslab"),
    "kernel",
    "--config-path",
    "{connection_file}",
  ]);
  assert.equal(spec.language, "typescript");
  assert.equal(spec.display_name, "TypeScript (reglab)");
});

test("kernel install --user goes to Jupyter's data folder; the default is project-local", () => {
  const data = tempDir("reglab-user-");
  const user = reglab(["kernel", "install", "--user", "--quiet"], { JUPYTER_DATA_DIR: data });
  assert.equal(user.status, 0, user.stderr);
  assert.equal(user.stdout, "");
  assert.equal(readJson<KernelSpec>(join(data, "kernels", "reglab", "kernel.json")).language, "typescript");
  const local = reglab(["kernel", "install"]);
  assert.equal(local.status, 0, local.stderr);
  assert.match(local.stdout, new RegExp(`JUPYTER_PATH=${join(ROOT, "build", "jupyter")}`));
  assert.equal(
    readJson<KernelSpec>(join(ROOT, "build", "jupyter", "kernels", "reglab", "kernel.json")).argv[4],
    "kernel",
  );
});

test("a kernelspec reglab did not write is not replaced without --force", () => {
  const prefix = tempDir("reglab-prefix-");
  const dir = join(prefix, "share", "jupyter", "kernels", "reglab");
  mkdirSync(dir, { recursive: true });
  const foreign = JSON.stringify({ argv: ["python3", "-m", "ipykernel"], display_name: "Python", language: "python" });
  writeFileSync(join(dir, "kernel.json"), foreign);
  const refused = reglab(["kernel", "install", "--prefix", prefix]);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /kernel\.json exists and was not written by reglab; choose another --name or pass --force to replace it\n$/,
  );
  assert.equal(readFileSync(join(dir, "kernel.json"), "utf8"), foreign);
  assert.equal(reglab(["kernel", "install", "--prefix", prefix, "--force", "-q"]).status, 0);
  assert.equal(readJson<KernelSpec>(join(dir, "kernel.json")).language, "typescript");
  assert.equal(reglab(["kernel", "install", "--prefix", prefix, "-q"]).status, 0, "its own spec is simply rewritten");
});

test("lookup: the project's folder first, then JUPYTER_PATH, then the user's; a clear error otherwise", () => {
  const extra = tempDir("reglab-path-");
  installKernelSpec({ project: ROOT, target: { kind: "prefix", prefix: extra }, name: "only-on-path" });
  const saved = process.env.JUPYTER_PATH;
  process.env.JUPYTER_PATH = join(extra, "share", "jupyter");
  try {
    const path = kernelSearchPath(ROOT);
    assert.equal(path[0], join(ROOT, "build", "jupyter"));
    assert.equal(path[1], join(extra, "share", "jupyter"));
    assert.equal(findKernelSpec("only-on-path", ROOT).dir, join(extra, "share", "jupyter", "kernels", "only-on-path"));
    assert.throws(() => findKernelSpec("nope", ROOT), /^Error: no kernelspec named "nope" in .*build\/jupyter, /);
  } finally {
    if (saved === undefined) delete process.env.JUPYTER_PATH;
    else process.env.JUPYTER_PATH = saved;
  }
  assert.throws(
    () => installKernelSpec({ project: extra }),
    new RegExp(`^Error: ${extra} has no node_modules/.bin/tslab`),
  );
  assert.throws(() => installKernelSpec({ project: ROOT, name: "a/b" }), /--name: "a\/b" may only use/);
});
