#!/usr/bin/env node
// Runs the compiled tests with `node --test` on whichever Node runs this script (20, 22 or 24).
//
// `node --test build/test` works on Node 20 only: from Node 22 a directory argument is taken as a
// file to run, not a folder to search. This script lists the test files itself, so one command
// serves every Node:
//
//   node scripts/test.mjs                          # every build/test/**/*.test.js
//   node scripts/test.mjs build/test/grader a.test.js   # the test files under these folders or files
//   node scripts/test.mjs --test-reporter=tap …    # options before the paths go to `node --test`
import { existsSync, readdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const options = args.filter((arg) => arg.startsWith("--"));
const paths = args.filter((arg) => !arg.startsWith("--"));

/** The *.test.js files at or below `path`, sorted so that every Node runs them in one order. */
function testFiles(path) {
  if (!existsSync(path)) {
    console.error(`scripts/test.mjs: ${path} does not exist (run \`npm run typecheck\` to compile the tests)`);
    process.exit(2);
  }
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .filter((name) => name.endsWith(".test.js"))
    .map((name) => join(path, name))
    .sort();
}

const files = (paths.length > 0 ? paths : ["build/test"]).flatMap(testFiles);
if (files.length === 0) {
  console.error(`scripts/test.mjs: no *.test.js under ${paths.join(", ") || "build/test"}`);
  process.exit(2);
}
console.error(
  `scripts/test.mjs: ${files.length} test files on Node ${process.version}` +
    (paths.length > 0 ? ` (${paths.map((path) => relative(".", path)).join(", ")})` : ""),
);
const run = spawnSync(process.execPath, ["--test", ...options, ...files], { stdio: "inherit" });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
