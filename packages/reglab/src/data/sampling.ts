/**
 * Which rows of a data set to keep: the first n, or a seeded sample with every class in proportion;
 * optionally from what another such sample leaves (a validation slice beside a training sample).
 */
import { checkInteger, checkPositiveInteger } from "../util/checks";
import { mulberry32, shuffleInPlace } from "../util/random";

export type SampleMode = "first" | "stratified";

export interface LimitOptions {
  /** Keep this many rows (default: all). */
  limit?: number;
  /** "first" (default) takes the first `limit` rows; "stratified" keeps class proportions. */
  sample?: SampleMode;
  /** Seed of the stratified sample (default 0). */
  seed?: number;
  /**
   * Leave out the rows that the same options with `limit: skip` keep, then choose from the rest
   * (default 0): `{ limit: 1000 }` and `{ limit: 500, skip: 1000 }` of one split are disjoint, a
   * training sample and a validation slice carved from the same split.
   */
  skip?: number;
}

/**
 * Row indices to keep, in increasing order: `chooseRows` over the rows that a sample of `skip` rows
 * (same mode and seed) does not take.
 */
export function selectRows(labels: Int32Array, classes: number, options: LimitOptions, where: string): Int32Array {
  const skip = checkInteger(where, "skip", options.skip ?? 0, 0);
  if (skip === 0) return chooseRows(labels, classes, options, where);
  const taken = new Set(chooseRows(labels, classes, { ...options, limit: skip }, where));
  const rest = Int32Array.from({ length: labels.length }, (_, i) => i).filter((i) => !taken.has(i));
  if (rest.length === 0)
    throw new Error(`${where}: skip leaves no rows: the split has ${labels.length}. Received: skip=${skip}`);
  return chooseRows(
    rest.map((i) => labels[i]),
    classes,
    options,
    where,
  ).map((i) => rest[i]);
}

/**
 * Row indices to keep, in increasing order. Stratified: each class gets its share of `limit`
 * (largest remainders first, so the total is exact), chosen by a seeded shuffle within the class.
 */
function chooseRows(labels: Int32Array, classes: number, options: LimitOptions, where: string): Int32Array {
  const total = labels.length;
  if (options.limit === undefined) return Int32Array.from({ length: total }, (_, i) => i);
  const limit = Math.min(checkPositiveInteger(where, "limit", options.limit), total);
  const mode = options.sample ?? "first";
  if (mode === "first") return Int32Array.from({ length: limit }, (_, i) => i);
  if (mode !== "stratified")
    throw new Error(`${where}: sample must be "first" or "stratified", got ${JSON.stringify(mode)}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, i) => byClass[label].push(i));
  const quotas = byClass.map((rows) => (limit * rows.length) / total);
  const counts = quotas.map(Math.floor);
  const order = quotas.map((q, c) => [q - Math.floor(q), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0, missing = limit - counts.reduce((a, b) => a + b, 0); k < missing; k++) counts[order[k][1]]++;
  const random = mulberry32(options.seed ?? 0);
  const chosen: number[] = [];
  byClass.forEach((rows, c) => {
    const shuffled = shuffleInPlace(Int32Array.from(rows), random);
    for (let k = 0; k < counts[c]; k++) chosen.push(shuffled[k]);
  });
  return Int32Array.from(chosen.sort((a, b) => a - b));
}
