/**
 * The WebAssembly text of reglab's matMul kernel (wasm-gemm.ts runs it): the source of the bytes in
 * gemm-binary.ts, which `node scripts/assemble-gemm.mjs` writes from it with wabt (a test checks that
 * they agree). All addresses and strides are in bytes; matrices are float32.
 *
 *   pack(b, sk, sn, bp, K, N, p0, p1)   copies panels p0…p1−1 of B (K×N, element (k, n) at
 *                                       b + k·sk + n·sn) into bp, panel p at bp + p·K·32: K rows of 8
 *                                       columns, zero past column N. sn = 4 is B as stored; sk = 4 is Bᵀ.
 *   gemm(a, si, sk, ap, bp, c, ldc, M, K, p0, p1)
 *                                       C[i][8p…8p+7] = Σk A[i][k]·B[k][…] for panels p0…p1−1, A's
 *                                       element (i, k) at a + i·si + k·sk (si = 4 is Aᵀ as stored); C's
 *                                       row i at c + i·ldc, 8 columns written per panel. ap: K·16 bytes
 *                                       of scratch (each thread its own), where each block of 4 rows
 *                                       of A is packed, k-major, before it meets every panel.
 *   finish(src, lds, dst, M, N, bias, bs, relu)
 *                                       dst (M×N, packed rows) = src (+ the float at bias + n·bs when
 *                                       bias ≠ 0: bs = 4 is one per column, 0 one for all), then
 *                                       max(·, 0) when relu ≠ 0; src may be dst.
 *
 * The kernel is a 4×8 block of f32x4 accumulators (two vectors per row of the block), each A value
 * splatted across a vector: per k, 2 loads of B and 4 of A (from one 16-byte run of the packed rows)
 * for 8 vector multiply-adds. In the last block, rows past M read row M − 1 again and store nothing.
 * Each C element is summed by one thread in the order k = 0…K−1, so results do not depend on how
 * panels are shared between threads. mul + add, not relaxed SIMD's fused multiply-add: the same
 * results on every Node, and an earlier probe measured the fused form inside mul + add's spread.
 */

const ROWS = [0, 1, 2, 3];
const get = (name: string) => `(local.get $${name})`;
const add = (x: string, y: string) => `(i32.add ${x} ${y})`;
const mul = (x: string, y: string) => `(i32.mul ${x} ${y})`;
const count = (name: string, by = "(i32.const 1)") => `(local.set $${name} ${add(get(name), by)})`;

/** `(loop …)` over `i` from its current value while `i < end`, with `body`. */
const loopWhile = (label: string, i: string, end: string, body: string) =>
  `(block $${label}_end (loop $${label} (br_if $${label}_end (i32.ge_u ${get(i)} ${end}))
    ${body}
    (br $${label})))`;

const PACK = `(func (export "pack") (param $b i32) (param $sk i32) (param $sn i32) (param $bp i32) (param $K i32) (param $N i32) (param $p0 i32) (param $p1 i32)
  (local $p i32) (local $k i32) (local $j i32) (local $src i32) (local $dst i32) (local $col i32)
  (local.set $p ${get("p0")})
  ${loopWhile(
    "panel",
    "p",
    get("p1"),
    `(local.set $dst ${add(get("bp"), mul(get("p"), "(i32.shl (local.get $K) (i32.const 5))"))})
    (local.set $col (i32.shl ${get("p")} (i32.const 3)))
    (local.set $src ${add(get("b"), mul(get("col"), get("sn")))})
    (local.set $k (i32.const 0))
    (if (i32.and (i32.eq ${get("sn")} (i32.const 4)) (i32.le_u ${add(get("col"), "(i32.const 8)")} ${get("N")}))
      (then ${loopWhile(
        "rows",
        "k",
        get("K"),
        `(v128.store ${get("dst")} (v128.load ${get("src")}))
        (v128.store offset=16 ${get("dst")} (v128.load offset=16 ${get("src")}))
        ${count("dst", "(i32.const 32)")} ${count("src", get("sk"))} ${count("k")}`,
      )})
      (else ${loopWhile(
        "strided",
        "k",
        get("K"),
        `(local.set $j (i32.const 0))
        ${loopWhile(
          "column",
          "j",
          "(i32.const 8)",
          `(f32.store ${get("dst")}
            (if (result f32) (i32.lt_u ${add(get("col"), get("j"))} ${get("N")})
              (then (f32.load ${add(get("src"), mul(get("j"), get("sn")))}))
              (else (f32.const 0))))
          ${count("dst", "(i32.const 4)")} ${count("j")}`,
        )}
        ${count("src", get("sk"))} ${count("k")}`,
      )}))
    ${count("p")}`,
  )})`;

function gemmFunction(): string {
  const acc = (r: number, v: number) => `c${r}${v}`;
  const accumulators = ROWS.flatMap((r) => [acc(r, 0), acc(r, 1)]);
  const madd = (b: string, c: string) =>
    `(local.set $${c} (f32x4.add (f32x4.mul (local.get $s) (local.get $${b})) (local.get $${c})))`;
  // Row i + r of the block, or row M − 1 past the end (read again, never stored).
  const rowStart = (r: number) =>
    `(local.set $a${r} ${add(get("a"), mul(`(select ${add(get("i"), `(i32.const ${r})`)} ${get("last")} (i32.lt_u ${add(get("i"), `(i32.const ${r})`)} ${get("M")}))`, get("si")))})`;
  const packRow = (r: number) =>
    `(f32.store offset=${4 * r} ${get("q")} (f32.load ${get(`a${r}`)})) ${count(`a${r}`, get("sk"))}`;
  const step = ROWS.map(
    (r) => `(local.set $s (v128.load32_splat offset=${4 * r} ${get("q")}))
        ${madd("b0", acc(r, 0))} ${madd("b1", acc(r, 1))}`,
  ).join("\n        ");
  const store = (r: number) =>
    `(if (i32.lt_u ${add(get("i"), `(i32.const ${r})`)} ${get("M")}) (then
        (local.set $out ${add(get("c"), add(mul(add(get("i"), `(i32.const ${r})`), get("ldc")), "(i32.shl (local.get $p) (i32.const 5))"))})
        (v128.store ${get("out")} (local.get $${acc(r, 0)})) (v128.store offset=16 ${get("out")} (local.get $${acc(r, 1)}))))`;
  return `(func (export "gemm") (param $a i32) (param $si i32) (param $sk i32) (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $M i32) (param $K i32) (param $p0 i32) (param $p1 i32)
  (local $i i32) (local $p i32) (local $k i32) (local $out i32) (local $b i32) (local $q i32) (local $last i32)
  ${ROWS.map((r) => `(local $a${r} i32)`).join(" ")}
  ${accumulators.map((name) => `(local $${name} v128)`).join(" ")} (local $b0 v128) (local $b1 v128) (local $s v128)
  (local.set $last (i32.sub ${get("M")} (i32.const 1)))
  ${loopWhile(
    "rows",
    "i",
    get("M"),
    `${ROWS.map(rowStart).join(" ")}
    (local.set $q ${get("ap")}) (local.set $k (i32.const 0))
    ${loopWhile("pack", "k", get("K"), `${ROWS.map(packRow).join(" ")} ${count("q", "(i32.const 16)")} ${count("k")}`)}
    (local.set $p ${get("p0")})
    ${loopWhile(
      "panel",
      "p",
      get("p1"),
      `${accumulators.map((name) => `(local.set $${name} (v128.const i32x4 0 0 0 0))`).join(" ")}
      (local.set $q ${get("ap")})
      (local.set $b ${add(get("bp"), mul(get("p"), "(i32.shl (local.get $K) (i32.const 5))"))})
      (local.set $k ${get("K")})
      (block $inner_end (loop $inner (br_if $inner_end (i32.eqz ${get("k")}))
        (local.set $b0 (v128.load ${get("b")})) (local.set $b1 (v128.load offset=16 ${get("b")}))
        ${step}
        ${count("b", "(i32.const 32)")} ${count("q", "(i32.const 16)")} (local.set $k (i32.sub ${get("k")} (i32.const 1))) (br $inner)))
      ${ROWS.map(store).join("\n      ")}
      ${count("p")}`,
    )}
    ${count("i", "(i32.const 4)")}`,
  )})`;
}

const FINISH = `(func (export "finish") (param $src i32) (param $lds i32) (param $dst i32) (param $M i32) (param $N i32) (param $bias i32) (param $bs i32) (param $relu i32)
  (local $i i32) (local $j i32) (local $from i32) (local $v f32)
  ${loopWhile(
    "rows",
    "i",
    get("M"),
    `(local.set $from ${add(get("src"), mul(get("i"), get("lds")))})
    (local.set $j (i32.const 0))
    ${loopWhile(
      "column",
      "j",
      get("N"),
      `(local.set $v (f32.load ${add(get("from"), "(i32.shl (local.get $j) (i32.const 2))")}))
      (if ${get("bias")} (then (local.set $v (f32.add ${get("v")} (f32.load ${add(get("bias"), mul(get("j"), get("bs")))})))))
      (if ${get("relu")} (then (local.set $v (f32.max ${get("v")} (f32.const 0)))))
      (f32.store ${get("dst")} ${get("v")})
      ${count("dst", "(i32.const 4)")} ${count("j")}`,
    )}
    ${count("i")}`,
  )})`;

/**
 * The module's text. `shared`: it imports a shared memory (tfjs-backend-wasm's threaded build, whose
 * memory its workers share too), else a plain one (the single-threaded build's).
 */
export function gemmModuleText(shared: boolean): string {
  const memory = shared ? "(memory 1 65536 shared)" : "(memory 1)";
  return `(module
(import "env" "memory" ${memory})
${PACK}
${gemmFunction()}
${FINISH}
)`;
}
