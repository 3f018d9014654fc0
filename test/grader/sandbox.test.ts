/**
 * The sandbox without Node's permission model inside: a script run the way a grading kernel is
 * started holds no privilege (no capability, no way to gain one, the seccomp filter in force, and as
 * a user of its own when the grader is root), finds only the project's packages and its own tmpfs,
 * cannot write elsewhere, reach the network or outlive its main process, and hits its limits.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  bubblewrapLaunch,
  codeReservationMb,
  dataLimitMb,
  detectIsolation,
  KERNEL_ISOLATES,
  KERNEL_CONTROL,
  KERNEL_RUN,
  KERNEL_WORK,
  kernelUser,
  missingLayer,
  nodeInstallation,
  sandboxEnv,
} from "#course/grader/sandbox";
import { projectView } from "#course/grader/project-view";
import { ROOT } from "../runner/helpers";
import { CHECK_JS, compileEscape, hostTreeDigest, SOURCE } from "./helpers";

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

/**
 * Runs `script` with node inside the sandbox as a grading kernel of `memoryMb` is started (with `files`
 * in the grader's read-only folder, KERNEL_CONTROL); returns its stdout parsed as JSON.
 */
async function inSandbox(
  script: string,
  memoryMb = 512,
  files: Record<string, Uint8Array> = {},
): Promise<Record<string, string>> {
  if (isolation.kind !== "bubblewrap") throw new Error("no sandbox");
  const control = realpathSync(mkdtempSync(join(tmpdir(), "reglab-sandbox-test-")));
  chmodSync(control, 0o755);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(control, name), data, { mode: 0o755 });
  const asRoot = isolation.setpriv !== undefined;
  // The Node running the tests, when it is not the system's (CI's Node 22 and 24 passes)
  const node = nodeInstallation(process.execPath);
  const view = projectView(
    [join(ROOT, "node_modules"), join(ROOT, "packages", "reglab"), ...(node ? [node] : [])],
    asRoot,
  );
  try {
    const launch = bubblewrapLaunch(
      isolation,
      {
        binds: view.binds,
        nodeModules: join(ROOT, "node_modules"),
        control,
        dataMb: dataLimitMb(process.execPath, memoryMb),
        user: asRoot ? kernelUser() : undefined,
      },
      {
        argv: [process.execPath, "-e", script],
        env: sandboxEnv(KERNEL_WORK, []),
        cwd: KERNEL_WORK,
        connectionFile: { path: `${KERNEL_RUN}/connection.json`, content: "{}" },
      },
    );
    const inputs = launch.fdInputs ?? [];
    const child = spawn(launch.argv[0], launch.argv.slice(1), {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ["ignore", "pipe", "pipe", ...inputs.map(() => "pipe" as const), "pipe"],
    });
    inputs.forEach((data, i) => (child.stdio[3 + i] as NodeJS.WritableStream).end(data));
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((done) => child.on("close", done));
    assert.equal(status, 0, stderr);
    return JSON.parse(stdout);
  } finally {
    view.dispose();
    rmSync(control, { recursive: true, force: true });
  }
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

test(
  "privileges: no capability, none to gain, the seccomp filter in force; as a user of its own when the grader is root",
  { skip },
  async () => {
    const seen = await inSandbox(
      `console.log(JSON.stringify({ status: require("node:fs").readFileSync("/proc/self/status", "utf8") }))`,
    );
    const uid = Number(seen.status.match(/^Uid:\s*(\d+)/m)![1]);
    assert.equal(missingLayer(seen.status, process.getuid?.() === 0 ? { uid, gid: uid } : undefined), undefined);
    if (process.getuid?.() === 0) assert.ok(uid >= 1_000_000_000, `graded as root, a user of its own: ${uid}`);
    else assert.equal(uid, process.getuid?.(), "the grader's own user, without any capability");
  },
);

test(
  "native code cannot leave: remounting the project writable (directly or from a new user namespace), mounting over it, writing it — all fail",
  { skip: skip || compileEscape.unavailable },
  async () => {
    const before = hostTreeDigest();
    const probe = compileEscape("program");
    const seen = await inSandbox(
      `require("node:child_process").execFileSync(${JSON.stringify(`${KERNEL_CONTROL}/escape`)}); console.log(require("node:fs").readFileSync("attack.json", "utf8"))`,
      512,
      { escape: probe },
    );
    assert.deepEqual(seen, {
      remount: "EPERM",
      write: process.getuid?.() === 0 ? "EACCES" : "EROFS", // another user's file, or one's own on a read-only mount
      chmod: "EROFS",
      mountOver: "EPERM",
      openTree: "EPERM",
      unshare: "EPERM",
      remountInNewNamespace: "EPERM",
      writeAfter: process.getuid?.() === 0 ? "EACCES" : "EROFS",
      setuid0: "EINVAL", // uid 0 is not mapped in the sandbox's user namespace
      ptrace: "EPERM",
      inetSocket: "EAFNOSUPPORT",
      keyctl: "EPERM",
      bpf: "EPERM",
      chroot: "EPERM",
    });
    assert.equal(hostTreeDigest(), before, "the project's files are byte-identical");
    assert.ok(readFileSync(CHECK_JS, "utf8").length > 0);
  },
);

test("reads: the project's packages and the kernel's own tmpfs, nothing else of the machine", { skip }, async () => {
  const seen = await inSandbox(`${TRY}
    console.log(JSON.stringify({
      source: attempt(() => fs.readFileSync(${JSON.stringify(SOURCE)}, "utf8").length),
      project: attempt(() => fs.readdirSync(${JSON.stringify(ROOT)}).sort().join(",")),
      library: attempt(() => fs.existsSync(${JSON.stringify(join(ROOT, "packages", "reglab", "dist", "index.js"))})),
      packages: attempt(() => fs.readdirSync(${JSON.stringify(join(ROOT, "packages"))}).join(",")),
      tmp: attempt(() => fs.readdirSync("/tmp").join(",")),
      work: attempt(() => fs.readdirSync(".").sort().join(",")),
      run: attempt(() => fs.readdirSync(${JSON.stringify(KERNEL_RUN)}).sort().join(",")),
      cwd: process.cwd(),
      env: Object.keys(process.env).sort().join(","),
      processes: attempt(() => fs.readdirSync("/proc").filter((d) => /^\\d+$/.test(d)).join(",")),
      pid: String(process.pid),
    }));`);
  assert.equal(seen.source, "denied ENOENT");
  // (and the Node running the tests, when it is installed in the project: CI's Node 22 and 24)
  const nodeIn = nodeInstallation(process.execPath)?.startsWith(join(ROOT, "build")) ? ["build"] : [];
  assert.equal(seen.project, ["node_modules", "packages", ...nodeIn].sort().join(","), "only the packages");
  assert.equal(seen.packages, "reglab", "of the workspace, only the library");
  assert.equal(seen.library, "true");
  const tmp = seen.tmp.split(",").filter((entry) => entry !== PROJECT_IN_TMP && entry !== "");
  assert.deepEqual(tmp, [], `a private, empty /tmp: ${seen.tmp}`);
  assert.equal(seen.cwd, KERNEL_WORK);
  assert.equal(seen.work, "node_modules,tmp", "its working folder: the packages' link and its TMPDIR");
  assert.equal(seen.run, "connection.json,control", "its connection file and the grader's read-only folder");
  assert.equal(
    seen.env,
    "HOME,LANG,NODE_OPTIONS,PATH,PWD,REGLAB_CACHE_DIR,REGLAB_PNG,TMPDIR",
    "only what the grader passes",
  );
  assert.equal(seen.pid, "1", "its own PID namespace, where it is the first process");
  assert.equal(seen.processes, "1", "it sees no other process");
});

test("writes: only in its own size-limited tmpfs, none of it on the host's disk", { skip }, async () => {
  const target = CHECK_JS;
  const before = readFileSync(target, "utf8");
  const done = await inSandbox(`${TRY}
    console.log(JSON.stringify({
      library: attempt(() => fs.writeFileSync(${JSON.stringify(target)}, "pwned")),
      source: attempt(() => fs.writeFileSync(${JSON.stringify(SOURCE)}, "pwned")),
      project: attempt(() => fs.writeFileSync(${JSON.stringify(join(ROOT, "pwned.txt"))}, "pwned")),
      scratch: attempt(() => { fs.writeFileSync("mine.txt", "ok"); return fs.readFileSync("mine.txt", "utf8"); }),
      dev: attempt(() => fs.writeFileSync("/dev/shm/big", "x")),
      devNull: attempt(() => fs.writeFileSync("/dev/null", "x")),
      tmp: attempt(() => fs.writeFileSync("/tmp/big", Buffer.alloc(80 << 20))),
      work: attempt(() => fs.writeFileSync("big", Buffer.alloc(300 << 20))),
      control: attempt(() => fs.writeFileSync(${JSON.stringify(`${KERNEL_CONTROL}/x`)}, "x")),
    }));`);
  assert.match(done.library, /^denied (EACCES|EROFS)$/);
  assert.match(done.source, /^denied (ENOENT|EROFS)$/);
  // Under /tmp the project's own folder is a directory of the sandbox's private tmpfs: a write there
  // stays in the sandbox (the host's file is checked below); elsewhere it is part of the read-only root.
  if (PROJECT_IN_TMP) assert.match(done.project, /^(denied EROFS|undefined)$/);
  else assert.equal(done.project, "denied EROFS");
  assert.equal(done.scratch, "ok");
  assert.equal(done.dev, "denied EROFS", "/dev is no place to store data");
  assert.equal(done.devNull, "undefined", "but its devices work");
  assert.equal(done.tmp, "denied ENOSPC", "the private /tmp holds 64 MB");
  assert.equal(done.work, "denied ENOSPC", "the working folder holds 256 MB");
  assert.match(done.control, /^denied (EACCES|EROFS)$/, "the grader's folder is read-only");
  assert.equal(readFileSync(target, "utf8"), before);
  assert.ok(!existsSync(join(ROOT, "pwned.txt")));
});

test("no network: a server on the grader's loopback cannot be reached", { skip }, async () => {
  const seen = await inSandbox(`
    const socket = require("node:net").connect(${port}, "127.0.0.1", () => { console.log(JSON.stringify({ connect: "connected" })); socket.end(); });
    socket.on("error", (e) => console.log(JSON.stringify({ connect: "denied " + e.code })));`);
  assert.match(seen.connect, /^denied EAFNOSUPPORT$/, "seccomp: unix sockets only");
  assert.equal(connections, 0);
});

test("nothing outlives it: a detached child is killed with the sandbox's main process", { skip }, async () => {
  const marker = `reglab-orphan-${process.pid}`;
  const seen = await inSandbox(`
    const child = require("node:child_process").spawn("/bin/sh", ["-c", "exec -a ${marker} sleep 30"], { detached: true, stdio: "ignore" });
    child.unref();
    setTimeout(() => console.log(JSON.stringify({ spawned: String(child.pid) })), 200);`);
  assert.ok(Number(seen.spawned) > 1, "the child started (the permission model, not tested here, would refuse it)");
  const left = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" });
  assert.equal(left.stdout.trim(), "", "no process of the sandbox is left");
});

test("memory: Buffers stop at the cap", { skip }, async () => {
  const seen = await inSandbox(
    `
    const held = []; let mb = 0; let error = "none";
    try { for (;;) { held.push(Buffer.alloc(32 << 20, 1)); mb += 32; } } catch (e) { error = String(e); }
    console.log(JSON.stringify({ mb: String(mb), error }));`,
    384,
  );
  const cap = dataLimitMb(process.execPath, 384);
  assert.ok(Number(seen.mb) < cap, `${seen.mb} MB allocated under a ${cap} MB cap`);
  assert.ok(Number(seen.mb) >= 128, `${seen.mb} MB: the cap leaves room for real work`);
  // (Node 24 words it "Failed to allocate memory")
  assert.match(seen.error, /RangeError: (Array buffer allocation failed|Failed to allocate memory)/);
});

test("memory: the kernel's isolates fit in its data limit, on every Node", { skip }, async () => {
  // Node 24's V8 reserves each isolate's code range writable (~509 MB that RLIMIT_DATA counts, none
  // of it resident): without the allowance a kernel on the threaded wasm backend died at start-up.
  const workers = KERNEL_ISOLATES - 1;
  const seen = await inSandbox(
    `
    const { Worker } = require("node:worker_threads");
    let started = 0, failed = "";
    for (let i = 0; i < ${workers}; i++) {
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(Buffer.alloc(8 << 20, 1).length)", { eval: true });
      w.on("message", () => { if (++started === ${workers}) finish(); });
      w.on("error", (e) => { failed = String(e); finish(); });
    }
    function finish() { console.log(JSON.stringify({ started: String(started), failed })); process.exit(0); }`,
    256,
  );
  assert.deepEqual(
    seen,
    { started: String(workers), failed: "" },
    `code range per isolate: ${codeReservationMb(process.execPath)} MB`,
  );
});
