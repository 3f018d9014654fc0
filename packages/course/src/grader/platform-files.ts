/**
 * Where `reglab grade --format … --out-dir DIR` writes each platform's files, checked before any
 * grading starts (Moodle without numeric ids stops the batch in one line):
 * per-submission files as each submission is graded, batch files at the end, each whole or not at all.
 */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "reglab/tooling";
import {
  canvasGradebook,
  moodleWorksheet,
  PER_SUBMISSION,
  perSubmission,
  type PlatformFormat,
  platformFileName,
  testsWithHiddenParts,
} from "./platforms";
import type { GradeReport } from "./scoring";
import type { HomeworkSource } from "./source";

export interface PlatformOptions {
  formats: readonly PlatformFormat[];
  outDir?: string;
  /** Each submission's student id (`studentIds`). */
  ids: readonly string[];
  /** The Canvas gradebook's column name. */
  assignment?: string;
}

export interface PlatformFiles {
  writeSubmission(index: number, report: GradeReport): void;
  writeBatch(reports: readonly GradeReport[]): void;
}

/** Checks the options against the submissions; undefined when no format is asked for. */
export function planPlatformFiles(
  files: readonly string[],
  homework: HomeworkSource,
  options: PlatformOptions,
): PlatformFiles | undefined {
  const { formats, outDir, ids } = options;
  if (formats.length === 0) {
    const stray = (["outDir", "assignment"] as const).find((key) => options[key] !== undefined);
    if (stray) throw new Error(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --format`);
    return undefined;
  }
  if (!outDir) throw new Error("--format needs --out-dir DIR");
  const unique = [...new Set(formats)];
  const notNumeric = ids.findIndex((id) => !/^\d+$/.test(id));
  if (unique.includes("moodle") && notNumeric >= 0)
    throw new Error(
      `--format moodle: ${files[notNumeric]} has no numeric participant id ("${ids[notNumeric]}"); for Moodle's downloads pass --student-id '_(\\d+)_assignsubmission_'`,
    );
  const hidden = testsWithHiddenParts(homework);
  const assignment = options.assignment ?? basename(homework.file, ".ipynb").replace(/\.source$/, "");
  const write = (name: string, content: string) => {
    mkdirSync(outDir, { recursive: true });
    writeFileAtomic(join(outDir, name), content);
  };
  return {
    writeSubmission(index, report) {
      for (const format of unique.filter((f) => PER_SUBMISSION.has(f)))
        write(platformFileName(format, ids[index]), perSubmission(format, report, hidden));
    },
    writeBatch(reports) {
      if (unique.includes("canvas")) write(platformFileName("canvas"), canvasGradebook(reports, assignment, ids));
      if (unique.includes("moodle")) write(platformFileName("moodle"), moodleWorksheet(reports, ids));
    },
  };
}
