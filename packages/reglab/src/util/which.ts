/** Finding a command on a search path, as the shell's `command -v` does (first folder wins). */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The first of `names` found in the folders of `searchPath` (PATH's syntax), folder by folder. */
export function findIn(searchPath: string, ...names: string[]): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    for (const name of names) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The first of `names` found on this process's PATH; undefined when there is none. */
export function findOnPath(...names: string[]): string | undefined {
  return findIn(process.env.PATH ?? "", ...names);
}
