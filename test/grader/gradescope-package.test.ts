/**
 * `reglab package gradescope`: the zip Gradescope's autograder spec asks for — setup.sh and an
 * executable run_autograder at its root, the homework source, and the reglab packages' published
 * files — read back by Python's zipfile (an independent reader), scripts checked by `bash -n`.
 * (Installing it needs the npm registry and Gradescope's image, so the full setup + grading is run by
 * hand, not here: README, "Platforms".)
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { reglab, ROOT, tempDir } from "../runner/helpers";
import { SOURCE } from "./helpers";

const dir = tempDir("reglab-package-");

const READ_ZIP = `
import json, stat, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({i.filename: {"mode": stat.S_IMODE(i.external_attr >> 16), "size": i.file_size} for i in z.infolist()}))
    open(sys.argv[2] + "/run_autograder", "wb").write(z.read("run_autograder"))
    open(sys.argv[2] + "/setup.sh", "wb").write(z.read("setup.sh"))
    open(sys.argv[2] + "/package.json", "wb").write(z.read("package.json"))
`;

test("the autograder zip: Gradescope's two scripts at the root, the source, both packages' published files", () => {
  const zip = join(dir, "autograder.zip");
  const made = reglab(["package", "gradescope", "--source", SOURCE, "--out", zip]);
  assert.equal(made.status, 0, made.stderr);
  const read = spawnSync("/usr/bin/python3", ["-c", READ_ZIP, zip, dir], { encoding: "utf8" });
  assert.equal(read.status, 0, read.stderr);
  const entries: Record<string, { mode: number; size: number }> = JSON.parse(read.stdout);
  assert.equal(entries["setup.sh"].mode, 0o755);
  assert.equal(entries["run_autograder"].mode, 0o755);
  assert.equal(entries["homework.source.ipynb"].size, readFileSync(SOURCE).length);
  for (const file of [
    "reglab/package.json",
    "reglab/dist/index.js",
    "reglab/dist/kernel/preload.js",
    "reglab-course/bin/reglab.js",
    "reglab-course/dist/cli/main.js",
    "reglab-course/schema/nbformat.v4.5.schema.json",
  ])
    assert.ok(entries[file], file);
  assert.ok(!Object.keys(entries).some((name) => name.includes("/src/") || name.startsWith("reglab/test")));
  for (const script of ["setup.sh", "run_autograder"]) {
    const syntax = spawnSync("bash", ["-n", join(dir, script)], { encoding: "utf8" });
    assert.equal(syntax.status, 0, `${script}: ${syntax.stderr}`);
  }
  const setup = readFileSync(join(dir, "setup.sh"), "utf8");
  assert.ok(setup.includes(`/dist/${process.version}/node-${process.version}-linux-x64.tar.xz`), "this Node version");
  assert.match(setup, /apt-get install .*bubblewrap dataset-fashion-mnist/);
  assert.match(readFileSync(join(dir, "run_autograder"), "utf8"), /results\/results\.json/);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.deepEqual(manifest.dependencies, { reglab: "file:./reglab", "reglab-course": "file:./reglab-course" });
  const version = (pkg: string) =>
    JSON.parse(readFileSync(join(ROOT, "packages", pkg, "package.json"), "utf8")).version;
  assert.equal(version("reglab"), version("course"), "reglab-course's dependency on reglab resolves to the zip's copy");

  // The same files make the same bytes; an existing zip is kept unless --force.
  const again = join(dir, "again.zip");
  reglab(["package", "gradescope", "--source", SOURCE, "--out", again]);
  assert.deepEqual(readFileSync(again), readFileSync(zip));
  writeFileSync(again, "keep me");
  const refused = reglab(["package", "gradescope", "--source", SOURCE, "--out", again]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^reglab package: .*again\.zip exists; pass --force to replace it\n/);
  assert.equal(readFileSync(again, "utf8"), "keep me");
  assert.match(
    reglab(["package", "moodle", "--source", SOURCE, "--out", zip]).stderr,
    /the platform must be "gradescope", got "moodle"/,
  );
});
