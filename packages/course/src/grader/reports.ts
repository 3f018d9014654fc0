/**
 * Grading results as files: JSON (one submission or many), CSV (one row per submission), and an HTML
 * feedback page per submission, written as soon as it is graded.
 */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { escapeHtml, writeFileAtomic } from "reglab/tooling";
import { renderReport } from "../runner/report";
import type { GradedSubmission } from "./grade";
import { type GradeReport, includesManual } from "./scoring";

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV (RFC 4180 quoting), a header row first. */
export function csvTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return rows.map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/**
 * One row per submission, one column per auto-graded test, then an empty column per question graded
 * by hand (its header says the maximum) for the teacher to fill in.
 */
export function reportsCsv(reports: readonly GradeReport[]): string {
  const testIds = reports[0]?.tests.map((t) => t.id) ?? [];
  const manual = reports[0]?.manual ?? [];
  const manualIds = manual.map((m) => m.id);
  const anyLate = reports.some((report) => report.late !== undefined);
  const header = [
    "submission",
    "status",
    "score",
    "max_score",
    ...testIds,
    ...manual.map((m) => `${m.id} (manual, max ${m.max_points})`),
    ...(anyLate ? ["late_penalty_percent"] : []),
    "error",
  ];
  const rows = reports.map((report) => [
    report.submission,
    report.status,
    report.score,
    report.max_score,
    ...testIds.map((id) => report.tests.find((t) => t.id === id)?.points ?? 0),
    ...manualIds.map((id) => report.manual.find((m) => m.id === id)?.points ?? ""),
    ...(anyLate ? [report.late?.penalty_percent ?? 0] : []),
    report.error ?? "",
  ]);
  return csvTable([header, ...rows]);
}

/** "遲交 late: 30.5 h after the due time, 10% off (12 → 10.8)", for a report with a late penalty. */
export function lateLine(report: GradeReport): string {
  const late = report.late!;
  return `遲交 late: ${late.hours_late} h after the due time, ${late.penalty_percent}% off (${late.score_before_penalty} → ${report.score})`;
}

/**
 * A feedback page: the scores, then the student's cells with their outputs and each test as released
 * (no hidden test code) with the checker's verdicts.
 */
export function feedbackHtml(graded: GradedSubmission): string {
  const { report, notebook } = graded;
  const rows = report.tests
    .map(
      (t) =>
        `<tr class="${t.status}"><td>${escapeHtml(t.id)}</td><td class="num">${t.points} / ${t.max_points}</td><td>${t.status}</td><td>${escapeHtml(t.message)}</td></tr>`,
    )
    .join("");
  const manual = report.manual
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.id)}</td><td class="num">${m.points ?? "?"} / ${m.max_points}</td><td>graded by hand</td><td>${escapeHtml(m.comment ?? "")}</td></tr>`,
    )
    .join("");
  const preamble =
    `<p class="verdict">Score ${report.score} / ${report.max_score}${report.manual.length > 0 && !includesManual(report) ? " (questions graded by hand not included)" : ""}</p>` +
    (report.error ? `<p class="failure">${escapeHtml(report.error)}</p>` : "") +
    (report.late ? `<p class="failure">${escapeHtml(lateLine(report))}</p>` : "") +
    `<table class="summary"><thead><tr><th>Test</th><th>Points</th><th>Status</th><th>Message</th></tr></thead><tbody>${rows}${manual}</tbody></table>`;
  return renderReport(
    notebook ? [{ name: basename(report.submission), status: report.error ? "failed" : "completed", notebook }] : [],
    `Feedback: ${basename(report.submission)}`,
    { preamble, summary: false, trusted: false },
  );
}

/** The JSON of a batch: an object for one submission, a list for several (or always, `asList`). */
export function reportsJson(reports: readonly GradeReport[], asList = false): string {
  return JSON.stringify(reports.length === 1 && !asList ? reports[0] : reports, null, 2) + "\n";
}

/** Writes submission `index`'s feedback page, NNN-<name>.html, into `dir` (whole or not at all). */
export function writeFeedbackPage(dir: string, index: number, graded: GradedSubmission): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${String(index + 1).padStart(3, "0")}-${basename(graded.report.submission, ".ipynb")}.html`);
  writeFileAtomic(file, feedbackHtml(graded));
  return file;
}

export interface ReportFiles {
  /** The JSON results. */
  json?: string;
  /** One CSV row per submission. */
  csv?: string;
  /** The JSON as a list even for one submission (a shard's). */
  asList?: boolean;
}

/** Writes what `files` asks for; every file is written whole or not at all. */
export function writeGradeReports(reports: readonly GradeReport[], files: ReportFiles): void {
  if (files.json) writeFileAtomic(files.json, reportsJson(reports, files.asList));
  if (files.csv) writeFileAtomic(files.csv, reportsCsv(reports));
}
