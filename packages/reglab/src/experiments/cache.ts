/**
 * The experiment cache: one JSON file per trained setting, named by the SHA-256 of everything the
 * result depends on (data, model, training, setting, backend, library versions). Same configuration,
 * same file: re-running a notebook reads it instead of training; any change trains anew.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as tf from "../tf";
import { writeFileAtomic } from "../util/files";
import { findProjectRoot } from "../util/project";

/** `REGLAB_CACHE_DIR`, else `<project>/build/cache/experiments`, else `~/.cache/reglab/experiments`. */
export function defaultCacheDir(): string {
  if (process.env.REGLAB_CACHE_DIR) return process.env.REGLAB_CACHE_DIR;
  const project = findProjectRoot();
  return project ? join(project, "build", "cache", "experiments") : join(homedir(), ".cache", "reglab", "experiments");
}

/** JSON with object keys sorted, so that equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** SHA-256 over the tensors' shapes, dtypes and bytes: which data a result was trained on. */
export function fingerprintTensors(tensors: readonly tf.Tensor[]): string {
  const hash = createHash("sha256");
  for (const t of tensors) {
    hash.update(`${t.dtype}[${t.shape.join(",")}]`);
    const data = t.dataSync();
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest("hex");
}

/**
 * The parts of reglab's compiled code (under dist/) that decide what training produces: the tfjs
 * instance and its pinned internals, the backends and their kernels, regularizers, layers, models,
 * training and the grid itself. Figures, data loading (its bytes are hashed instead), the grading
 * helpers and the course tools are not inputs of a result: editing them keeps the cache.
 */
export const TRAINING_CODE = [
  "tf.js",
  "pinned.js",
  "chained-ops.js",
  "backend",
  "regularizers",
  "layers",
  "models",
  "training",
  "experiments",
] as const;

/** SHA-256 over the training code under `dist` (file names and contents, in a fixed order). */
export function trainingCodeFingerprint(dist: string): string {
  const hash = createHash("sha256");
  const add = (path: string, name: string) => {
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) add(child, `${name}/${entry.name}`);
      else if (entry.name.endsWith(".js")) hash.update(`${name}/${entry.name}\0`).update(readFileSync(child));
    }
  };
  for (const part of TRAINING_CODE) {
    const path = join(dist, part);
    if (part.endsWith(".js")) hash.update(`${part}\0`).update(readFileSync(path));
    else add(path, part);
  }
  return hash.digest("hex");
}

let library: { version: string; code: string } | undefined;

/**
 * What a result depends on besides its data, model and training: reglab's version and training code,
 * tfjs' version and the backend. Results are only reused where running the same configuration
 * again would reproduce them.
 */
export function environmentKey(): Record<string, string> {
  const dist = join(__dirname, "..");
  library ??= {
    version: JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")).version as string,
    code: trainingCodeFingerprint(dist),
  };
  return { reglab: library.version, code: library.code, tfjs: tf.version_core, backend: tf.getBackend() };
}

export function readCached<T>(dir: string, key: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as T;
  } catch {
    return undefined; // absent or unreadable: train again (and overwrite it)
  }
}

export function writeCached(dir: string, key: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(value));
}
