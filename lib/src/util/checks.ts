/** Argument checks shared by the public API: each throws one Error naming the argument and value. */

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A finite number ≥ 0, as Keras requires of regularization factors. */
export function checkFactor(where: string, name: string, value: unknown): number {
  if (value === undefined) throw new Error(`${where}: ${name} is required`);
  if (typeof value !== "number") {
    throw new Error(`${where}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: ${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
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
