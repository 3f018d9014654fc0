/**
 * Grading results in the formats of the platforms teachers grade with (pure functions of the
 * reports): Gradescope's autograder results.json and PrairieLearn's external-grader results.json,
 * one per submission; a gradebook CSV for Canvas and Moodle's grading worksheet, one per batch.
 * Which student a submission belongs to comes from its file name (`studentIdOf`).
 */
import { basename } from "node:path";
import { csvTable, lateLine } from "./reports";
import { type GradeReport, includesManual, type ManualResult, type TestResult } from "./scoring";
import type { HomeworkSource } from "./source";

export const PLATFORM_FORMATS = ["gradescope", "prairielearn", "canvas", "moodle"] as const;
export type PlatformFormat = (typeof PLATFORM_FORMATS)[number];

/** Formats written once per submission (the others: once per batch). */
export const PER_SUBMISSION: ReadonlySet<PlatformFormat> = new Set(["gradescope", "prairielearn"]);

/**
 * The student a submission belongs to: the first capture group of `pattern` matched against the file
 * name (e.g. Canvas' downloads, `name_12345_67890_homework.ipynb`, with `_(\d+)_\d+_`), else the file
 * name without `.ipynb`. A pattern that does not match is an error naming the file.
 */
export function studentIdOf(submission: string, pattern?: RegExp): string {
  const name = basename(submission);
  if (!pattern) return basename(name, ".ipynb");
  const match = pattern.exec(name);
  if (!match || match[1] === undefined || match[1] === "")
    throw new Error(`${name}: --student-id ${String(pattern)} does not match it (or its first group is empty)`);
  return match[1];
}

/**
 * Every submission's student id (`studentIdOf` with `patternText`, a regular expression), checked:
 * a valid pattern, one submission per student, ids that are safe in file names.
 */
export function studentIds(files: readonly string[], patternText?: string): string[] {
  let pattern: RegExp | undefined;
  try {
    pattern = patternText === undefined ? undefined : new RegExp(patternText);
  } catch (error) {
    throw new Error(`--student-id is not a regular expression: ${(error as Error).message}`);
  }
  const ids = files.map((file) => studentIdOf(file, pattern));
  const seen = new Map<string, string>();
  ids.forEach((id, i) => {
    const other = seen.get(id);
    if (other !== undefined)
      throw new Error(`two submissions of student "${id}": ${other} and ${files[i]} (grade one of them)`);
    if (!/^[\p{L}\p{N}._@+-]+$/u.test(id))
      throw new Error(`${files[i]}: the student id "${id}" is not a safe file name (letters, digits, . _ @ + -)`);
    seen.set(id, files[i]);
  });
  return ids;
}

/** The test ids whose cells hold hidden parts: their results reveal what the student never saw. */
export function testsWithHiddenParts(homework: HomeworkSource): Set<string> {
  return new Set(homework.tests.filter((test) => test.source !== test.releasedSource).map((test) => test.id));
}

function summary(report: GradeReport): string {
  const lines = [`${basename(report.submission)}: ${report.score} / ${report.max_score}`];
  if (report.error) lines.push(report.error);
  if (report.late) lines.push(lateLine(report));
  if (report.manual.length > 0 && !includesManual(report))
    lines.push(
      `graded by hand, not included: ${report.manual.map((m) => `${m.id} (${m.max_points} points)`).join(", ")}`,
    );
  return lines.join("\n");
}

/** The hand-graded questions the teacher gave points to (`--manual-scores`). */
function handGraded(report: GradeReport): Array<ManualResult & { points: number }> {
  return report.manual.filter((m): m is ManualResult & { points: number } => m.points !== undefined);
}

function testOutput(test: TestResult): string {
  return test.message || (test.status === "passed" ? "passed" : test.status);
}

/**
 * Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder Specifications"):
 * one test per question; a question with hidden parts is `after_published`, so its score and message
 * appear only when the teacher publishes grades.
 */
export function gradescopeResults(report: GradeReport, hidden: ReadonlySet<string>): object {
  return {
    score: report.score,
    output: summary(report),
    tests: [
      ...report.tests.map((test) => ({
        name: test.id,
        score: test.points,
        max_score: test.max_points,
        status: test.points === test.max_points ? "passed" : "failed",
        output: testOutput(test),
        visibility: hidden.has(test.id) ? "after_published" : "visible",
      })),
      ...handGraded(report).map((m) => ({
        name: `${m.id} (graded by hand)`,
        score: m.points,
        max_score: m.max_points,
        output: m.comment || "graded by hand",
        visibility: "visible",
      })),
    ],
  };
}

/**
 * PrairieLearn's external-grader results.json (PrairieLearn docs, "External Grading"): score in
 * [0, 1]; a submission that is not a notebook of this homework, or that could not be graded, is
 * `gradable: false` — no points awarded or lost, no attempt used.
 */
export function prairieLearnResults(report: GradeReport): object {
  const gradable = report.status === "graded";
  return {
    gradable,
    ...(gradable
      ? { score: report.max_score > 0 ? report.score / report.max_score : 0 }
      : { format_errors: [report.error ?? report.status] }),
    message: summary(report),
    tests: [
      ...report.tests.map((test) => ({
        name: test.id,
        points: test.points,
        max_points: test.max_points,
        message: testOutput(test),
      })),
      ...handGraded(report).map((m) => ({
        name: `${m.id} (graded by hand)`,
        points: m.points,
        max_points: m.max_points,
        message: m.comment || "graded by hand",
      })),
    ],
  };
}

/**
 * Canvas' gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per
 * assignment (a new column name makes Canvas offer to create the assignment). Canvas matches a row by
 * ID (the numeric Canvas user id its submission downloads carry in their file names) or, for an id
 * that is not a number (a file named after the student's login), by SIS Login ID.
 */
export function canvasGradebook(reports: readonly GradeReport[], assignment: string, ids: readonly string[]): string {
  return csvTable([
    ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
    ...reports.map((report, i) => {
      const numeric = /^\d+$/.test(ids[i]);
      return [
        basename(report.submission, ".ipynb"),
        numeric ? ids[i] : "",
        "",
        numeric ? "" : ids[i],
        "",
        report.score,
      ];
    }),
  ]);
}

/**
 * Moodle's assignment grading worksheet (Assignment ▸ "Upload grading worksheet"): rows matched by
 * Identifier, "Participant <id>" — the id Moodle's "Download all submissions" puts in each file name.
 */
export function moodleWorksheet(reports: readonly GradeReport[], ids: readonly string[]): string {
  return csvTable([
    ["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"],
    ...reports.map((report, i) => [
      `Participant ${ids[i]}`,
      basename(report.submission, ".ipynb"),
      report.score,
      report.max_score,
      report.error ?? "",
    ]),
  ]);
}

/** The file a format is written to under the output folder. */
export function platformFileName(format: PlatformFormat, studentId?: string): string {
  return PER_SUBMISSION.has(format) ? `${studentId}.${format}.json` : `gradebook.${format}.csv`;
}

/** One submission's file content in a per-submission format. */
export function perSubmission(format: PlatformFormat, report: GradeReport, hidden: ReadonlySet<string>): string {
  const results = format === "gradescope" ? gradescopeResults(report, hidden) : prairieLearnResults(report);
  return JSON.stringify(results, null, 2) + "\n";
}
