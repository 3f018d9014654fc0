/** How the benchmarks summarise repeated measurements: the median, and "median (lowest–highest)". */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "median (lowest–highest)" of a contender's rounds. */
export function spread(values: number[], digits: number, unit = ""): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return `${median(values).toFixed(digits)}${unit} (${low.toFixed(digits)}–${high.toFixed(digits)})`;
}
