/**
 * `npm run bench:gemm`: how fast a hand-written wasm GEMM is beside tfjs-backend-wasm's matMul
 * (XNNPACK) on the course MLP's matMul shapes, one thread each — the measurement behind the README's
 * "Where the wasm step goes" next step. The kernel is a 4×8 register block of f32x4 accumulators over
 * B packed into K×8 panels (packing is timed too), in two forms: mul + add, and relaxed SIMD's fused
 * multiply-add (f32x4.relaxed_madd; Node 22 and later). Every contender runs in its own process and
 * the contenders alternate over ROUNDS rounds; each shape's median and spread (lowest–highest round)
 * in GFLOP/s. A probe, not reglab's matMul: shapes are multiples of 4×8, no bias or activation.
 */
import { spawnSync } from "node:child_process";
import wabtModule from "wabt";
import { median, spread } from "./rounds";

const SHAPES: Array<[m: number, k: number, n: number]> = [
  [256, 3072, 512], // forward, first layer (batch 256)
  [256, 512, 256],
  [3072, 256, 512], // dW = Xᵀ·dY of the first layer
  [256, 512, 3072], // dX = dY·Wᵀ of the first layer
];
const ROUNDS = Number(process.env.REGLAB_BENCH_ROUNDS ?? 3);
const REPEATS = 7;

/** The module's text: pack(b, bp, K, N) and gemm(a, bp, c, M, N, K), row-major float32. */
function moduleText(fused: boolean): string {
  const accumulators = [0, 1, 2, 3].flatMap((r) => [0, 1].map((v) => `$c${r}${v}`));
  const madd = (b: string, c: string) =>
    fused
      ? `(local.set ${c} (f32x4.relaxed_madd (local.get $s) (local.get ${b}) (local.get ${c})))`
      : `(local.set ${c} (f32x4.add (f32x4.mul (local.get $s) (local.get ${b})) (local.get ${c})))`;
  const step = [0, 1, 2, 3]
    .map(
      (r) => `(local.set $s (v128.load32_splat (local.get $a${r})))
        ${madd("$b0", `$c${r}0`)} ${madd("$b1", `$c${r}1`)}
        (local.set $a${r} (i32.add (local.get $a${r}) (i32.const 4)))`,
    )
    .join("\n");
  const stores = [0, 1, 2, 3]
    .map(
      (r) => `(local.set $out (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i)
        (i32.const ${r})) (local.get $N)) (local.get $p)) (i32.const 2))))
        (v128.store (local.get $out) (local.get $c${r}0)) (v128.store offset=16 (local.get $out) (local.get $c${r}1))`,
    )
    .join("\n");
  const row = (r: number) =>
    `(local.set $a${r} (i32.add (local.get $a${r - 1}) (i32.shl (local.get $K) (i32.const 2))))`;
  return `(module
  (import "env" "memory" (memory 1 65536))
  (func (export "pack") (param $b i32) (param $bp i32) (param $K i32) (param $N i32)
    (local $p i32) (local $k i32) (local $src i32)
    (block $done (loop $panel (br_if $done (i32.ge_u (local.get $p) (local.get $N)))
      (local.set $k (i32.const 0))
      (local.set $src (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2))))
      (block $rows (loop $row (br_if $rows (i32.ge_u (local.get $k) (local.get $K)))
        (v128.store (local.get $bp) (v128.load (local.get $src)))
        (v128.store offset=16 (local.get $bp) (v128.load offset=16 (local.get $src)))
        (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
        (local.set $src (i32.add (local.get $src) (i32.shl (local.get $N) (i32.const 2))))
        (local.set $k (i32.add (local.get $k) (i32.const 1))) (br $row)))
      (local.set $p (i32.add (local.get $p) (i32.const 8))) (br $panel))))
  (func (export "gemm") (param $a i32) (param $bp i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (local $i i32) (local $p i32) (local $k i32) (local $out i32) (local $b i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    ${accumulators.map((a) => `(local ${a} v128)`).join(" ")} (local $b0 v128) (local $b1 v128) (local $s v128)
    (block $done (loop $rows (br_if $done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $p (i32.const 0))
      (block $panels (loop $panel (br_if $panels (i32.ge_u (local.get $p) (local.get $N)))
        ${accumulators.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join(" ")}
        (local.set $a0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
        ${row(1)} ${row(2)} ${row(3)}
        (local.set $b (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $p) (local.get $K)) (i32.const 2))))
        (local.set $k (local.get $K))
        (block $inner (loop $kloop (br_if $inner (i32.eqz (local.get $k)))
          (local.set $b0 (v128.load (local.get $b))) (local.set $b1 (v128.load offset=16 (local.get $b)))
          ${step}
          (local.set $b (i32.add (local.get $b) (i32.const 32)))
          (local.set $k (i32.sub (local.get $k) (i32.const 1))) (br $kloop)))
        ${stores}
        (local.set $p (i32.add (local.get $p) (i32.const 8))) (br $panel)))
      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $rows))))
)`;
}

/** Median milliseconds of REPEATS runs of `run`, after one warm-up. */
function medianMs(run: () => void): number {
  run();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/** GFLOP/s per shape of the hand-written kernel; its results checked against float64 sums. */
async function probeKernel(fused: boolean): Promise<number[]> {
  const wabt = await wabtModule();
  const binary = wabt.parseWat("gemm.wat", moduleText(fused), { simd: true, relaxed_simd: true }).toBinary({});
  const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536 });
  const { instance } = await WebAssembly.instantiate(binary.buffer, { env: { memory } });
  const kernel = instance.exports as Record<"pack" | "gemm", (...args: number[]) => void>;
  const heap = new Float32Array(memory.buffer);
  return SHAPES.map(([m, k, n]) => {
    const [a, b] = [0, m * k * 4];
    const [packed, c] = [b + k * n * 4, b + 2 * k * n * 4];
    for (let i = 0; i < m * k; i++) heap[a / 4 + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) heap[b / 4 + i] = Math.cos(i);
    const ms = medianMs(() => {
      kernel.pack(b, packed, k, n);
      kernel.gemm(a, packed, c, m, n, k);
    });
    for (const [i, j] of [
      [0, 0],
      [m - 1, n - 1],
      [7, 13],
    ]) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += heap[a / 4 + i * k + t] * heap[b / 4 + t * n + j];
      const error = Math.abs(sum - heap[c / 4 + i * n + j]) / (Math.abs(sum) + 1);
      if (error > 1e-5) throw new Error(`gemm-probe: C[${i}][${j}] is off by ${error} (relative)`);
    }
    return (2 * m * k * n) / ms / 1e6;
  });
}

/** GFLOP/s per shape of tf.matMul on reglab's wasm backend (XNNPACK), REGLAB_THREADS threads. */
async function probeTfjs(): Promise<number[]> {
  const { ready, tf } = await import("reglab");
  await ready({ quiet: true });
  return SHAPES.map(([m, k, n]) => {
    const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
    const ms = medianMs(() => tf.matMul(a, b).dispose());
    tf.dispose([a, b]);
    return (2 * m * k * n) / ms / 1e6;
  });
}

const CONTENDERS = [
  { name: "tfjs-wasm matMul (XNNPACK), 1 thread", mode: "tfjs", threads: "1" },
  { name: "4×8 kernel, mul + add", mode: "mul-add" },
  { name: "4×8 kernel, relaxed_madd", mode: "relaxed" },
  { name: "tfjs-wasm matMul (XNNPACK), 2 threads", mode: "tfjs", threads: "2" },
];

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== undefined) {
    const rates = mode === "tfjs" ? await probeTfjs() : await probeKernel(mode === "relaxed");
    process.stdout.write(JSON.stringify(rates));
    return;
  }
  const rates = CONTENDERS.map(() => [] as number[][]);
  // A contender this Node cannot run (relaxed SIMD before Node 22) is reported with the reason.
  const failed = new Map<number, string>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, contender] of CONTENDERS.entries()) {
      if (failed.has(i)) continue;
      const run = spawnSync(process.execPath, [__filename, contender.mode], {
        encoding: "utf8",
        env: { ...process.env, REGLAB_BACKEND: "wasm", REGLAB_THREADS: contender.threads ?? "1" },
      });
      if (run.status === 0) rates[i].push(JSON.parse(run.stdout) as number[]);
      else failed.set(i, run.stderr.trim().split("\n")[0]);
    }
  }
  console.log(`GFLOP/s on Node ${process.versions.node}, median (lowest–highest) of ${ROUNDS} rounds`);
  for (const [s, [m, k, n]] of SHAPES.entries()) {
    const cells = CONTENDERS.map((contender, i) => {
      if (failed.has(i)) return `${contender.name}: not measured (${failed.get(i)})`;
      const values = rates[i].map((round) => round[s]);
      return `${contender.name}: ${spread(values, 1)}`;
    });
    console.log(`${m}×${k}·${k}×${n}  ${cells.join(" | ")}`);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
