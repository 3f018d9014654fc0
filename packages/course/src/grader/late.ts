/**
 * A late policy: `--due` (a time with its zone) and `--late-penalty` (hours late → percent off, as
 * steps), applied to each report's total from when the submission came in — a `--submitted-at` CSV
 * (student, submitted_at), as platforms export it, or else the file's modification time.
 */
import { readFileSync, statSync } from "node:fs";
import { parseCsv } from "./manual-sheet";
import type { GradeReport } from "./scoring";

export interface LateStep {
  /** Up to this many hours late (Infinity: any later)… */
  hours: number;
  /** …this percent of the total is taken off. */
  percent: number;
}

export interface LatePolicy {
  due: Date;
  steps: LateStep[];
}

/** An ISO 8601 time with its zone ("2026-12-01T23:59:00+08:00" or "…Z"). */
export function parseTime(text: string, what: string): Date {
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim());
  const time = new Date(text.trim());
  if (!zoned || Number.isNaN(time.getTime()))
    throw new Error(`${what} must be a time with its zone, like 2026-12-01T23:59:00+08:00, got "${text}"`);
  return time;
}

/** "24:10,72:50,inf:100": up to 24 h late 10% off, up to 72 h 50%, later 100%. */
export function parseLatePenalty(text: string): LateStep[] {
  const steps = text.split(",").map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?|inf)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const hours = match?.[1] === "inf" ? Infinity : Number(match?.[1]);
    const percent = Number(match?.[2]);
    if (!match || hours <= 0 || percent > 100)
      throw new Error(`--late-penalty must be HOURS:PERCENT steps like "24:10,72:50,inf:100", got "${part.trim()}"`);
    return { hours, percent };
  });
  steps.forEach((step, i) => {
    if (i > 0 && step.hours <= steps[i - 1].hours)
      throw new Error(`--late-penalty: the hours must increase from step to step, got "${text}"`);
  });
  return steps;
}

/** The percent off for a submission `hoursLate` hours after the due time: past the last step, 100. */
export function penaltyPercent(hoursLate: number, steps: readonly LateStep[]): number {
  if (hoursLate <= 0) return 0;
  return steps.find((step) => hoursLate <= step.hours)?.percent ?? 100;
}

/** When each submission came in: from the `--submitted-at` CSV by student id, else the file's mtime. */
export function submissionTimes(files: readonly string[], ids: readonly string[], csv?: string): Date[] {
  if (csv === undefined) return files.map((file) => statSync(file).mtime);
  const [header = [], ...rows] = parseCsv(readFileSync(csv, "utf8"));
  const [student, at] = ["student", "submitted_at"].map((name) => header.indexOf(name));
  if (student < 0 || at < 0) throw new Error(`${csv}: the header needs "student" and "submitted_at" columns`);
  const times = new Map<string, Date>();
  rows.forEach((row, i) =>
    times.set(row[student].trim(), parseTime(row[at] ?? "", `${csv}, line ${i + 2}: submitted_at`)),
  );
  return ids.map((id, i) => {
    const time = times.get(id);
    if (!time) throw new Error(`${csv}: no submitted_at for student "${id}" (${files[i]})`);
    return time;
  });
}

/** The report with the policy applied: its score reduced by the step's percent, the reason recorded. */
export function withLatePenalty(report: GradeReport, submittedAt: Date, policy: LatePolicy): GradeReport {
  if (report.late) throw new Error(`${report.submission}: its report already has a late penalty`);
  const hours = (submittedAt.getTime() - policy.due.getTime()) / 3_600_000;
  const percent = penaltyPercent(hours, policy.steps);
  if (hours <= 0) return report;
  const score = Math.round(report.score * (100 - percent)) / 100;
  return {
    ...report,
    score,
    late: {
      submitted_at: submittedAt.toISOString(),
      hours_late: Math.round(hours * 100) / 100,
      penalty_percent: percent,
      score_before_penalty: report.score,
    },
  };
}
