/**
 * Grading by hand, as a round trip through a spreadsheet: `--manual-sheet FILE` writes one row per
 * student and hand-graded question (the student's answer beside a column per rubric item of the
 * teacher's version); the teacher fills in points; `--manual-scores FILE` reads the sheet back
 * (checked whole before anything is written) and adds those points to every output.
 */
import { readFileSync } from "node:fs";
import { csvTable } from "./reports";
import { type GradeReport, includesManual, type ManualResult } from "./scoring";
import type { HomeworkSource } from "./source";

export interface RubricItem {
  points: number;
  text: string;
}

/** A rubric's items: its list lines that start with their points ("- 1 分：…", "- 0.5 points: …"). */
export function rubricItems(rubric: string): RubricItem[] {
  return rubric
    .split("\n")
    .map((line) => /^\s*[-*]\s*(\d+(?:\.\d+)?)\s*(?:分|points?)\s*[：:]?\s*(.*)$/u.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ points: Number(m[1]), text: m[2].trim() }));
}

const FIXED = ["student", "submission", "question", "max_points"] as const;
const FILLED = ["points", "comment"] as const;

/** A column per rubric item; found again by its start, "<question> item <k> (", whatever follows. */
function itemColumns(homework: HomeworkSource): Array<{ question: string; key: string; header: string; max: number }> {
  return homework.manual.flatMap((question) =>
    rubricItems(question.rubric).map((item, k) => {
      const key = `${question.id} item ${k + 1} (`;
      return {
        question: question.id,
        max: item.points,
        key,
        header: `${key}max ${item.points}): ${item.text.slice(0, 60)}`,
      };
    }),
  );
}

/** The sheet for the teacher: a row per student and hand-graded question, points left empty. */
export function manualSheetCsv(
  reports: readonly GradeReport[],
  ids: readonly string[],
  homework: HomeworkSource,
): string {
  const items = itemColumns(homework);
  const rows = reports.flatMap((report, i) =>
    report.manual.map((m) => [
      ids[i],
      report.submission,
      m.id,
      m.max_points,
      ...items.map((item) => (item.question === m.id ? "" : "-")),
      "",
      "",
      m.answer ?? "",
    ]),
  );
  return csvTable([[...FIXED, ...items.map((i) => i.header), ...FILLED, "answer"], ...rows]);
}

/** RFC 4180 CSV (quoted fields, CRLF or LF, a spreadsheet's byte-order mark). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const input = text.replace(/^\uFEFF/, "");
  const endField = () => {
    row.push(field);
    field = "";
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i++;
      endField();
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (quoted) throw new Error("a quoted field is never closed");
  if (field !== "" || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ""));
}

export interface ManualScore {
  points: number;
  comment: string;
}

/** Points by student id, then question id: what the teacher filled in (rows left empty are absent). */
export type ManualScores = Map<string, Map<string, ManualScore>>;

/**
 * Reads a filled-in sheet. Every mistake — an unknown student or question, points that are not a
 * number, negative or above the maximum, items that do not add up, a row given twice — is an Error
 * naming the file and line; nothing is applied unless the whole sheet is right.
 */
export function readManualScores(file: string, ids: readonly string[], homework: HomeworkSource): ManualScores {
  let rows: string[][];
  try {
    rows = parseCsv(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const [header = [], ...body] = rows;
  const column = (name: string) => header.indexOf(name);
  for (const name of ["student", "question", "points"])
    if (column(name) < 0) throw new Error(`${file}: no "${name}" column (write the sheet with --manual-sheet)`);
  const items = itemColumns(homework).map((item) => ({ ...item, at: header.findIndex((h) => h.startsWith(item.key)) }));
  const maxima = new Map(homework.manual.map((q) => [q.id, q.points]));
  const known = new Set(ids);
  const scores: ManualScores = new Map();
  body.forEach((row, i) => {
    const where = `${file}, line ${i + 2}`;
    const cell = (at: number) => (at >= 0 ? (row[at] ?? "").trim() : "");
    const student = cell(column("student"));
    const question = cell(column("question"));
    if (!known.has(student)) throw new Error(`${where}: unknown student "${student}" (not among the submissions)`);
    const max = maxima.get(question);
    if (max === undefined)
      throw new Error(`${where}: unknown question "${question}" (hand-graded: ${[...maxima.keys()].join(", ")})`);
    const number = (text: string, what: string, most: number) => {
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0 || value > most)
        throw new Error(`${where}: ${what} must be a number from 0 to ${most}, got "${text}"`);
      return value;
    };
    let itemSum: number | undefined;
    for (const item of items) {
      const text = cell(item.at);
      if (text === "" || text === "-") continue;
      const name = `"${item.key.slice(0, -2)}"`;
      if (item.question !== question) throw new Error(`${where}: ${name} belongs to ${item.question}, not ${question}`);
      itemSum = (itemSum ?? 0) + number(text, name, item.max);
    }
    const pointsText = cell(column("points"));
    if (pointsText === "" && itemSum === undefined) return; // not graded yet
    const points = pointsText === "" ? itemSum! : number(pointsText, `points for ${question}`, max);
    if (itemSum !== undefined && Math.abs(itemSum - points) > 1e-9)
      throw new Error(`${where}: points ${points} differ from its items' sum ${itemSum}`);
    const mine = scores.get(student) ?? new Map<string, ManualScore>();
    if (mine.has(question)) throw new Error(`${where}: ${student}'s ${question} is graded twice`);
    mine.set(question, { points, comment: cell(column("comment")) });
    scores.set(student, mine);
  });
  return scores;
}

/** The report with the teacher's points: the score and maximum then include the hand-graded questions. */
export function withManualScores(
  report: GradeReport,
  scores: ReadonlyMap<string, ManualScore> | undefined,
): GradeReport {
  if (includesManual(report))
    throw new Error(`${report.submission}: its report already includes points graded by hand`);
  const manual: ManualResult[] = report.manual.map((m) => {
    const given = scores?.get(m.id);
    return given ? { ...m, points: given.points, comment: given.comment } : m;
  });
  const handPoints = manual.reduce((sum, m) => sum + (m.points ?? 0), 0);
  const handMax = manual.reduce((sum, m) => sum + m.max_points, 0);
  return { ...report, score: report.score + handPoints, max_score: report.max_score + handMax, manual };
}
