import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The nearest folder at or above `start` that has tslab installed: the course project. */
export function findProjectRoot(start = process.cwd()): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", ".bin", "tslab"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
