/**
 * Experiment settings as plain data: which regularizer (kind, factor, L1 share for l1l2), where it
 * acts (kernels or hidden outputs) and the seed. Plain data can be hashed for the cache and labelled
 * for plots; `regularizerFor` turns it into a reglab regularizer.
 */
import { l1, l1l2, l2 } from "../regularizers/l1l2";
import type { Regularizer } from "../regularizers/regularizer";
import { checkFraction, checkInteger, checkNonNegative, checkOneOf, describe } from "../util/checks";

export const REGULARIZER_KINDS = ["none", "l1", "l2", "l1l2"] as const;
export type RegularizerKind = (typeof REGULARIZER_KINDS)[number];
export const TARGETS = ["kernel", "activity"] as const;
export type RegularizerTarget = (typeof TARGETS)[number];

export interface Setting {
  kind: RegularizerKind;
  /** λ: the factor of l1 or l2; for l1l2 the sum l1 + l2 (ignored for "none"). */
  factor: number;
  /** l1l2 only: the share of the factor that goes to L1 (default 0.5: l1 = l2 = factor/2). */
  l1Ratio?: number;
  /** Where the penalty acts (default "kernel": the hidden layers' kernels). */
  target?: RegularizerTarget;
  seed: number;
}

export function checkSetting(setting: Setting, where: string): Setting {
  if (typeof setting !== "object" || setting === null)
    throw new Error(`${where}: a setting must be an object, got ${describe(setting)}`);
  const kind = checkOneOf(where, "setting.kind", setting.kind, REGULARIZER_KINDS);
  const factor = kind === "none" ? 0 : checkNonNegative(where, "setting.factor", setting.factor);
  const target = checkOneOf(where, "setting.target", setting.target ?? "kernel", TARGETS);
  const checked: Setting = { kind, factor, target, seed: checkInteger(where, "setting.seed", setting.seed) };
  if (kind === "l1l2") checked.l1Ratio = checkFraction(where, "setting.l1Ratio", setting.l1Ratio ?? 0.5, "[0, 1]");
  return checked;
}

/** The regularizer a setting describes, or undefined for "none". */
export function regularizerFor(setting: Setting): Regularizer | undefined {
  switch (setting.kind) {
    case "none":
      return undefined;
    case "l1":
      return l1(setting.factor);
    case "l2":
      return l2(setting.factor);
    case "l1l2": {
      const ratio = setting.l1Ratio ?? 0.5;
      return l1l2({ l1: setting.factor * ratio, l2: setting.factor * (1 - ratio) });
    }
  }
}

/** A factor as the course writes it: 1e-3, 2e-2, 5e-4 below 0.1 (never 0.001 beside 1e-4); 0.1, 3 above. */
export function formatFactor(value: number): string {
  if (value === 0) return "0";
  if (value >= 0.1 && value < 1e3) return String(Number(value.toPrecision(3)));
  return Number(value.toPrecision(2)).toExponential().replace("e+", "e");
}

export interface LabelOptions {
  /** Append " · seed N" (when a grid has several seeds). */
  withSeed?: boolean;
  /** Name the target of kernel settings too ("kernel L1 1e-4"), when a grid mixes targets. */
  withTarget?: boolean;
  /** false: leave the factor out ("L2", "L1L2 (L1 25%)"), as a curve over factors is named. */
  withFactor?: boolean;
}

/** "L2 1e-4", "L1L2 1e-3 (L1 25%)", "activity L1 1e-5", "kernel L1 1e-4", "none"; " · seed 2" when asked. */
export function settingLabel(setting: Setting, options: LabelOptions = {}): string {
  const kind = { none: "none", l1: "L1", l2: "L2", l1l2: "L1L2" }[setting.kind];
  let label =
    setting.kind === "none" || options.withFactor === false ? kind : `${kind} ${formatFactor(setting.factor)}`;
  if (setting.kind === "l1l2") label += ` (L1 ${Math.round((setting.l1Ratio ?? 0.5) * 100)}%)`;
  if (setting.kind !== "none" && setting.target === "activity") label = `activity ${label}`;
  else if (setting.kind !== "none" && options.withTarget) label = `kernel ${label}`;
  return options.withSeed ? `${label} · seed ${setting.seed}` : label;
}

/** Labels that tell a grid's settings apart: seeds and targets named only where the grid mixes them. */
export function gridLabels(settings: readonly Setting[]): string[] {
  const withSeed = new Set(settings.map((s) => s.seed)).size > 1;
  const withTarget = new Set(settings.filter((s) => s.kind !== "none").map((s) => s.target ?? "kernel")).size > 1;
  return settings.map((setting) => settingLabel(setting, { withSeed, withTarget }));
}

export interface GridSpec {
  kinds: RegularizerKind[];
  /** Factors for every kind but "none" (which runs once per seed). */
  factors?: number[];
  seeds?: number[];
  /** l1l2: the L1 shares to try (default [0.5]). */
  l1Ratios?: number[];
  target?: RegularizerTarget;
}

/** The settings of a grid: kind × factor (× L1 share) × seed, in that order. */
export function gridSettings(spec: GridSpec): Setting[] {
  const seeds = spec.seeds ?? [0];
  const settings: Setting[] = [];
  for (const kind of spec.kinds) {
    if (kind === "none") {
      for (const seed of seeds) settings.push({ kind, factor: 0, seed });
      continue;
    }
    if (!spec.factors || spec.factors.length === 0)
      throw new Error(`gridSettings: factors are required for kind "${kind}"`);
    for (const factor of spec.factors) {
      for (const l1Ratio of kind === "l1l2" ? (spec.l1Ratios ?? [0.5]) : [undefined]) {
        for (const seed of seeds) {
          settings.push({
            kind,
            factor,
            seed,
            ...(l1Ratio === undefined ? {} : { l1Ratio }),
            ...(spec.target ? { target: spec.target } : {}),
          });
        }
      }
    }
  }
  return settings.map((setting) => checkSetting(setting, "gridSettings"));
}
