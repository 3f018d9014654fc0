/** Finding a command on PATH, as the shell's `command -v` does (first folder wins). */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The first of `names` found in the PATH folders, folder by folder; undefined when there is none. */
export function findOnPath(...names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of names) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
