/** Grading results as files: JSON (one submission or many), CSV (one row per submission), HTML feedback. */
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { Cell } from "../runner/notebook";
import { renderReport } from "../runner/report";
import { writeFileAtomic, escapeHtml } from "reglab/tooling";
import { CANARY_CELL_ID, type GradeReport, SETUP_CELL_ID } from "./grade";
import type { HomeworkSource } from "./source";

/** The JSON of one report (without the graded notebook). */
export function reportJson(report: GradeReport): Omit<GradeReport, "graded"> {
  const { graded: _graded, ...rest } = report;
  return rest;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per submission, one column per auto-graded test, then an empty column per question graded
 * by hand (its header says the maximum) for the teacher to fill in.
 */
export function reportsCsv(reports: readonly GradeReport[]): string {
  const testIds = reports[0]?.tests.map((t) => t.id) ?? [];
  const manual = reports[0]?.manual ?? [];
  const manualIds = manual.map((m) => m.id);
  const header = [
    "submission",
    "score",
    "max_score",
    ...testIds,
    ...manual.map((m) => `${m.id} (manual, max ${m.max_points})`),
    "error",
  ];
  const rows = reports.map((report) => [
    report.submission,
    report.score,
    report.max_score,
    ...testIds.map((id) => report.tests.find((t) => t.id === id)?.points ?? 0),
    ...manualIds.map(() => ""),
    report.error ?? "",
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/** A feedback page: the scores, then the student's cells and the tests with their outputs (hidden test code left out). */
export function feedbackHtml(report: GradeReport, homework: HomeworkSource): string {
  // Test cells are shown as students see them: the released version, without the hidden parts.
  const testIds = new Set(homework.tests.map((test) => test.cellId));
  const released = new Map(homework.tests.map((test) => [test.cellId, test.releasedSource]));
  const rows = report.tests
    .map(
      (t) =>
        `<tr class="${t.status}"><td>${escapeHtml(t.id)}</td><td class="num">${t.points} / ${t.max_points}</td><td>${t.status}</td><td>${escapeHtml(t.message)}</td></tr>`,
    )
    .join("");
  const manual = report.manual
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.id)}</td><td class="num">? / ${m.max_points}</td><td>graded by hand</td><td></td></tr>`,
    )
    .join("");
  const preamble =
    `<p class="verdict">Score ${report.score} / ${report.max_score}${report.manual.length > 0 ? " (questions graded by hand not included)" : ""}</p>` +
    (report.error ? `<p class="failure">${escapeHtml(report.error)}</p>` : "") +
    `<table class="summary"><thead><tr><th>Test</th><th>Points</th><th>Status</th><th>Message</th></tr></thead><tbody>${rows}${manual}</tbody></table>`;
  const notebook = report.graded && {
    ...report.graded,
    cells: report.graded.cells
      .filter((cell) => cell.id !== SETUP_CELL_ID && cell.id !== CANARY_CELL_ID)
      .map((cell): Cell => (testIds.has(cell.id) ? { ...cell, source: released.get(cell.id) ?? "" } : cell)),
  };
  return renderReport(
    notebook ? [{ name: basename(report.submission), status: report.error ? "failed" : "completed", notebook }] : [],
    `Feedback: ${basename(report.submission)}`,
    { preamble, summary: false, trusted: false },
  );
}

/** The JSON of a batch: an object for one submission, a list for several. */
export function reportsJson(reports: readonly GradeReport[]): string {
  const json = reports.length === 1 ? reportJson(reports[0]) : reports.map(reportJson);
  return JSON.stringify(json, null, 2) + "\n";
}

export interface ReportFiles {
  /** The JSON results. */
  json?: string;
  /** One CSV row per submission. */
  csv?: string;
  /** A folder for one feedback page per submission, NNN-<name>.html. */
  feedbackDir?: string;
}

/** Writes what `files` asks for; every file is written whole or not at all. */
export function writeGradeReports(reports: readonly GradeReport[], homework: HomeworkSource, files: ReportFiles): void {
  if (files.json) writeFileAtomic(files.json, reportsJson(reports));
  if (files.csv) writeFileAtomic(files.csv, reportsCsv(reports));
  if (files.feedbackDir) {
    mkdirSync(files.feedbackDir, { recursive: true });
    reports.forEach((report, i) => {
      const name = `${String(i + 1).padStart(3, "0")}-${basename(report.submission, ".ipynb")}.html`;
      writeFileAtomic(join(files.feedbackDir!, name), feedbackHtml(report, homework));
    });
  }
}
