/**
 * `npm run bench:gemm`: reglab's matMul kernel on wasm (lib backend/wasm-gemm.ts) beside tfjs-backend-wasm's
 * (XNNPACK) on the course MLP's matMul shapes, in the transpose forms training uses, on 1 and 2 threads.
 * tfjs' kernel reaches XNNPACK only untransposed, so its transposed forms are timed as reglab ran them
 * before its own kernel: an explicit transpose, then XNNPACK. Every contender runs in its own process and
 * the contenders alternate over ROUNDS rounds; each shape's median and spread (lowest–highest round) in
 * GFLOP/s.
 */
import { spawnSync } from "node:child_process";
import { median, spread } from "./rounds";

const SHAPES: Array<[m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, what: string]> = [
  [256, 3072, 512, false, false, "forward, first layer"],
  [256, 512, 256, false, false, "forward, second layer"],
  [3072, 256, 512, true, false, "dW = Xᵀ·dY, first layer"],
  [256, 256, 512, false, true, "dX = dY·Wᵀ, second layer"],
];
const ROUNDS = Number(process.env.REGLAB_BENCH_ROUNDS ?? 3);
const REPEATS = 9;

/** GFLOP/s per shape of tf.matMul on the wasm backend, with reglab's kernel or tfjs' own. */
async function probe(kernel: "reglab" | "xnnpack"): Promise<number[]> {
  const { ready, tf, uninstallWasmKernels } = await import("reglab");
  await ready({ quiet: true });
  if (kernel === "xnnpack") uninstallWasmKernels(["matMul"]);
  return SHAPES.map(([m, k, n, transposeA, transposeB]) => {
    const [a, b] = [tf.randomNormal(transposeA ? [k, m] : [m, k]), tf.randomNormal(transposeB ? [n, k] : [k, n])];
    const multiply =
      kernel === "reglab"
        ? () => tf.matMul(a, b, transposeA, transposeB)
        : () => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
    // wasm kernels run synchronously: the product is complete when the call returns (reading it back
    // would time a 6 MB copy out of the heap as well).
    const run = () => tf.tidy(() => void multiply());
    run();
    const times: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const start = process.hrtime.bigint();
      run();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    tf.dispose([a, b]);
    return (2 * m * k * n) / median(times) / 1e6;
  });
}

const CONTENDERS = [
  { name: "tfjs (XNNPACK), 1 thread", kernel: "xnnpack", threads: "1" },
  { name: "reglab, 1 thread", kernel: "reglab", threads: "1" },
  { name: "tfjs (XNNPACK), 2 threads", kernel: "xnnpack", threads: "2" },
  { name: "reglab, 2 threads", kernel: "reglab", threads: "2" },
] as const;

async function main(): Promise<void> {
  const kernel = process.argv[2];
  if (kernel === "reglab" || kernel === "xnnpack") {
    process.stdout.write(JSON.stringify(await probe(kernel)));
    return;
  }
  const rates = CONTENDERS.map(() => [] as number[][]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, contender] of CONTENDERS.entries()) {
      const run = spawnSync(process.execPath, [__filename, contender.kernel], {
        encoding: "utf8",
        env: { ...process.env, REGLAB_BACKEND: "wasm", REGLAB_THREADS: contender.threads },
      });
      if (run.status !== 0) throw new Error(`gemm-probe: ${contender.name} failed: ${run.stderr.trim()}`);
      rates[i].push(JSON.parse(run.stdout) as number[]);
    }
  }
  console.log(
    `GFLOP/s of tf.matMul on wasm, Node ${process.versions.node}, median (lowest–highest) of ${ROUNDS} rounds`,
  );
  for (const [s, [m, k, n, , , what]] of SHAPES.entries()) {
    const cells = CONTENDERS.map(
      (contender, i) =>
        `${contender.name}: ${spread(
          rates[i].map((round) => round[s]),
          1,
        )}`,
    );
    console.log(`${m}×${k}·${k}×${n} (${what})\n  ${cells.join(" | ")}`);
  }
  for (const threads of ["1", "2"]) {
    const [ours, theirs] = (["reglab", "xnnpack"] as const).map((kernel) =>
      CONTENDERS.findIndex((c) => c.kernel === kernel && c.threads === threads),
    );
    const ratios = SHAPES.flatMap((_, s) => rates[ours].map((round, r) => round[s] / rates[theirs][r][s]));
    console.log(
      `reglab / XNNPACK on ${threads} thread${threads === "1" ? "" : "s"}, every shape and round: ${spread(ratios, 2, "x")}`,
    );
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
