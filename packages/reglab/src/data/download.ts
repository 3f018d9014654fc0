/**
 * Where data sets are found, and fetching them when they are not: an explicit folder, then an
 * environment variable, then system folders, then a per-user cache that official downloads go into
 * (each file's MD5 checked before it is kept).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface DatasetLocation {
  /** Data set name for messages and the cache folder, e.g. "fashion-mnist". */
  name: string;
  /** Files that must all be present in a folder for it to hold the data set. */
  files: readonly string[];
  /** Suffixes a file may also carry, e.g. [".gz"] (default none). */
  suffixes?: readonly string[];
  /** Environment variable naming a folder. */
  envVar: string;
  systemDirs?: readonly string[];
}

/** `REGLAB_DATA_DIR`, else `$XDG_CACHE_HOME/reglab` or `~/.cache/reglab`: where downloads go. */
export function dataCacheDir(name: string): string {
  const base = process.env.REGLAB_DATA_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "reglab");
  return join(base, name);
}

/**
 * The first folder that holds every file. A folder the caller names (argument or environment
 * variable) must hold them: an Error names the first missing file rather than looking elsewhere.
 * Returns undefined when neither was given and no system or cache folder has the files.
 */
export function locateDataset(
  location: DatasetLocation,
  dir: string | undefined,
  candidates: (dir: string) => string[] = (d) => [d],
): string | undefined {
  const complete = (folder: string) =>
    location.files.every((file) => findFile(folder, file, location.suffixes) !== undefined);
  const explicit: Array<[string, string]> = [];
  if (dir !== undefined) explicit.push([dir, "dir"]);
  else if (process.env[location.envVar]) explicit.push([process.env[location.envVar]!, location.envVar]);
  for (const [folder, from] of explicit) {
    const found = candidates(folder).find(complete);
    if (found) return found;
    const missing = location.files.find((file) => findFile(folder, file, location.suffixes) === undefined)!;
    throw new Error(`${join(folder, missing)}: missing (${location.name} folder given by ${from})`);
  }
  for (const folder of [...(location.systemDirs ?? []), dataCacheDir(location.name)]) {
    const found = candidates(folder).find(complete);
    if (found) return found;
  }
  return undefined;
}

/** `folder/file`, or `folder/file<suffix>` for the first suffix that exists; undefined if none. */
export function findFile(folder: string, file: string, suffixes: readonly string[] = []): string | undefined {
  return ["", ...suffixes].map((suffix) => join(folder, file + suffix)).find((path) => existsSync(path));
}

export function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * Downloads `file` from the first base URL that serves it into `folder`, keeping it only when its
 * MD5 matches. Nothing partial is left behind.
 */
export async function downloadVerified(
  file: string,
  expectedMd5: string,
  baseUrls: readonly string[],
  folder: string,
): Promise<string> {
  mkdirSync(folder, { recursive: true });
  const target = join(folder, file);
  const failures: string[] = [];
  for (const base of baseUrls) {
    const url = `${base.replace(/\/$/, "")}/${file}`;
    let bytes: Uint8Array;
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    const actual = md5(bytes);
    if (actual !== expectedMd5) {
      failures.push(`${url}: checksum mismatch (MD5 ${actual}, expected ${expectedMd5})`);
      continue;
    }
    const temporary = `${target}.${process.pid}.part`;
    try {
      writeFileSync(temporary, bytes);
      renameSync(temporary, target);
    } finally {
      rmSync(temporary, { force: true });
    }
    return target;
  }
  throw new Error(`${file}: could not download (${failures.join("; ")})`);
}
