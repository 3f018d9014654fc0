/**
 * Hostile submissions, one per class of attack that once worked against `reglab grade` (issue 13),
 * each made here from the released homework and graded with real sandboxed kernels: reading the
 * instructor's files, outliving the kernel, writing files, tampering inside the kernel, forging
 * feedback, and exhausting memory or time. Each must gain nothing, and what it tried is checked
 * from what it printed. The last tests measure what Node's permission model alone (the fallback
 * without bubblewrap) blocks.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { findChromium } from "reglab/tooling";
import { gradeAll } from "#course/grader/batch";
import { type GradeOptions, type GradeReport, gradeSubmission } from "#course/grader/grade";
import { feedbackHtml } from "#course/grader/reports";
import { detectIsolation } from "#course/grader/sandbox";
import { reglab, ROOT, tempDir } from "../runner/helpers";
import {
  CHECK_JS,
  compileEscape,
  edit,
  homework,
  hostTreeDigest,
  points,
  printed,
  probe,
  SOURCE,
  solved,
  submission,
} from "./helpers";

const isolation = detectIsolation();
const skip = isolation.kind === "none" ? isolation.reason : false;
const dir = tempDir("reglab-hostile-");
const SECRET = `grader-secret-${process.pid}`;

/** Generous per-cell limit: the slowest solution cell (q5-plot) takes 2.5 s. */
const options: GradeOptions = { timeoutSeconds: 60, memoryMb: 1024 };

let server: Server;
let port = 0;
let connections = 0;
let other = "";

before(async () => {
  process.env.REGLAB_HOSTILE_SECRET = SECRET; // in the grader's environment, never the kernel's
  server = createServer((socket) => {
    connections++;
    socket.end();
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  port = (server.address() as { port: number }).port;
  other = submission(dir, "other-student", solved);
});

after(() => {
  delete process.env.REGLAB_HOSTILE_SECRET;
  server.close();
});

const grade = (file: string, extra: GradeOptions = {}): Promise<GradeReport> =>
  gradeSubmission(file, homework, { ...options, ...extra });

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Probes the grader's secrets: the source, another submission, the processes, the environment, the network. */
const readProbe = (other: string) => `
import * as fs from "node:fs";
import * as net from "node:net";
{
  const read = (p: string) => { try { return fs.readFileSync(p, "utf8").slice(0, 400); } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  const list = (p: string) => { try { return fs.readdirSync(p).sort().join(","); } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  const pids = list("/proc").split(",").filter((d) => /^\\d+$/.test(d));
  const found: Record<string, string> = {
    source: read(${JSON.stringify(SOURCE)}),
    other: read(${JSON.stringify(other)}),
    parentCmdline: read("/proc/" + process.ppid + "/cmdline"),
    cmdlines: pids.map((d) => read("/proc/" + d + "/cmdline")).join(" | "),
    env: JSON.stringify(process.env),
    project: list(${JSON.stringify(ROOT)}),
    home: list(${JSON.stringify(homedir())}),
    cwd: list("."),
  };
  found.network = await new Promise<string>((resolve) => {
    const socket = net.connect(${port}, "127.0.0.1", () => { socket.end(); resolve("connected"); });
    socket.on("error", (e: NodeJS.ErrnoException) => resolve("denied " + e.code));
  });
  console.log("PROBE " + JSON.stringify(found));
}
`;

test(
  "0. native code loaded by a cell cannot change the project: remount, mount, writes fail; the same batch and the next run score what they earn",
  { skip: skip || compileEscape.unavailable },
  async () => {
    const library = compileEscape("library").toString("base64");
    const attackCell = `
import * as fs from "node:fs";
{
  fs.writeFileSync("escape.so", Buffer.from(${JSON.stringify(library)}, "base64"));
  // The library's constructor runs as it loads; Node then refuses it (it registers no module).
  try { process.dlopen({ exports: {} } as never, fs.realpathSync("escape.so")); } catch {}
  console.log("PROBE " + fs.readFileSync("attack.json", "utf8").trim());
}`;
    const before = hostTreeDigest();
    const attacker = submission(dir, "native-attacker", {}, { extraCells: [attackCell] });
    const blank = submission(dir, "native-blank", {});
    const honest = submission(dir, "native-honest", solved);
    const [attacked, afterBlank, afterHonest] = await gradeAll([attacker, blank, honest], homework, options);
    const found = probe(attacked, "extra-0");
    for (const name of ["remount", "mountOver", "openTree", "unshare", "remountInNewNamespace", "chroot"])
      assert.equal(found[name], "EPERM", name);
    for (const name of ["write", "writeAfter", "chmod"]) assert.match(found[name], /^(EACCES|EROFS)$/, name);
    assert.equal(found.inetSocket, "EAFNOSUPPORT");
    assert.equal(
      hostTreeDigest(),
      before,
      "the project's packages/ and node_modules/ are byte-identical after the batch",
    );
    assert.doesNotMatch(readFileSync(CHECK_JS, "utf8"), /pwned/);
    assert.equal(attacked.score, 0);
    assert.equal(afterBlank.score, 0, "a blank submission graded after it earns nothing");
    assert.equal(afterHonest.score, 12, "a solved one earns everything");
    assert.equal((await grade(submission(dir, "native-next-run", {}))).score, 0, "and so does the next run");
  },
);

test(
  "1. reading: the source notebook, other submissions, the grader's command line and environment are out of reach",
  { skip },
  async () => {
    const file = submission(dir, "reader", {}, { extraCells: [readProbe(other)] });
    const report = await grade(file);
    const found = probe(report, "extra-0");
    assert.equal(found.source, "denied ENOENT");
    assert.equal(found.other, "denied ENOENT");
    assert.equal(found.parentCmdline, "denied ENOENT", "the kernel is the first process of its namespace: no parent");
    assert.doesNotMatch(found.cmdlines, /homework\.source|other-student|reglab(\.js)? grade/);
    assert.match(found.cmdlines, /tslab\0kernel\0--config-path\0/, "it sees itself, nothing else");
    assert.ok(!found.env.includes(SECRET), "the grader's environment is not passed on");
    assert.equal(found.project, "node_modules,packages");
    assert.equal(found.home, "denied ENOENT");
    assert.equal(
      found.cwd,
      "k:1,k:2,k:3,k:4,k:5,node_modules,reader.ipynb,tmp",
      "its scratch folder: the kernel's sockets, its own notebook, the packages' link and its TMPDIR",
    );
    assert.match(found.network, /^denied EAFNOSUPPORT$/, "seccomp: unix sockets only");
    assert.equal(connections, 0);
    assert.equal(report.score, 0);
  },
);

test(
  "2. outliving the kernel: spawning is refused, nothing is left running, the results file stays as written",
  { skip },
  async () => {
    const json = join(dir, "outlive.json");
    const marker = `reglab-outlive-${process.pid}`;
    const spawnCell = `
import * as cp from "node:child_process";
import { Worker } from "node:worker_threads";
{
  const attempt = (f: () => unknown) => { try { f(); return "started"; } catch (e) { return "denied " + ((e as NodeJS.ErrnoException).code ?? (e as Error).message); } };
  const script = "sleep 3; echo '{\\"score\\": 12}' > ${json}; exec -a ${marker} sleep 30";
  const found = {
    detached: attempt(() => cp.spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore" }).unref()),
    execSync: attempt(() => cp.execSync("true")),
    binding: attempt(() => (process as unknown as { binding(name: string): unknown }).binding("spawn_sync")),
    worker: attempt(() => new Worker("setInterval(() => {}, 1000)", { eval: true })),
  };
  console.log("PROBE " + JSON.stringify(found));
}`;
    const file = submission(dir, "outlive", {}, { extraCells: [spawnCell] });
    const run = reglab(["grade", file, "--source", SOURCE, "--json", json, "-q"]);
    assert.equal(run.status, 0, run.stderr);
    const written = sha(json);
    assert.equal(JSON.parse(readFileSync(json, "utf8")).score, 0);
    await new Promise((wait) => setTimeout(wait, 5000)); // longer than the child would have slept
    assert.equal(sha(json), written, "unchanged after the grader exited");
    assert.equal(spawnSync("pgrep", ["-f", marker], { encoding: "utf8" }).stdout.trim(), "");
    const report = await grade(file);
    assert.deepEqual(probe(report, "extra-0"), {
      detached: "denied ERR_ACCESS_DENIED",
      execSync: "denied ERR_ACCESS_DENIED",
      binding: "denied ERR_ACCESS_DENIED",
      worker: "started",
    });
  },
);

test(
  "3. writing: the library, the source, other submissions and the output files cannot be touched",
  { skip },
  async () => {
    const json = join(dir, "results.json");
    writeFileSync(json, '{"before": true}');
    const targets = { library: CHECK_JS, source: SOURCE, other, json };
    const hashes = Object.fromEntries(Object.entries(targets).map(([name, path]) => [name, sha(path)]));
    const writeCell = `
import * as fs from "node:fs";
{
  const attempt = (f: () => unknown) => { try { f(); return "written"; } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  const targets: Record<string, string> = ${JSON.stringify({ ...targets, project: join(ROOT, "pwned.txt") })};
  const found: Record<string, string> = {};
  for (const [name, path] of Object.entries(targets)) found[name] = attempt(() => fs.writeFileSync(path, "pwned"));
  found.scratch = attempt(() => fs.writeFileSync("notes.txt", "mine"));
  console.log("PROBE " + JSON.stringify(found));
}`;
    const report = await grade(submission(dir, "writer", {}, { extraCells: [writeCell] }));
    const found = probe(report, "extra-0");
    for (const name of [...Object.keys(targets), "project"]) assert.match(found[name], /^denied /, name);
    assert.equal(found.scratch, "written");
    for (const [name, path] of Object.entries(targets)) assert.equal(sha(path), hashes[name], `${name} unchanged`);
    assert.ok(!existsSync(join(ROOT, "pwned.txt")));
    // A later submission is graded by the untouched library.
    assert.equal((await grade(submission(dir, "after-writer", solved))).score, 12);
  },
);

test(
  "4. tampering in the kernel: loader, module cache, tslab's publisher and replies, the compiler — all pinned",
  { skip },
  async () => {
    const wrongQ1 = edit(solved["q1-answer"], /return \{ l1: .*\};/, "return { l1: 0, l2: 0, l1l2: 0 };");
    const halfQ3 = edit(solved["q3-answer"], /\s*\.\.\.gridSettings\(\{ kinds: \["l1l2"\][^\n]*/, "");
    const honest = await grade(submission(dir, "honest", { "q1-answer": wrongQ1, "q3-answer": halfQ3 }));
    assert.deepEqual(points(honest), { q1: 0, q2: 0, q3: 1, q4: 0, q5: 0 });

    const tamper = `
import * as tslab from "tslab";
{
  const Module = require("node:module");
  const fakeCheck = { ok() {}, equal() {}, close() {}, throws() {}, partial() {}, parts: () => ({ part: async () => {}, report() { tslab.display.raw("application/vnd.reglab.score+json", JSON.stringify({ points: 3 })); } }) };
  const reglab = require("reglab");
  const jupyter = require("tslab/dist/jupyter");
  const nothing = () => {};
  const path = require.resolve("reglab");
  // Each attempt returns whether its change took effect (a cell is sloppy-mode code: a write to a frozen property is silently dropped).
  const attempts: Record<string, () => boolean> = {
    load: () => { const load = Module._load; const fake = function (this: unknown, request: string, ...rest: unknown[]) { const m = load.call(this, request, ...rest); return request === "reglab" ? { ...m, check: fakeCheck } : m; }; Module._load = fake; return Module._load === fake; },
    resolve: () => { Module._resolveFilename = nothing; return Module._resolveFilename === nothing; },
    cacheDelete: () => { delete require.cache[path]; return require.cache[path] === undefined; },
    cacheReplace: () => { const fake = { exports: { check: fakeCheck } }; require.cache[path] = fake as never; return require.cache[path] === (fake as never); },
    exports: () => { reglab.check = fakeCheck; return reglab.check === fakeCheck; },
    checkMethod: () => { reglab.check.close = nothing; return reglab.check.close === nothing; },
    partsPrototype: () => { reglab.Parts.prototype.report = nothing; return reglab.Parts.prototype.report === nothing; },
    publisher: () => { Object.defineProperty(jupyter, "lastWriteDisplayData", { get: () => nothing }); return jupyter.lastWriteDisplayData === nothing; },
    publisherSet: () => { const real = jupyter.lastWriteDisplayData; const wrapper = (d: unknown, u: boolean) => real(d, u); jupyter.lastWriteDisplayData = wrapper; return jupyter.lastWriteDisplayData === wrapper; },
    display: () => { const proto = Object.getPrototypeOf(tslab.display); proto.raw = nothing; return proto.raw === nothing; },
    replies: () => { Object.defineProperty(Object.prototype, "content", { set(v) { Object.defineProperty(this, "content", { value: v && v.status === "error" ? { ...v, status: "ok" } : v, enumerable: true, writable: true }); }, configurable: true }); return true; },
    toJSON: () => { (Object.prototype as { toJSON?: unknown }).toJSON = function () { return this; }; return ({} as { toJSON?: unknown }).toJSON !== undefined; },
    handler: () => { const proto = jupyter.JupyterHandlerImpl.prototype; const fake = async () => ({ status: "ok", execution_count: 1 }); proto.handleExecute = fake; return proto.handleExecute === fake; },
    compiler: () => { const ts = require("@tslab/typescript-for-tslab"); ts.transpileModule = nothing; return ts.transpileModule === nothing; },
    hmac: () => { const crypto = require("node:crypto"); crypto.createHmac = nothing; return crypto.createHmac === nothing; },
    tf: () => { reglab.tf.sum = nothing; return reglab.tf.sum === nothing; },
    tensor: () => { const proto = reglab.tf.Tensor.prototype; proto.dataSync = nothing; return proto.dataSync === nothing; },
  };
  const found: Record<string, string> = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    try { found[name] = attempt() ? "took effect" : "no effect"; } catch { found[name] = "refused"; }
  }
  console.log("PROBE " + JSON.stringify(found));
}`;
    const report = await grade(
      submission(dir, "tamper", { "q1-answer": wrongQ1, "q3-answer": halfQ3 }, { extraCells: [tamper] }),
    );
    const found = probe(report, "extra-0");
    for (const [name, outcome] of Object.entries(found)) assert.match(outcome, /^(refused|no effect)$/, name);
    assert.deepEqual(points(report), points(honest), "the same scores as without the tampering");
    assert.equal(report.tests[0].status, "failed", "the real check ran and failed q1");

    const declared = await grade(
      submission(dir, "module", {}, { extraCells: ["/** @module reglab */\nexport const check = { ok() {} };"] }),
    );
    assert.equal(declared.score, 0);
    assert.match(
      declared.error!,
      /module\.ipynb: cell \d+ \(id extra-0\) declares a tslab module \(\/\*\* @module … \*\/\), which graded work may not do; remove the marker$/,
    );
  },
);

test(
  "5. a crashing submission never stops the others (see also grade.test's malformed reports)",
  { skip },
  async () => {
    const bad = join(dir, "bad.ipynb");
    writeFileSync(bad, JSON.stringify({ cells: "not a list" }));
    const run = reglab(["grade", bad, submission(dir, "good", solved), "--source", SOURCE, "--json", "-", "-q"]);
    const [first, second] = JSON.parse(run.stdout);
    assert.equal(first.score, 0);
    assert.match(first.error, /bad\.ipynb/);
    assert.equal(second.score, 12);
  },
);

test(
  "6. forged feedback: student HTML runs no script in the feedback page; the verdict is the grader's",
  { skip: skip || (findChromium() ? false : "no Chromium (apt-get install chromium)") },
  async () => {
    const payload = `<script>window.pwned = 1; document.querySelector(".verdict").textContent = "Score 12 / 12";</script><img src="x" onerror="window.pwned = 2">`;
    const file = submission(
      dir,
      "forger",
      {},
      {
        markdown: [`# Done ${payload}`],
        extraCells: [`import * as tslab from "tslab";\ntslab.display.html(${JSON.stringify(payload)});`],
      },
    );
    const page = join(dir, "forger.html");
    writeFileSync(page, feedbackHtml(await grade(file), homework));
    const browser = await chromium.launch({ executablePath: findChromium()!, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const tab = await browser.newPage();
      await tab.goto(`file://${page}`, { waitUntil: "load" });
      await tab.waitForTimeout(500);
      assert.equal(await tab.evaluate(() => (window as { pwned?: number }).pwned), undefined, "no student script ran");
      assert.equal(await tab.textContent(".verdict"), "Score 0 / 12 (questions graded by hand not included)");
      assert.ok(((await tab.textContent("body")) ?? "").includes("<script>"), "the student's markup is shown as text");
    } finally {
      await browser.close();
    }
  },
);

test(
  "7. limits: Buffers stop at the memory cap, a heap hog kills only its kernel, slow cells hit the submission limit",
  { skip },
  async () => {
    const buffers = await grade(
      submission(
        dir,
        "buffers",
        {},
        {
          extraCells: [
            'const held: Buffer[] = []; let mb = 0; let error = "none";\ntry { for (;;) { held.push(Buffer.alloc(64 << 20, 1)); mb += 64; } } catch (e) { error = String(e); }\nconsole.log("PROBE " + JSON.stringify({ mb: String(mb), error }));',
          ],
        },
      ),
      { memoryMb: 1024 },
    );
    const found = probe(buffers, "extra-0");
    assert.ok(Number(found.mb) < 1024, `${found.mb} MB of Buffers under a 1024 MB cap`);
    assert.match(found.error, /RangeError: Array buffer allocation failed/);
    assert.equal(buffers.score, 0);

    const heap = await grade(
      submission(
        dir,
        "heap",
        {},
        { extraCells: ["const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1));"] },
      ),
      { memoryMb: 512 },
    );
    assert.equal(heap.score, 0);
    assert.match(heap.tests[0].message, /^not run: the kernel stopped in cell \d+ \(id extra-0\): the kernel died/);

    const slowCell = "await new Promise((done) => setTimeout(done, 3000));";
    const slow = await grade(submission(dir, "slow", solved, { extraCells: Array(10).fill(slowCell) }), {
      submissionTimeoutSeconds: 15,
    });
    assert.equal(slow.score, 0, "the solution never got to its tests");
    assert.match(
      slow.tests[0].message,
      /^not run: the kernel stopped in cell \d+ \(id extra-\d\): the notebook's time limit of 15 s ran out in this cell$/,
    );
  },
);

test("without bubblewrap, grading refuses in one line unless --unsafe-no-sandbox is given", { skip }, () => {
  const bin = join(dir, "bin-without-bwrap");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["node", "prlimit"])
    if (!existsSync(join(bin, tool))) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const file = submission(dir, "unsandboxed", solved);
  const refused = reglab(["grade", file, "--source", SOURCE], { PATH: bin });
  assert.equal(refused.status, 1);
  assert.equal(
    refused.stderr,
    "reglab grade: cannot sandbox the submissions: bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap); pass --unsafe-no-sandbox to grade trusted work without a sandbox\n",
  );
  const unsafe = reglab(["grade", file, "--source", SOURCE, "--unsafe-no-sandbox", "--json", "-", "-q"], { PATH: bin });
  assert.equal(unsafe.status, 0, unsafe.stderr);
  assert.equal(JSON.parse(unsafe.stdout).score, 12);
});

test(
  "Node's permission model alone (--unsafe-no-sandbox) blocks reads outside the project, all writes outside scratch, and spawning — not the network",
  { skip },
  async () => {
    const json = join(dir, "unsafe.json");
    writeFileSync(json, "{}");
    const cell = `${readProbe(other)}
import * as cp from "node:child_process";
{
  const attempt = (f: () => unknown) => { try { f(); return "done"; } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  console.log("PROBE2 " + JSON.stringify({ write: attempt(() => fs.writeFileSync(${JSON.stringify(json)}, "x")), spawn: attempt(() => cp.execSync("true")) }));
}`;
    const report = await grade(submission(dir, "unsafe-reader", {}, { extraCells: [cell] }), { sandbox: "none" });
    const found = probe(report, "extra-0");
    assert.equal(found.source, "denied ERR_ACCESS_DENIED");
    assert.equal(found.other, "denied ERR_ACCESS_DENIED");
    assert.equal(found.parentCmdline, "denied ERR_ACCESS_DENIED");
    assert.equal(found.project, "denied ERR_ACCESS_DENIED");
    assert.ok(!found.env.includes(SECRET));
    assert.equal(found.network, "connected", "the permission model does not cover the network: the sandbox does");
    const line = printed(report, "extra-0")
      .split("\n")
      .find((l) => l.startsWith("PROBE2 "))!;
    assert.deepEqual(JSON.parse(line.slice(7)), {
      write: "denied ERR_ACCESS_DENIED",
      spawn: "denied ERR_ACCESS_DENIED",
    });
    assert.equal(report.score, 0);
  },
);
