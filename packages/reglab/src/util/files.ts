import { renameSync, writeFileSync } from "node:fs";

/** Writes through a temporary file and a rename, so a crash never leaves a half-written file. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
