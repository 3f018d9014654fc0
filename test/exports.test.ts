/**
 * The public surface is what the README documents: for each entry point, the names listed in its
 * README block (<!-- exports: NAME --> … <!-- /exports -->) are exactly the values it exports; and
 * a project that depends on the library alone installs none of the course tools' dependencies.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "./runner/helpers";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const ENTRY_POINTS = ["reglab", "reglab/grading", "reglab/tooling", "reglab-course"];

function documented(entry: string): string[] {
  const block = README.match(new RegExp(`<!-- exports: ${entry} -->([\\s\\S]*?)<!-- /exports -->`));
  assert.ok(block, `README.md has no exports block for ${entry}`);
  return [...block[1].matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]).sort();
}

for (const entry of ENTRY_POINTS) {
  test(`${entry} exports exactly what the README lists`, () => {
    const exported = Object.keys(require(entry) as object).sort();
    assert.deepEqual(documented(entry), exported);
  });
}

test("the library's own dependencies include no kernel driver: no zeromq, tslab, markdown-it, KaTeX", () => {
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    let manifest: { dependencies?: Record<string, string> };
    try {
      manifest = require(require.resolve(`${name}/package.json`, { paths: [from] }));
    } catch {
      return; // an optional dependency that is not installed (tfjs-node offline)
    }
    const dir = join(require.resolve(`${name}/package.json`, { paths: [from] }), "..");
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, dir);
  };
  visit("reglab", ROOT);
  for (const forbidden of [
    "zeromq",
    "tslab",
    "@tslab/typescript-for-tslab",
    "markdown-it",
    "@vscode/markdown-it-katex",
  ])
    assert.ok(!seen.has(forbidden), `reglab depends on ${forbidden}`);
  assert.ok(seen.has("@tensorflow/tfjs-core"), "the walk reached the library's real dependencies");
});
