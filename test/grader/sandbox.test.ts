/**
 * The bubblewrap layer alone (no Node permission model inside): a script run the way a grading
 * kernel is started finds only the project's packages and its scratch folder, cannot write
 * elsewhere, reach the network or outlive its main process, and hits the memory cap.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { detectIsolation } from "reglab/grader";
import { bubblewrapLaunch, sandboxEnv, type SandboxPlan } from "reglab/internal/grader/sandbox";
import { ROOT } from "../runner/helpers";
import { SOURCE } from "./helpers";

const isolation = detectIsolation();
const skip = isolation.kind === "none" ? isolation.reason : false;

let server: Server;
let port = 0;
let connections = 0;

before(async () => {
  server = createServer((socket) => {
    connections++;
    socket.end();
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  port = (server.address() as { port: number }).port;
});

after(() => server.close());

/** Runs `script` with node inside the sandbox; returns its stdout parsed as JSON. */
function inSandbox(script: string, memoryMb = 512): Record<string, string> {
  if (isolation.kind !== "bubblewrap") throw new Error("no sandbox");
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), "reglab-sandbox-test-")));
  const plan: SandboxPlan = { project: ROOT, scratch, memoryMb };
  const launch = bubblewrapLaunch(isolation.bwrap, plan, {
    argv: [process.execPath, "-e", script],
    env: sandboxEnv(plan, []),
    cwd: scratch,
  });
  const run = spawnSync(launch.argv[0], launch.argv.slice(1), {
    cwd: launch.cwd,
    env: launch.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/**
 * A project cloned under /tmp (e.g. into `mktemp -d`) has its packages bound inside the sandbox's private
 * /tmp, so the folders leading to them appear there too — empty, in the sandbox's own tmpfs, nothing of
 * the host's /tmp.
 */
const PROJECT_IN_TMP = realpathSync(ROOT).startsWith("/tmp/") ? realpathSync(ROOT).split("/")[2] : undefined;

const TRY = `
const fs = require("node:fs");
const attempt = (f) => { try { return String(f()); } catch (e) { return "denied " + (e.code || e.message); } };
`;

test("reads: the project's packages and the scratch folder, nothing else of the machine", { skip }, () => {
  const seen = inSandbox(`${TRY}
    console.log(JSON.stringify({
      source: attempt(() => fs.readFileSync(${JSON.stringify(SOURCE)}, "utf8").length),
      project: attempt(() => fs.readdirSync(${JSON.stringify(ROOT)}).sort().join(",")),
      library: attempt(() => fs.existsSync(${JSON.stringify(join(ROOT, "lib", "dist", "index.js"))})),
      tmp: attempt(() => fs.readdirSync("/tmp").join(",")),
      env: Object.keys(process.env).sort().join(","),
      processes: attempt(() => fs.readdirSync("/proc").filter((d) => /^\\d+$/.test(d)).join(",")),
      pid: String(process.pid),
    }));`);
  assert.equal(seen.source, "denied ENOENT");
  assert.equal(seen.project, "lib,node_modules", "only the packages and the compiled library");
  assert.equal(seen.library, "true");
  const tmp = seen.tmp.split(",").filter((entry) => entry !== PROJECT_IN_TMP);
  assert.equal(tmp.length, 1, `a private /tmp holding only the scratch folder: ${seen.tmp}`);
  assert.match(tmp[0], /^reglab-sandbox-test-/);
  assert.equal(
    seen.env,
    "HOME,LANG,NODE_OPTIONS,PATH,PWD,REGLAB_CACHE_DIR,REGLAB_PNG,TMPDIR",
    "only what the grader passes",
  );
  assert.equal(seen.pid, "1", "its own PID namespace, where it is the first process");
  assert.equal(seen.processes, "1", "it sees no other process");
});

test("writes: only in the scratch folder", { skip }, () => {
  const target = join(ROOT, "lib", "dist", "grader", "kernel", "check.js");
  const before = readFileSync(target, "utf8");
  const done = inSandbox(`${TRY}
    console.log(JSON.stringify({
      library: attempt(() => fs.writeFileSync(${JSON.stringify(target)}, "pwned")),
      source: attempt(() => fs.writeFileSync(${JSON.stringify(SOURCE)}, "pwned")),
      project: attempt(() => fs.writeFileSync(${JSON.stringify(join(ROOT, "pwned.txt"))}, "pwned")),
      scratch: attempt(() => { fs.writeFileSync("mine.txt", "ok"); return fs.readFileSync("mine.txt", "utf8"); }),
      dev: attempt(() => fs.writeFileSync("/dev/shm/big", "x")),
      devNull: attempt(() => fs.writeFileSync("/dev/null", "x")),
      tmp: attempt(() => fs.writeFileSync("/tmp/big", Buffer.alloc(80 << 20))),
    }));`);
  assert.equal(done.library, "denied EROFS");
  assert.match(done.source, /^denied (ENOENT|EROFS)$/);
  // Under /tmp the project's own folder is a directory of the sandbox's private tmpfs: a write there
  // stays in the sandbox (the host's file is checked below); elsewhere it is part of the read-only root.
  if (PROJECT_IN_TMP) assert.match(done.project, /^(denied EROFS|undefined)$/);
  else assert.equal(done.project, "denied EROFS");
  assert.equal(done.scratch, "ok");
  assert.equal(done.dev, "denied EROFS", "/dev is no place to store data");
  assert.equal(done.devNull, "undefined", "but its devices work");
  assert.equal(done.tmp, "denied ENOSPC", "the private /tmp holds 64 MB");
  assert.equal(readFileSync(target, "utf8"), before);
  assert.ok(!existsSync(join(ROOT, "pwned.txt")));
});

test("no network: a server on the grader's loopback cannot be reached", { skip }, () => {
  const seen = inSandbox(`
    const socket = require("node:net").connect(${port}, "127.0.0.1", () => { console.log(JSON.stringify({ connect: "connected" })); socket.end(); });
    socket.on("error", (e) => console.log(JSON.stringify({ connect: "denied " + e.code })));`);
  assert.match(seen.connect, /^denied (ENETUNREACH|ECONNREFUSED)$/);
  assert.equal(connections, 0);
});

test("nothing outlives it: a detached child is killed with the sandbox's main process", { skip }, () => {
  const marker = `reglab-orphan-${process.pid}`;
  const seen = inSandbox(`
    const child = require("node:child_process").spawn("/bin/sh", ["-c", "exec -a ${marker} sleep 30"], { detached: true, stdio: "ignore" });
    child.unref();
    setTimeout(() => console.log(JSON.stringify({ spawned: String(child.pid) })), 200);`);
  assert.ok(Number(seen.spawned) > 1, "the child started (the permission model, not tested here, would refuse it)");
  const left = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
  assert.equal(left.stdout.trim(), "", "no process of the sandbox is left");
});

test("memory: Buffers stop at the cap", { skip }, () => {
  const seen = inSandbox(
    `
    const held = []; let mb = 0; let error = "none";
    try { for (;;) { held.push(Buffer.alloc(32 << 20, 1)); mb += 32; } } catch (e) { error = String(e); }
    console.log(JSON.stringify({ mb: String(mb), error }));`,
    384,
  );
  assert.ok(Number(seen.mb) < 384, `${seen.mb} MB allocated under a 384 MB cap`);
  assert.ok(Number(seen.mb) >= 128, `${seen.mb} MB: the cap leaves room for real work`);
  assert.match(seen.error, /RangeError: Array buffer allocation failed/);
});
