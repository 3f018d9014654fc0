/**
 * Hostile submissions, graded with real sandboxed kernels in one batch of BATCH_SIZE (two at a time) with
 * honest and blank ones between them, as a class would be: each attack class of the threat model —
 * native code leaving the sandbox, reading the grader's files or the tests, outliving the kernel,
 * writing files, forging answers or feedback, filling memory, disk, threads or output, malformed
 * notebooks — must gain nothing, every submission must get a result, later ones must score what
 * they earn, the host's files must stay byte-identical and the grader's memory bounded. What each
 * attack tried is read from what its cell printed. The last tests measure what Node's permission
 * model alone (the fallback without bubblewrap) blocks.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { chromium } from "playwright-core";
import { findChromium } from "reglab/tooling";
import { AnswerRelay } from "#course/grader/answer-relay";
import { gradeAll } from "#course/grader/batch";
import { type GradedSubmission, type GradeOptions, gradeSubmission, MAX_SUBMISSION_CELLS } from "#course/grader/grade";
import { feedbackHtml } from "#course/grader/reports";
import { detectIsolation, MAX_THREADS } from "#course/grader/sandbox";
import { HIDDEN } from "#course/grader/source";
import { Kernel } from "#course/runner/kernel";
import { type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { cellRunInfo } from "#course/runner/run-metadata";
import { readJson, reglab, ROOT, tempDir } from "../runner/helpers";
import {
  CHECK_JS,
  compileEscape,
  homework,
  hostTreeDigest,
  points,
  printed,
  probe,
  SOURCE,
  solved,
  submission,
  type SubmissionOptions,
} from "./helpers";

const isolation = detectIsolation();
const skip = isolation.kind === "none" ? isolation.reason : false;
const dir = tempDir("reglab-hostile-");
const SECRET = `grader-secret-${process.pid}`;
/** The batch: every attack below, then blank and honest submissions up to this many. */
const BATCH_SIZE = 36;

/** Generous per-cell limit: the slowest solution cell (q5-plot) takes 2.5 s on the course machine. */
const options: GradeOptions = { timeoutSeconds: 60, memoryMb: 1024, submissionTimeoutSeconds: 600 };

/**
 * Lines a student's own cells may hold — every non-test cell of the source, solutions included (an
 * honest submission holds them; q3's answer trains the model q3's test also names): not test code.
 */
const STUDENT_LINES = new Set(
  homework.notebook.cells
    .filter((cell) => cell.cell_type === "code" && !(cell.metadata.reglab as { grade?: unknown } | undefined)?.grade)
    .flatMap((cell) => joinSource(cell.source).split("\n"))
    .map((line) => line.trim()),
);
/** Lines of the test cells (visible and hidden) long enough to be unmistakable. */
const TEST_LINES = homework.tests.flatMap((t) =>
  t.source
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length >= 24 && line !== HIDDEN.begin && line !== HIDDEN.end && !STUDENT_LINES.has(line)),
);
/** Expected values that appear nowhere but in the hidden tests' code. */
const HIDDEN_MARKERS = ["a synthetic table (made up", "BEGIN HIDDEN TESTS", '"overfit": "L2 1e-12"'];

let server: Server;
let port = 0;
let connections = 0;
const hostSocket = join(dir, "host.sock");
let socketConnections = 0;
let socketServer: Server;

/** The submissions of the batch, by name, and what grading each produced. */
const files: Record<string, string> = {};
const graded = new Map<string, GradedSubmission>();
/** What each kernel was sent: code for every execute request. */
const sent = new Map<Kernel, string[]>();
/** What the checkers asked of the students' kernels. */
const requests: unknown[] = [];
let batchBefore = "";
let batchAfter = "";
let peakRss = 0;

const add = (name: string, answers: Record<string, string>, extra: SubmissionOptions = {}) =>
  (files[name] = submission(dir, name, answers, extra));

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

/** Searches every file the kernel can read for the hidden tests' code and expected values. */
const searchProbe = `
import * as fs from "node:fs";
import * as path from "node:path";
{
  const needles = ${JSON.stringify([...HIDDEN_MARKERS, ...TEST_LINES.slice(0, 40)])};
  const hits: string[] = [];
  let files = 0;
  const walk = (dir: string) => {
    let names: string[] = [];
    try { names = fs.readdirSync(dir); } catch { return; }
    for (const name of names) {
      const p = path.join(dir, name);
      if (["/proc", "/sys", "/dev"].includes(p)) continue;
      let stat; try { stat = fs.lstatSync(p); } catch { continue; }
      if (stat.isDirectory()) walk(p);
      else if (stat.isFile() && stat.size < 4_000_000) {
        files++;
        let text = ""; try { text = fs.readFileSync(p, "utf8"); } catch { continue; }
        for (const needle of needles) if (text.includes(needle)) hits.push(p + ": " + needle);
      }
    }
  };
  for (const root of ${JSON.stringify([ROOT, "/sandbox", "/tmp", "/etc"])}) walk(root);
  const own = ["/proc/self/cmdline", "/proc/self/environ"].map((p) => { try { return fs.readFileSync(p, "utf8"); } catch { return ""; } }).join("");
  for (const needle of needles) if (own.includes(needle)) hits.push("own process: " + needle);
  console.log("PROBE " + JSON.stringify({ files: String(files), hits: hits.join(" | ") }));
}
`;

/**
 * q1's function, inspecting what called it: the stack, the caller, the arguments, the globals. It
 * reports the frames' names and how many test lines it found (the student's feedback is one short line).
 */
const introspectingQ1 = `function penalties(w: tf.Tensor, l1Factor: number, l2Factor: number): { l1: number; l2: number; l1l2: number } {
  const needles = ${JSON.stringify([...HIDDEN_MARKERS, ...TEST_LINES])};
  let caller = "";
  try { caller = String((penalties as unknown as { caller: unknown }).caller); } catch (e) { caller = String(e); }
  const stack = new Error("where").stack ?? "";
  const everything = [stack, caller, JSON.stringify([l1Factor, l2Factor]), Object.keys(globalThis).join(",")].join("\\n");
  const frames = stack.split("\\n").slice(1, 4).map((line) => line.trim().split(" ")[1]).join(",");
  throw new Error("PROBE " + JSON.stringify({ frames, revealed: needles.filter((n) => everything.includes(n)).length }));
}`;

/** q3 on a table computed under re-registered tfjs kernels (ReLU computed as |x|), the settings right. */
const forgedQ3 = [
  "for (const backend of ['wasm', 'cpu', 'tensorflow']) {",
  "  const abs = tf.getKernel('Abs', backend);",
  "  if (!abs) continue;",
  "  tf.unregisterKernel('Relu', backend);",
  "  tf.registerKernel({ kernelName: 'Relu', backendName: backend, kernelFunc: abs.kernelFunc });",
  "}",
  solved["q3-answer"],
].join("\n");

/** q2 returning an object shaped like a model, with a made-up config. */
const duckQ2 = `function buildCourseModel(regularizer: Regularizer): tf.Sequential {
  const layer = (name: string, units: number, activation: string, reg: unknown) => ({ name, getClassName: () => "Dense", getConfig: () => ({ units, activation, kernelRegularizer: reg }), getWeights: () => [] });
  const given = { className: regularizer.getClassName(), config: regularizer.getConfig() };
  return { layers: [layer("hidden_layer1", 512, "relu", given), layer("hidden_layer2", 256, "relu", given), layer("hidden_layer3", 128, "relu", given), layer("output", 10, "softmax", null)], inputs: [{ shape: [null, 784] }], countParams: () => 567434 } as unknown as tf.Sequential;
}`;

/** A tslab module cell named like grading's own, answering every request with a forged value. */
const shadowModule = `/** @module reglab/grading */
export async function respond(file: string): Promise<void> {
  const { display } = require("tslab");
  display.raw("application/vnd.reglab.answer+json", JSON.stringify({ status: "ok", value: { $: "object", fields: { l1: 5, l2: 3, l1l2: 8 } } }));
}`;

/** Swaps the kernel's own sockets for links to a socket on the host, then waits. */
const socketSwap = `
import * as fs from "node:fs";
{
  const dir = "/sandbox/run";
  const swapped: string[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith("k:"))) {
    try { fs.unlinkSync(dir + "/" + name); fs.symlinkSync(${JSON.stringify(hostSocket)}, dir + "/" + name); swapped.push(name); } catch (e) { swapped.push(name + " " + (e as NodeJS.ErrnoException).code); }
  }
  console.log("PROBE " + JSON.stringify({ swapped: swapped.join(",") }));
}`;

const fill = (where: string) => `
import * as fs from "node:fs";
{
  let mb = 0; let error = "none";
  const chunk = Buffer.alloc(8 << 20, 7); // one buffer, written again and again: the disk fills, not the memory
  try { for (;;) { fs.appendFileSync(${JSON.stringify(where)}, chunk); mb += 8; } } catch (e) { error = (e as NodeJS.ErrnoException).code ?? String(e); }
  console.log("PROBE " + JSON.stringify({ mb: String(mb), error }));
}`;

const threadFlood = `
import { Worker } from "node:worker_threads";
{
  let started = 0; let error = "none";
  try { for (let i = 0; i < 2000; i++) { const w = new Worker("setInterval(() => {}, 1000)", { eval: true }); w.on("error", () => {}); started++; } } catch (e) { error = (e as NodeJS.ErrnoException).code ?? String(e); }
  await new Promise((r) => setTimeout(r, 1000));
  console.log("PROBE " + JSON.stringify({ started: String(started), error }));
}`;

const hugeOutput = `{ const line = "x".repeat(1 << 20) + "\\n"; for (let i = 0; i < 120; i++) process.stdout.write(line); }`;

const heapHog = "const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1));";

const RTL = "\u202E21 / 21 erocS\u202C";

before(async () => {
  if (skip) return;
  process.env.REGLAB_HOSTILE_SECRET = SECRET; // in the grader's environment, never the kernel's
  server = createServer((socket) => {
    connections++;
    socket.end();
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  port = (server.address() as { port: number }).port;
  socketServer = createServer((socket) => {
    socketConnections++;
    socket.destroy();
  });
  await new Promise<void>((listening) => socketServer.listen(hostSocket, listening));

  const other = add("other-student", solved);
  const blank = (name: string) => add(name, {});
  const honest = (name: string) => add(name, solved);
  if (!compileEscape.unavailable) {
    const library = compileEscape("library").toString("base64");
    add(
      "native",
      {},
      {
        extraCells: [
          `import * as fs from "node:fs";
{
  fs.writeFileSync("escape.so", Buffer.from(${JSON.stringify(library)}, "base64"));
  // The library's constructor runs as it loads; Node then refuses it (it registers no module).
  try { process.dlopen({ exports: {} } as never, fs.realpathSync("escape.so")); } catch {}
  console.log("PROBE " + fs.readFileSync("attack.json", "utf8").trim());
}`,
        ],
      },
    );
  }
  blank("after-native-blank");
  honest("after-native-honest");
  add("reader", {}, { extraCells: [readProbe(other)] });
  add("searcher", {}, { extraCells: [searchProbe] });
  const kerasFactor = solved["q1-answer"].slice(solved["q1-answer"].indexOf("function kerasFactor"));
  add("introspector", { ...solved, "q1-answer": `${introspectingQ1}\n${kerasFactor}` });
  add("forged-q3", { ...solved, "q3-answer": forgedQ3 });
  add("duck-q2", { ...solved, "q2-answer": duckQ2 });
  add("shadow", {}, { extraCells: [shadowModule] });
  add(
    "outlive",
    {},
    {
      extraCells: [
        `import * as cp from "node:child_process";
import { Worker } from "node:worker_threads";
{
  const attempt = (f: () => unknown) => { try { f(); return "started"; } catch (e) { return "denied " + ((e as NodeJS.ErrnoException).code ?? (e as Error).message); } };
  const found = {
    detached: attempt(() => cp.spawn("/bin/sh", ["-c", "exec -a reglab-outlive-${process.pid} sleep 30"], { detached: true, stdio: "ignore" }).unref()),
    execSync: attempt(() => cp.execSync("true")),
    binding: attempt(() => (process as unknown as { binding(name: string): unknown }).binding("spawn_sync")),
    worker: attempt(() => new Worker("setInterval(() => {}, 1000)", { eval: true })),
  };
  console.log("PROBE " + JSON.stringify(found));
}`,
      ],
    },
  );
  add(
    "writer",
    {},
    {
      extraCells: [
        `import * as fs from "node:fs";
{
  const attempt = (f: () => unknown) => { try { f(); return "written"; } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  const targets: Record<string, string> = ${JSON.stringify({ library: CHECK_JS, source: SOURCE, other, project: join(ROOT, "pwned.txt") })};
  const found: Record<string, string> = {};
  for (const [name, path] of Object.entries(targets)) found[name] = attempt(() => fs.writeFileSync(path, "pwned"));
  found.own = attempt(() => fs.writeFileSync("notes.txt", "mine"));
  console.log("PROBE " + JSON.stringify(found));
}`,
      ],
    },
  );
  add("socket-swap", solved, { extraCells: [socketSwap], after: "q5-answer" });
  add("fill-work", solved, { extraCells: [fill("big.bin")], after: "setup" });
  add("fill-tmp", solved, { extraCells: [fill("/tmp/big.bin")], after: "setup" });
  add("threads", {}, { extraCells: [threadFlood] });
  add("huge-output", { "q1-answer": solved["q1-answer"] }, { extraCells: [hugeOutput] });
  add("heap", {}, { extraCells: [heapHog] });
  add("exits", { "q4-answer": solved["q4-answer"] }, { extraCells: ["process.exit(3);"], after: "q4-answer" });
  add("odd-numbers", {
    "q1-answer":
      "function penalties(w: tf.Tensor, a: number, b: number) { return { l1: NaN, l2: -0, l1l2: Infinity }; }",
  });
  add(
    "rtl",
    {},
    {
      markdown: [`Done ${RTL}`],
      extraCells: [`throw new Error(${JSON.stringify(RTL)});`],
    },
  );
  add(
    "forger",
    {},
    {
      markdown: [`# Done <script>window.pwned = 1</script>`],
      extraCells: [
        `import * as tslab from "tslab";\ntslab.display.html("<script>window.pwned = 1; document.querySelector('.verdict').textContent = 'Score 12 / 12';</script><img src=x onerror='window.pwned = 2'>");\nsetInterval(() => { try { tslab.display.raw("application/vnd.reglab.score+json", JSON.stringify({ points: 3 })); } catch {} }, 5);`,
      ],
    },
  );
  files["not-json"] = join(dir, "not-json.ipynb");
  writeFileSync(files["not-json"], "this is not JSON");
  files["many-cells"] = submission(dir, "many-cells", {}, { extraCells: Array(MAX_SUBMISSION_CELLS).fill("1") });
  files.deep = join(dir, "deep.ipynb");
  const deep = JSON.parse(readFileSync(files["many-cells"], "utf8"));
  deep.cells = deep.cells.slice(0, 30);
  // Built as text: JSON.stringify itself overflows the stack on 50,000 levels.
  const nest = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
  writeFileSync(files.deep, JSON.stringify(deep).replace(/^\{/, `{"nest":${nest},`));
  // Blank and honest submissions after the attacks, up to BATCH_SIZE.
  for (let i = 0; Object.keys(files).length < BATCH_SIZE; i++) (i % 4 === 3 ? honest : blank)(`plain-${i}`);

  // What every student's kernel was sent, and what every checker asked: recorded as the grader works.
  const execute = Kernel.prototype.execute;
  Kernel.prototype.execute = function (this: Kernel, code, opts) {
    sent.set(this, [...(sent.get(this) ?? []), code]);
    return execute.call(this, code, opts);
  };
  const answer = (AnswerRelay.prototype as unknown as { answer: (r: unknown) => Promise<unknown> }).answer;
  (AnswerRelay.prototype as unknown as { answer: (r: unknown) => Promise<unknown> }).answer = function (request) {
    requests.push(request);
    return answer.call(this, request);
  };
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  batchBefore = hostTreeDigest();
  try {
    const names = Object.keys(files);
    await gradeAll(
      names.map((name) => files[name]),
      homework,
      { ...options, jobs: 2, onGraded: (g, index) => graded.set(names[index], g) },
    );
  } finally {
    clearInterval(sampler);
    Kernel.prototype.execute = execute;
    (AnswerRelay.prototype as unknown as { answer: unknown }).answer = answer;
  }
  batchAfter = hostTreeDigest();
});

after(() => {
  delete process.env.REGLAB_HOSTILE_SECRET;
  server?.close();
  socketServer?.close();
});

const report = (name: string) => graded.get(name)!.report;

test(
  `every one of ${BATCH_SIZE} submissions has a result; grading worked for all; the grader's memory stayed bounded`,
  { skip },
  (t) => {
    t.diagnostic(
      `the grader's process: peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB over the batch of ${BATCH_SIZE}`,
    );
    assert.equal(graded.size, BATCH_SIZE);
    for (const [name, g] of graded) {
      assert.ok(["graded", "invalid"].includes(g.report.status), `${name}: ${g.report.status} ${g.report.error ?? ""}`);
      assert.equal(g.report.tests.length, 5, name);
    }
    for (const name of Object.keys(files).filter((n) => n.startsWith("plain-"))) {
      const expected = Number(name.slice(6)) % 4 === 3 ? 12 : 0;
      assert.equal(report(name).score, expected, `${name}: an honest or blank submission among the attacks`);
    }
    assert.ok(peakRss < 1024 * 1024 * 1024, `the grader's process peaked at ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  },
);

test(
  "native code cannot change the project: remount, mount, writes fail; the batch after it scores what it earns",
  { skip: skip || compileEscape.unavailable },
  () => {
    const found = probe(graded.get("native")!, "extra-0");
    for (const name of ["remount", "mountOver", "openTree", "unshare", "remountInNewNamespace", "chroot"])
      assert.equal(found[name], "EPERM", name);
    for (const name of ["write", "writeAfter", "chmod"]) assert.match(found[name], /^(EACCES|EROFS)$/, name);
    assert.equal(found.inetSocket, "EAFNOSUPPORT");
    assert.equal(
      batchAfter,
      batchBefore,
      "the project's packages/ and node_modules/ are byte-identical after the batch",
    );
    assert.doesNotMatch(readFileSync(CHECK_JS, "utf8"), /pwned/);
    assert.equal(report("native").score, 0);
    assert.equal(report("after-native-blank").score, 0);
    assert.equal(report("after-native-honest").score, 12);
  },
);

test(
  "reading: the source, other submissions, the grader's command line and environment are out of reach",
  { skip },
  () => {
    const found = probe(graded.get("reader")!, "extra-0");
    assert.equal(found.source, "denied ENOENT");
    assert.equal(found.other, "denied ENOENT");
    assert.equal(found.parentCmdline, "denied ENOENT", "the kernel is the first process of its namespace: no parent");
    assert.doesNotMatch(found.cmdlines, /homework\.source|other-student|reglab(\.js)? grade/);
    assert.match(found.cmdlines, /tslab\0kernel\0--config-path\0/, "it sees itself, nothing else");
    assert.ok(!found.env.includes(SECRET), "the grader's environment is not passed on");
    assert.equal(found.project, "node_modules,packages");
    assert.equal(found.home, "denied ENOENT");
    assert.equal(found.cwd, "node_modules,tmp", "its own working folder: the packages' link and its TMPDIR");
    assert.equal(found.network, "denied EAFNOSUPPORT");
    assert.equal(connections, 0);
  },
);

test("answers are data: no test code or expected value ever reaches a student's kernel", { skip }, () => {
  const found = probe(graded.get("searcher")!, "extra-0");
  assert.ok(Number(found.files) > 1000, `the search read ${found.files} files`);
  assert.equal(found.hits, "", "nothing the kernel can read holds the tests");
  // A student's kernel runs its submission's own cells (never the test cells) and answering calls:
  // nothing else. (Some attacks below copy test lines into their own cells; that is theirs to send.)
  const testIds = new Set(homework.tests.map((t) => t.cellId));
  const ownCells = new Set(
    Object.values(files).flatMap((file) => {
      try {
        return (readJson(file) as Notebook).cells
          .filter((cell) => !testIds.has(cell.id))
          .map((cell) => joinSource(cell.source));
      } catch {
        return []; // the invalid ones: never run
      }
    }),
  );
  const answering = /^import \{ respond \} from "reglab\/grading";\nawait respond\("\/[^"\n]+\.json"\);$/;
  let students = 0;
  // Every kernel is a student's: the checker is a plain process that gets no code from the grader but its program.
  for (const [, codes] of sent) {
    students++;
    for (const code of codes)
      assert.ok(ownCells.has(code) || answering.test(code), `a student's kernel was sent: ${code.slice(0, 300)}`);
  }
  assert.ok(students >= BATCH_SIZE - 6, `${students} students' kernels were watched`);
  assert.ok(requests.length > 100, `${requests.length} requests`);
  for (const request of requests) {
    const text = JSON.stringify(request);
    for (const marker of HIDDEN_MARKERS) assert.ok(!text.includes(marker), `a request carried ${marker}`);
    assert.deepEqual(
      Object.keys(request as object).filter((k) => !["op", "name", "args", "cellId"].includes(k)),
      [],
    );
  }
  // A student's function that looks at its caller sees the answering call, not the test.
  const message = report("introspector").tests[0].message;
  const seen = JSON.parse(/PROBE (\{.*\})/.exec(message)?.[1] ?? "null") as { frames: string; revealed: number } | null;
  assert.ok(seen, `the probe's report: ${message}`);
  assert.equal(seen.revealed, 0, "test lines or expected values seen from the student's function");
  assert.match(seen.frames, /^penalties,answer,respond$/);
  assert.deepEqual(points(report("introspector")), { q1: 1, q2: 2, q3: 3, q4: 3, q5: 2 }, "q1: kerasFactor only");
});

test(
  "forged answers earn nothing: a table from re-registered tfjs kernels, a duck-typed model, a shadowed answering module",
  { skip },
  () => {
    assert.deepEqual(
      points(report("forged-q3")),
      { q1: 2, q2: 2, q3: 1, q4: 3, q5: 2 },
      "q3: the settings, not the retraining",
    );
    assert.match(report("forged-q3").tests[2].message, /重新訓練的結果不同 \/ differs from retraining it as specified/);
    assert.equal(points(report("duck-q2")).q2, 0, "an object shaped like a model is not a model");
    assert.equal(report("shadow").score, 0);
    assert.equal(report("odd-numbers").tests[0].points, 0);
    assert.match(report("odd-numbers").tests[0].message, /got NaN/, "NaN arrived as NaN and was judged");
  },
);

test(
  "outliving and writing: spawning is refused, nothing is left running; only the kernel's own tmpfs is written",
  { skip },
  () => {
    assert.deepEqual(probe(graded.get("outlive")!, "extra-0"), {
      detached: "denied ERR_ACCESS_DENIED",
      execSync: "denied ERR_ACCESS_DENIED",
      binding: "denied ERR_ACCESS_DENIED",
      worker: "started",
    });
    assert.equal(spawnSync("pgrep", ["-f", `reglab-outlive-${process.pid}`], { encoding: "utf8" }).stdout.trim(), "");
    const found = probe(graded.get("writer")!, "extra-0");
    for (const name of ["library", "source", "other", "project"]) assert.match(found[name], /^denied /, name);
    assert.equal(found.own, "written");
    assert.ok(!existsSync(join(ROOT, "pwned.txt")));
  },
);

test("the kernel's sockets swapped for links to a host socket: the grader never follows them", { skip }, () => {
  assert.match(probe(graded.get("socket-swap")!, "extra-0").swapped, /^k:1/);
  assert.equal(socketConnections, 0, "no connection reached the host's socket");
  assert.equal(report("socket-swap").score, 12, "the grader kept talking to the kernel it started");
});

/**
 * A limit probe's report, or undefined when the kernel died in the probe's cell — which a limit may
 * do: seen in CI-like runs of this batch (2 jobs on 2 cores), never alone at the same limits, the
 * kernel ends with exit code 133 (V8's fatal-error trap: a heap or a thread it could not get) while
 * filling its disk or starting workers. Either way the submission must get its report.
 */
function probeUnlessKilled(t: TestContext, name: string): Record<string, string> | undefined {
  const cell = graded.get(name)!.notebook!.cells.find((c) => c.id === "extra-0") as CodeCell;
  const run = cellRunInfo(cell);
  if (run?.failure !== "dead") return probe(graded.get(name)!, "extra-0");
  const kernel = [...sent].find(([, codes]) => codes.includes(joinSource(cell.source)))?.[0];
  t.diagnostic(
    `${name}: the kernel died in the probe's cell (${run.message}); its stderr: ${kernel?.stderr.slice(-800)}`,
  );
  assert.equal(report(name).status, "graded", name);
  return undefined;
}

test(
  "limits: full disk, full /tmp, thread floods, a heap hog, huge output, a dead kernel — each its own status",
  { skip },
  (t) => {
    const work = probeUnlessKilled(t, "fill-work");
    if (work) {
      assert.equal(work.error, "ENOSPC", "the working folder is a 256 MB tmpfs");
      assert.ok(Number(work.mb) <= 256, `fill-work: ${work.mb} MB`);
      assert.equal(report("fill-work").score, 12, "its tests still ran (runGrid went on without its cache)");
    }
    // /tmp: Node's permission model refuses it, or its 64 MB tmpfs fills (that layer: sandbox.test.ts);
    // either way the submission has its report and the host's /tmp is untouched (hostTreeDigest, above)
    assert.equal(report("fill-tmp").status, "graded", "fill-tmp");
    const threads = probeUnlessKilled(t, "threads");
    if (threads) {
      assert.ok(Number(threads.started) < Math.max(MAX_THREADS, 600), `${threads.started} threads started`);
      assert.notEqual(threads.error, "none");
    }
    assert.equal(report("threads").score, 0);
    assert.equal(report("heap").score, 0);
    assert.equal(report("heap").status, "graded");
    const huge = graded.get("huge-output")!;
    assert.match(printed(huge, "extra-0"), /\[reglab: more than 16 MB of output; the rest was not kept\]/);
    assert.ok(JSON.stringify(huge.notebook).length < 24 * 1024 * 1024, "the feedback notebook stays small");
    assert.equal(report("huge-output").tests[0].points, 2, "q1 is solved and still graded");
    assert.equal(report("exits").score, 0, "a dead kernel never counts as a pass");
    assert.match(report("exits").tests[3].message, /你的核心已停止 your kernel stopped earlier \(exited with code 3\)/);
  },
);

test("slow cells hit the submission's time limit: no test runs, each says why", { skip }, async () => {
  const sleepy = "await new Promise((done) => setTimeout(done, 10_000));";
  const slow = await gradeSubmission(submission(dir, "slow", solved, { extraCells: Array(6).fill(sleepy) }), homework, {
    ...options,
    submissionTimeoutSeconds: 45,
  });
  assert.equal(slow.report.status, "graded");
  assert.equal(slow.report.score, 0, "the solution never got to its tests");
  assert.match(
    slow.report.tests[0].message,
    /^not run: your notebook stopped in cell \d+ \(id extra-\d\): the notebook's time limit of 45 s ran out in this cell$/,
  );
});

test(
  "a pair started ahead that did not start (the submission before it held the cores) is started again, not charged to the next submission",
  { skip },
  async () => {
    let disposed = 0;
    const result = await gradeSubmission(submission(dir, "after-a-failed-start", solved), homework, {
      ...options,
      kernels: async () => ({
        notStarted: 'kernel "reglab" did not answer within 120 s of starting',
        dispose: async () => void disposed++,
      }),
    });
    assert.equal(disposed, 1, "the pair that did not start is ended");
    assert.equal(result.report.status, "graded", result.report.error);
    assert.equal(result.report.score, 12);
  },
);

test("malformed notebooks are invalid, in one line: not JSON, too many cells, nested too deep", { skip }, () => {
  assert.equal(report("not-json").status, "invalid");
  assert.match(report("not-json").error!, /not-json\.ipynb: not a notebook, the file is not valid JSON/);
  assert.match(report("many-cells").error!, /2\d{3} cells, more than a submission may have \(2000\)/);
  assert.match(report("deep").error!, /deep\.ipynb: not a notebook \(nested more than 100 levels deep\)/);
});

test(
  "forged feedback: student HTML runs no script, bidi controls cannot turn text around, scores in the student's kernel count for nothing",
  { skip: skip || (findChromium() ? false : "no Chromium (apt-get install chromium)") },
  async () => {
    assert.equal(report("forger").score, 0, "score reports published in the student's kernel reach no checker");
    const page = join(dir, "forger.html");
    writeFileSync(page, feedbackHtml(graded.get("forger")!));
    const rtl = feedbackHtml(graded.get("rtl")!);
    assert.ok(!rtl.includes("\u202E"), "no right-to-left override reaches the page");
    assert.match(rtl, /\[U\+202E\]21 \/ 21 erocS/);
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

test("without bubblewrap, grading refuses in one line unless --unsafe-no-sandbox is given", { skip }, () => {
  const bin = join(dir, "bin-without-bwrap");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["node", "prlimit", "mkfifo"])
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
  rmSync(bin, { recursive: true, force: true });
});

test(
  "Node's permission model alone (--unsafe-no-sandbox) blocks reads outside the project, all writes outside scratch, and spawning — not the network",
  { skip },
  async () => {
    const json = join(dir, "unsafe.json");
    writeFileSync(json, "{}");
    const cell = `${readProbe(files["other-student"])}
import * as cp from "node:child_process";
{
  const attempt = (f: () => unknown) => { try { f(); return "done"; } catch (e) { return "denied " + (e as NodeJS.ErrnoException).code; } };
  console.log("PROBE2 " + JSON.stringify({ write: attempt(() => fs.writeFileSync(${JSON.stringify(json)}, "x")), spawn: attempt(() => cp.execSync("true")) }));
}`;
    const result = await gradeSubmission(submission(dir, "unsafe-reader", {}, { extraCells: [cell] }), homework, {
      ...options,
      sandbox: "none",
    });
    const found = probe(result, "extra-0");
    assert.equal(found.source, "denied ERR_ACCESS_DENIED");
    assert.equal(found.other, "denied ERR_ACCESS_DENIED");
    assert.equal(found.parentCmdline, "denied ERR_ACCESS_DENIED");
    assert.equal(found.project, "denied ERR_ACCESS_DENIED");
    assert.ok(!found.env.includes(SECRET));
    assert.equal(found.network, "connected", "the permission model does not cover the network: the sandbox does");
    const line = printed(result, "extra-0")
      .split("\n")
      .find((l) => l.startsWith("PROBE2 "))!;
    assert.deepEqual(JSON.parse(line.slice(7)), {
      write: "denied ERR_ACCESS_DENIED",
      spawn: "denied ERR_ACCESS_DENIED",
    });
    assert.equal(result.report.score, 0);
  },
);
