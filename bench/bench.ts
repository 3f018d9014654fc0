/**
 * `npm run bench`: samples/s of the course's MLP for stock tfjs-wasm `model.fit` and for reglab,
 * each contender in its own process, one after the other in one run, with ratios to stock.
 * A benchmark, not a test: the machine is shared and noisy, so compare within one run.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { type ContenderResult, stepGflop, WORKLOAD } from "./course-model";

interface Contender {
  script: string;
  args: string[];
  env?: Record<string, string>;
}

const CORES = os.availableParallelism();

const CONTENDERS: Contender[] = [
  { script: "stock-fit.js", args: [] },
  { script: "reglab-contender.js", args: ["fit"], env: { REGLAB_THREADS: "1" } },
  { script: "reglab-contender.js", args: ["train"], env: { REGLAB_THREADS: "1" } },
  ...(CORES > 1
    ? [{ script: "reglab-contender.js", args: ["train"], env: { REGLAB_THREADS: String(Math.min(CORES, 8)) } }]
    : []),
];

/**
 * The machine's float32 GEMM rate from a public tool, numpy (OpenBLAS), when a python3 with numpy is
 * on PATH: the ceiling the percentages are taken of. OPENBLAS_CORETYPE/L2_SIZE are unset for this
 * one command (they pin an older, slower kernel on some machines).
 */
function gemmReference(): number | null {
  const script =
    "import numpy as np, time\n" +
    "a = np.random.rand(2048, 2048).astype(np.float32); b = np.random.rand(2048, 2048).astype(np.float32)\n" +
    "a @ b\nbest = 1e9\n" +
    "for _ in range(5):\n    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)\n" +
    "print(2 * 2048 ** 3 / best / 1e9)\n";
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const result = spawnSync("python3", ["-c", script], { env, encoding: "utf8" });
  const value = Number.parseFloat(result.stdout ?? "");
  return result.status === 0 && Number.isFinite(value) ? value : null;
}

function run(contender: Contender): ContenderResult {
  const result = spawnSync(process.execPath, [path.join(__dirname, contender.script), ...contender.args], {
    env: { ...process.env, ...contender.env },
    encoding: "utf8",
  });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !line.startsWith("{")) {
    throw new Error(`bench: ${contender.script} ${contender.args.join(" ")} failed:\n${result.stderr}`);
  }
  return JSON.parse(line) as ContenderResult;
}

function main(): void {
  const widths = [WORKLOAD.features, ...WORKLOAD.hiddenUnits, WORKLOAD.classes].join("-");
  console.log(
    `Course MLP ${widths}, batch ${WORKLOAD.batchSize}, L2 ${WORKLOAD.l2}, SGD momentum; ${WORKLOAD.samples} samples per epoch, median epoch of ≥${WORKLOAD.minSeconds} s per contender.`,
  );
  const results: ContenderResult[] = [];
  for (const contender of CONTENDERS) {
    const result = run(contender);
    results.push(result);
    console.log(`  measured: ${result.name}`);
  }
  const gemm = gemmReference();
  const stock = results[0].samplesPerSecond;
  const gflop = stepGflop() / WORKLOAD.batchSize;
  console.log("");
  console.log("contender                                      backend   samples/s   GFLOP/s  of GEMM   vs stock");
  for (const r of results) {
    const rate = r.samplesPerSecond * gflop;
    const share = gemm ? `${((100 * rate) / gemm).toFixed(1)}%` : "-";
    console.log(
      `${r.name.padEnd(46)} ${r.backend.padEnd(9)} ${r.samplesPerSecond.toFixed(0).padStart(9)}   ${rate.toFixed(1).padStart(7)}  ${share.padStart(7)}   ${(r.samplesPerSecond / stock).toFixed(2).padStart(7)}x`,
    );
  }
  const [single, threaded] = [results[2], results[3]];
  if (threaded)
    console.log(
      `\nthreaded / single-threaded train: ${(threaded.samplesPerSecond / single.samplesPerSecond).toFixed(2)}x`,
    );
  console.log(
    gemm
      ? `float32 GEMM reference (numpy/OpenBLAS 2048², all ${CORES} cores): ${gemm.toFixed(0)} GFLOP/s; one step is ${stepGflop().toFixed(2)} GFLOP.`
      : "float32 GEMM reference: not measured (no python3 with numpy on PATH).",
  );
}

main();
