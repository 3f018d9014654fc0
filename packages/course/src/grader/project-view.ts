/**
 * What a grading kernel sees of the project (grader process): its `node_modules` and `lib`, and the
 * Node installation the kernel runs on, each bound read-only at its own path inside the sandbox.
 *
 * Graded as an ordinary user, the kernel runs under that user's id without any capability, so the
 * folders are bound as they are. Graded as root, each kernel runs as a user of its own (see
 * sandbox.ts), and sees a staged tree instead: folders made afresh by root (so nothing above them
 * need be open to others, e.g. a clone in a private `mktemp -d`), holding hard links to the
 * project's files, or copies of the few that others could write or not read. Every file it can reach
 * is then owned by another user and writable by its owner only: a kernel that found a way to remount
 * its view writable would still not change a byte of the project.
 */
import {
  chmodSync,
  copyFileSync,
  type Dirent,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";

export interface Bind {
  /** The folder on the host. */
  source: string;
  /** Where the kernel sees it. */
  target: string;
}

export interface ProjectView {
  binds: Bind[];
  /** Removes what was staged (nothing when the folders were bound as they are). */
  dispose(): void;
}

/** Whether every folder from the root down to `path` lets others through (o+x), and `path` itself lets them read. */
export function openToOthers(path: string): boolean {
  const parts = path.split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const folder = sep + parts.slice(0, i).join(sep);
    const mode = statSync(folder).mode;
    if ((mode & 0o001) === 0) return false;
  }
  return (statSync(path).mode & 0o004) !== 0;
}

/** A file other users may read but not change: readable by others, writable by its owner only. */
function safeToLink(mode: number): boolean {
  return (mode & 0o004) !== 0 && (mode & 0o022) === 0;
}

/** A copy of the file `source` at `target` that other users can read: a hard link where that is safe, else a copy. */
export function stageReadableFile(source: string, target: string): void {
  stageFile(source, target, statSync(source).mode);
}

function stageFile(source: string, target: string, mode: number): void {
  if (safeToLink(mode)) {
    try {
      linkSync(source, target);
      return;
    } catch (error) {
      // another file system (EXDEV), or links refused: copy instead
      if (!["EXDEV", "EPERM", "EMLINK"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
    }
  }
  copyFileSync(source, target);
  chmodSync(target, (mode & 0o755) | 0o444);
}

/** Mirrors the folder `source` into `target` (which must not exist): folders anew, files linked or copied. */
function stageTree(source: string, target: string): void {
  mkdirSync(target, { mode: 0o755 });
  chmodSync(target, 0o755); // whatever the umask
  for (const entry of readdirSync(source, { withFileTypes: true }) as Dirent[]) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (entry.isDirectory()) stageTree(from, to);
    else if (entry.isFile()) stageFile(from, to, lstatSync(from).mode);
    // sockets, FIFOs and devices have no business in a package folder: left out
  }
}

/**
 * The view of `folders` (absolute paths, each bound at its own path). `staged`: mirror them into a
 * fresh folder first (grading as root); otherwise bind them as they are.
 */
export function projectView(folders: readonly string[], staged: boolean): ProjectView {
  if (!staged) return { binds: folders.map((folder) => ({ source: folder, target: folder })), dispose: () => {} };
  const base = mkdtempSync(join(tmpdir(), "reglab-runtime-"));
  try {
    chmodSync(base, 0o755);
    if (!openToOthers(base))
      throw new Error(
        `${dirname(base)} is not open to other users, so the kernels' users cannot reach the staged project there; set TMPDIR to a folder such as /tmp`,
      );
    const binds = folders.map((folder, i) => {
      const copy = join(base, String(i));
      stageTree(folder, copy);
      return { source: copy, target: folder };
    });
    return { binds, dispose: () => rmSync(base, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}
