/**
 * `npm run bench -- --profile`: where one training step of the benchmark workload spends its time, on
 * each installed backend (wasm with all threads; tensorflow when @tensorflow/tfjs-node is installed),
 * each in its own process. Two views of the same step:
 *
 * - phases, by wall clock: building the batch, the forward pass, forward + backward, the penalty
 *   alone, the optimizer update, and one whole `train` step for reference;
 * - kernels, from tf.profile: milliseconds per step by kernel and by kind (matMul, elementwise,
 *   reductions, data movement, the rest).
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { COURSE_OPTIMIZER, l2, makeOptimizer, ready, tf } from "reglab";
import { BatchSource } from "#reglab/training/batches";
import { type ForwardSpec, forwardCost } from "#reglab/training/cost";
import { resolveLoss } from "#reglab/training/losses";
import { collectPenalties, penaltiesByKind } from "#reglab/training/penalties";
import { buildCourseModel, randomData, type Tf, WORKLOAD } from "./course-model";

const STEPS = 20;

const KINDS: Array<[kind: string, pattern: RegExp]> = [
  ["matMul", /^(BatchMatMul|_FusedMatMul|MatMul)$/],
  [
    "elementwise",
    /^(Add|AddN|Sub|Multiply|RealDiv|Neg|Square|Sqrt|Relu|ReluGrad|Step|Maximum|Minimum|Exp|Log|Abs|Sign|Cast|Greater|GreaterEqual|Less|Select|ClipByValue|Softmax|OnesLike|ZerosLike|Fill|Pow|Reciprocal)$/,
  ],
  ["reductions", /^(Sum|Max|Mean|Min|ArgMax|Prod)$/],
  ["data movement", /^(Reshape|Transpose|Slice|GatherV2|Concat|Identity|Tile|Pack|Unpack|StridedSlice|BroadcastTo)$/],
];

function kindOf(kernel: string): string {
  return KINDS.find(([, pattern]) => pattern.test(kernel))?.[0] ?? "other";
}

async function timeIt(label: string, run: () => void, rows: Array<[string, number]>): Promise<void> {
  run(); // warm up
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) run();
  rows.push([label, (performance.now() - started) / STEPS]);
}

async function child(): Promise<void> {
  const info = await ready({ quiet: true });
  const model = buildCourseModel(tf as unknown as Tf, l2(WORKLOAD.l2));
  const { x, y } = randomData(tf as unknown as Tf);
  const source = new BatchSource(x);
  const targets = new BatchSource(y);
  const indices = Int32Array.from({ length: WORKLOAD.batchSize }, (_, i) => (i * 7) % WORKLOAD.samples);
  const optimizer = makeOptimizer(COURSE_OPTIMIZER);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const spec: ForwardSpec = {
    model,
    terms: collectPenalties(model),
    loss: resolveLoss("profile", "categoricalCrossentropy").fn,
    accuracy: null,
  };
  const xb = source.rows(indices);
  const yb = targets.rows(indices);
  // train's step: the cost (loss + penalties) and the vector of its parts, read once.
  const step = (): tf.Scalar => {
    const { cost, parts } = forwardCost(spec, xb, yb, true);
    parts.dispose();
    return cost;
  };
  const penalty = () => tf.dispose(Object.values(penaltiesByKind(spec.terms)));

  const phases: Array<[string, number]> = [];
  await timeIt("batch (gather 256 rows)", () => tf.dispose([source.rows(indices), targets.rows(indices)]), phases);
  await timeIt("forward (loss and penalties)", () => tf.tidy(step).dispose(), phases);
  await timeIt("penalty value alone", penalty, phases);
  await timeIt(
    "forward + backward",
    () => {
      const { value, grads } = tf.variableGrads(step, variables);
      tf.dispose([value, ...Object.values(grads)]);
    },
    phases,
  );
  const { value, grads } = tf.variableGrads(step, variables);
  value.dispose();
  await timeIt("optimizer update", () => optimizer.applyGradients(grads), phases);
  await timeIt(
    "whole step (minimize + one read)",
    () => {
      const result = optimizer.minimize(step, true, variables)!;
      result.dataSync();
      result.dispose();
    },
    phases,
  );
  tf.dispose(Object.values(grads));

  const byKernel = new Map<string, number>();
  for (let i = 0; i < STEPS; i++) {
    const profile = await tf.profile(() => {
      const result = optimizer.minimize(step, true, variables)!;
      result.dataSync();
      result.dispose();
    });
    for (const kernel of profile.kernels) {
      byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + (kernel.kernelTimeMs as number) / STEPS);
    }
  }
  const byKind = new Map<string, number>();
  for (const [name, ms] of byKernel) byKind.set(kindOf(name), (byKind.get(kindOf(name)) ?? 0) + ms);
  console.log(
    JSON.stringify({
      backend: `${info.backend}${info.threads === null ? "" : `, ${info.threads} thread${info.threads === 1 ? "" : "s"}`}`,
      phases,
      byKind: [...byKind].sort((a, b) => b[1] - a[1]),
      byKernel: [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12),
    }),
  );
}

function table(rows: Array<[string, number]>, total?: number): string {
  return rows
    .map(
      ([label, ms]) =>
        `  ${label.padEnd(34)} ${ms.toFixed(2).padStart(8)} ms${total ? `  ${((100 * ms) / total).toFixed(0).padStart(3)}%` : ""}`,
    )
    .join("\n");
}

function parent(): void {
  const backends: Array<Record<string, string>> = [
    { REGLAB_BACKEND: "wasm", REGLAB_THREADS: String(Math.min(os.availableParallelism(), 8)) },
  ];
  try {
    require.resolve("@tensorflow/tfjs-node");
    backends.push({ REGLAB_BACKEND: "tensorflow" });
  } catch {
    console.log("(@tensorflow/tfjs-node is not installed: profiling wasm only)");
  }
  console.log(`\nProfile of one training step (batch ${WORKLOAD.batchSize}, mean of ${STEPS} steps):`);
  for (const env of backends) {
    const run = spawnSync(process.execPath, [__filename, "--child"], {
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`profile on ${env.REGLAB_BACKEND} failed: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
    const kernelTotal = (result.byKind as Array<[string, number]>).reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`\n${result.backend} — phases (wall clock):\n${table(result.phases)}`);
    console.log(
      `  kernels by kind (tf.profile, ${kernelTotal.toFixed(1)} ms of kernels per step):\n${table(result.byKind, kernelTotal)}`,
    );
    console.log(`  top kernels:\n${table(result.byKernel, kernelTotal)}`);
  }
}

if (process.argv.includes("--child")) void child();
else parent();
