/**
 * What a teacher does with results after grading, run on results JSON through `reglab grade merge`
 * (no kernels: grading itself is tested in grade.test.ts): grading by hand as a round trip
 * (`--manual-sheet` writes the sheet, the teacher fills it in, `--manual-scores` adds the points to
 * every output), and a late policy (`--due`, `--late-penalty`, `--submitted-at` or file times).
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseLatePenalty, penaltyPercent } from "#course/grader/late";
import { parseCsv, rubricItems } from "#course/grader/manual-sheet";
import { type GradeReport, ungraded } from "#course/grader/scoring";
import { reglab, tempDir } from "../runner/helpers";
import { homework, SOURCE } from "./helpers";
import { GRADESCOPE_RESULTS, violations } from "./platform-schemas";

const dir = tempDir("reglab-manual-");

/** Three graded students with 7, 12 and 0 automatic points. */
function results(): string {
  const reports: GradeReport[] = [
    ["ann", 7],
    ["bob", 12],
    ["cy", 0],
  ].map(([name, score]) => ({
    ...ungraded(join(dir, `${name}.ipynb`), homework, "failed", "x"),
    status: "graded",
    score: score as number,
    error: undefined,
  }));
  for (const r of reports) {
    delete r.error;
    r.manual = r.manual.map((m) => ({ ...m, answer: `${m.id}: my answer, with "quotes", commas\nand lines` }));
  }
  const file = join(dir, "results.json");
  writeFileSync(file, JSON.stringify(reports));
  return file;
}

test("rubric items are read from the teacher's rubric cells: points and text", () => {
  const items = homework.manual.map((q) => [q.id, rubricItems(q.rubric).map((i) => i.points)]);
  assert.deepEqual(items, [
    ["q5w", [1, 1]],
    ["w1", [1, 1]],
  ]);
  assert.match(rubricItems(homework.manual[1].rubric)[0].text, /^（幾何）：L1 的限制範圍/);
  assert.deepEqual(rubricItems("- 0.5 points: spelling\n- not an item\n* 2 分：結論"), [
    { points: 0.5, text: "spelling" },
    { points: 2, text: "結論" },
  ]);
});

test("CSV as spreadsheets write it: quotes, commas, line breaks, CRLF, a byte-order mark", () => {
  assert.deepEqual(parseCsv('\uFEFFa,b\r\n"x, ""y""","line\nbreak"\r\n\r\n'), [
    ["a", "b"],
    ['x, "y"', "line\nbreak"],
  ]);
  assert.throws(() => parseCsv('a,"open'), /a quoted field is never closed/);
});

test("the round trip: the sheet, filled in by points or by rubric items, changes every output's totals", () => {
  const json = results();
  const sheet = join(dir, "sheet.csv");
  const made = reglab(["grade", "merge", json, "--source", SOURCE, "--manual-sheet", sheet]);
  assert.equal(made.status, 0, made.stderr);
  const rows = parseCsv(readFileSync(sheet, "utf8"));
  const header = rows[0];
  assert.deepEqual(header.slice(0, 4), ["student", "submission", "question", "max_points"]);
  assert.deepEqual(header.slice(-3), ["points", "comment", "answer"]);
  const itemColumns = header.filter((h) => / item \d \(max 1\): /.test(h));
  assert.equal(itemColumns.length, 4, "two rubric items for each of q5w and w1");
  assert.deepEqual(
    rows.slice(1).map((r) => [r[0], r[2], r[3]]),
    ["ann", "bob", "cy"].flatMap((s) => [
      [s, "q5w", "2"],
      [s, "w1", "2"],
    ]),
  );
  assert.equal(rows[1].at(-1), 'q5w: my answer, with "quotes", commas\nand lines');
  // An item of the other question is marked "-" in each row.
  assert.equal(rows[1][header.indexOf(itemColumns[2])], "-");

  // ann: q5w by points (1.5), w1 by items (1 + 0.5); bob: q5w 2; cy: left ungraded.
  const at = (name: string) => header.indexOf(name);
  rows[1][at("points")] = "1.5";
  rows[1][at("comment")] = "不錯 good";
  rows[2][header.indexOf(itemColumns[2])] = "1";
  rows[2][header.indexOf(itemColumns[3])] = "0.5";
  rows[3][at("points")] = "2";
  const filled = join(dir, "filled.csv");
  writeFileSync(filled, rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(",")).join("\r\n"));
  const out = join(dir, "final");
  const merged = reglab([
    "grade",
    "merge",
    json,
    "--source",
    SOURCE,
    "--manual-scores",
    filled,
    ...["--json", `${out}.json`, "--csv", `${out}.csv`, "--format", "gradescope", "--out-dir", out],
  ]);
  assert.equal(merged.status, 0, merged.stderr);
  const final: GradeReport[] = JSON.parse(readFileSync(`${out}.json`, "utf8"));
  assert.deepEqual(
    final.map((r) => [r.score, r.max_score]),
    [
      [7 + 1.5 + 1.5, 16],
      [12 + 2, 16],
      [0, 16],
    ],
  );
  assert.equal(final[0].manual[0].comment, "不錯 good");
  const csv = readFileSync(`${out}.csv`, "utf8").split("\n");
  assert.match(csv[1], /,10,16,.*,1\.5,1\.5,$/);
  const ann = JSON.parse(readFileSync(join(out, "ann.gradescope.json"), "utf8"));
  assert.deepEqual(violations(GRADESCOPE_RESULTS, ann), []);
  assert.equal(ann.score, 10);
  assert.deepEqual(
    ann.tests.slice(-2).map((t: { name: string; score: number }) => [t.name, t.score]),
    [
      ["q5w (graded by hand)", 1.5],
      ["w1 (graded by hand)", 1.5],
    ],
  );

  // Applying a sheet twice is refused.
  const again = reglab(["grade", "merge", `${out}.json`, "--source", SOURCE, "--manual-scores", filled, "--json", "-"]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already includes points graded by hand\n/);
});

test("a malformed sheet: one line naming the file and line, and nothing written", () => {
  const json = results();
  const header =
    "student,submission,question,max_points,q5w item 1 (max 1): x,q5w item 2 (max 1): y,w1 item 1 (max 1): z,w1 item 2 (max 1): w,points,comment,answer";
  const cases: Array<[string, RegExp]> = [
    ["dan,,q5w,2,,,,,1,,", /line 2: unknown student "dan" \(not among the submissions\)/],
    ["ann,,q9,2,,,,,1,,", /line 2: unknown question "q9" \(hand-graded: q5w, w1\)/],
    ["ann,,q5w,2,,,,,3,,", /line 2: points for q5w must be a number from 0 to 2, got "3"/],
    ["ann,,q5w,2,,,,,lots,,", /line 2: points for q5w must be a number from 0 to 2, got "lots"/],
    ["ann,,q5w,2,2,,,,,,", /line 2: "q5w item 1" must be a number from 0 to 1, got "2"/],
    ["ann,,q5w,2,1,1,,,1,,", /line 2: points 1 differ from its items' sum 2/],
    ["ann,,q5w,2,,,1,,,,", /line 2: "w1 item 1" belongs to w1, not q5w/],
    ["ann,,q5w,2,,,,,1,,\nann,,q5w,2,,,,,2,,", /line 3: ann's q5w is graded twice/],
  ];
  for (const [body, expected] of cases) {
    const sheet = join(dir, "bad.csv");
    writeFileSync(sheet, `${header}\n${body}\n`);
    const out = join(dir, "never.json");
    const run = reglab(["grade", "merge", json, "--source", SOURCE, "--manual-scores", sheet, "--json", out]);
    assert.equal(run.status, 2, body);
    assert.match(run.stderr, new RegExp(`^reglab grade: .*bad\\.csv, ${expected.source}\\n`), body);
    assert.ok(!existsSync(out), "nothing written");
  }
  const noPoints = join(dir, "no-points.csv");
  writeFileSync(noPoints, "student,question\nann,q5w\n");
  assert.match(
    reglab(["grade", "merge", json, "--source", SOURCE, "--manual-scores", noPoints, "--json", "-"]).stderr,
    /no-points\.csv: no "points" column \(write the sheet with --manual-sheet\)\n/,
  );
  const existing = join(dir, "existing.csv");
  writeFileSync(existing, "teacher's work");
  const refused = reglab(["grade", "merge", json, "--source", SOURCE, "--manual-sheet", existing]);
  assert.match(refused.stderr, /--manual-sheet .*existing\.csv exists \(filled in already\?\): give a new file name\n/);
  assert.equal(readFileSync(existing, "utf8"), "teacher's work");
});

test("late steps: hours late to percent off, past the last step all of it", () => {
  const steps = parseLatePenalty("24:10, 72:50");
  assert.deepEqual(
    [-1, 0, 0.5, 24, 24.01, 72, 73].map((h) => penaltyPercent(h, steps)),
    [0, 0, 10, 10, 50, 50, 100],
  );
  assert.equal(penaltyPercent(1e6, parseLatePenalty("24:10,inf:20")), 20);
  assert.throws(() => parseLatePenalty("24:10,12:20"), /the hours must increase from step to step/);
  assert.throws(() => parseLatePenalty("a day:10"), /HOURS:PERCENT steps like "24:10,72:50,inf:100", got "a day:10"/);
  assert.throws(() => parseLatePenalty("24:110"), /got "24:110"/);
});

test("a late policy from a submissions CSV or from file times: the score after it, the reason in every output", () => {
  const json = results();
  const times = join(dir, "times.csv");
  // due 2026-12-01 23:59 Taipei = 15:59 UTC; ann 10 h late, bob on time, cy 100 h late
  writeFileSync(
    times,
    "student,submitted_at\nann,2026-12-02T01:59:00Z\nbob,2026-12-01T23:00:00+08:00\ncy,2026-12-06T03:59:00+08:00\n",
  );
  const policy = ["--due", "2026-12-01T23:59:00+08:00", "--late-penalty", "24:10,72:50"];
  const out = join(dir, "late.json");
  const run = reglab([
    "grade",
    "merge",
    json,
    ...policy,
    "--submitted-at",
    times,
    "--json",
    out,
    "--csv",
    `${out}.csv`,
  ]);
  assert.equal(run.status, 0, run.stderr);
  const late: GradeReport[] = JSON.parse(readFileSync(out, "utf8"));
  assert.deepEqual(
    late.map((r) => [r.score, r.late?.hours_late, r.late?.penalty_percent]),
    [
      [6.3, 10, 10],
      [12, undefined, undefined],
      [0, 100, 100],
    ],
  );
  assert.equal(late[0].late!.score_before_penalty, 7);
  const csv = readFileSync(`${out}.csv`, "utf8").split("\n");
  assert.match(csv[0], /,late_penalty_percent,error$/);
  assert.match(csv[1], /,6\.3,12,.*,10,$/);

  // Without --submitted-at: the files' modification times.
  for (const [name, at] of [
    ["ann", "2026-12-01T12:00:00Z"],
    ["bob", "2026-12-02T12:00:00Z"],
    ["cy", "2026-12-01T00:00:00Z"],
  ]) {
    writeFileSync(join(dir, `${name}.ipynb`), "{}");
    utimesSync(join(dir, `${name}.ipynb`), new Date(at), new Date(at));
  }
  const byMtime = reglab(["grade", "merge", json, ...policy, "--json", "-"]);
  assert.equal(byMtime.status, 0, byMtime.stderr);
  assert.deepEqual(
    JSON.parse(byMtime.stdout).map((r: GradeReport) => r.late?.penalty_percent ?? 0),
    [0, 10, 0],
  );

  const refusals: Array<[string, string[], RegExp]> = [
    [
      json,
      ["--due", "2026-12-01 23:59", "--late-penalty", "24:10"],
      /--due must be a time with its zone, like 2026-12-01T23:59:00\+08:00, got "2026-12-01 23:59"/,
    ],
    [json, ["--due", "2026-12-01T23:59:00Z"], /--due and --late-penalty go together/],
    [json, ["--submitted-at", times], /--submitted-at needs --due and --late-penalty/],
    [json, [...policy, "--submitted-at", json], /results\.json: the header needs "student" and "submitted_at" columns/],
    [out, policy, /already has a late penalty/],
  ];
  for (const [input, args, expected] of refusals) {
    const refused = reglab(["grade", "merge", input, ...args, "--json", "-"]);
    assert.equal(refused.status, 2, args.join(" "));
    assert.match(refused.stderr, expected);
  }
});
