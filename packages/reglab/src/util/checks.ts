/** Argument checks shared by the public API: each throws one Error naming the argument and value. */

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A finite number ≥ 0 (as Keras requires of regularization factors; noise levels, turns…). */
export function checkNonNegative(where: string, name: string, value: unknown): number {
  if (value === undefined) throw new Error(`${where}: ${name} is required`);
  if (typeof value !== "number") {
    throw new Error(`${where}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: ${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** An integer (a seed), or with `min` one at least that large. */
export function checkInteger(where: string, name: string, value: unknown, min?: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || (min !== undefined && value < min)) {
    const what = min === undefined ? "an integer" : `an integer >= ${min}`;
    throw new Error(`${where}: ${name} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

/** Where a fraction may lie: [0, 1), [0, 1] or (0, 1). */
export type FractionRange = "[0, 1)" | "[0, 1]" | "(0, 1)";

/** A number in `range` (a dropout rate, an L1 share, a radius ratio). */
export function checkFraction(where: string, name: string, value: unknown, range: FractionRange): number {
  const inside =
    typeof value === "number" &&
    (range === "(0, 1)" ? value > 0 : value >= 0) &&
    (range === "[0, 1]" ? value <= 1 : value < 1);
  if (!inside) throw new Error(`${where}: ${name} must be a number in ${range}, got ${describe(value)}`);
  return value as number;
}

export function checkPositiveInteger(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new Error(
      `${where}: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`,
    );
  }
  return value as T;
}
