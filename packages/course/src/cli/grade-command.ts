/** `reglab grade`: score submissions against the instructor's notebook; `reglab grade merge`: join shards. */
import { defaultJobs, gradeAll } from "../grader/batch";
import { DEFAULT_CELL_TIMEOUT_SECONDS, DEFAULT_MEMORY_MB, DEFAULT_SUBMISSION_TIMEOUT_SECONDS } from "../grader/grade";
import { type LatePolicy, parseLatePenalty, parseTime, submissionTimes, withLatePenalty } from "../grader/late";
import { manualSheetCsv, readManualScores, withManualScores } from "../grader/manual-sheet";
import { type PlatformFiles, planPlatformFiles } from "../grader/platform-files";
import { PLATFORM_FORMATS, type PlatformFormat, studentIds } from "../grader/platforms";
import { addFigurePictures } from "../grader/figure-pictures";
import { reportsJson, writeFeedbackPage, writeGradeReports } from "../grader/reports";
import { MAX_FILE_MB } from "../grader/sandbox";
import type { GradeReport } from "../grader/scoring";
import { parseShard, previousResults, readShardReports, shardRange } from "../grader/shards";
import { type HomeworkSource, readHomework } from "../grader/source";
import { collectNotebooks } from "../runner/run";
import { existsSync } from "node:fs";
import { ProgressLine, textBar, writeFileAtomic } from "reglab/tooling";
import { type CommandIO, defineCommand, type OptionSpec, UsageError, type Values } from "./usage";

const OPTIONS = {
  source: {
    type: "string",
    value: "SOURCE",
    help: "the instructor's notebook the assignment was made from (required)",
  },
  json: {
    type: "string",
    value: "FILE",
    help: 'results as JSON: an object for one submission, a list for several ("-": stdout)',
  },
  csv: { type: "string", value: "FILE", help: "one row per submission, one column per test" },
  feedback: {
    type: "string",
    value: "DIR",
    help: "an HTML page per submission: each test, its message, the student's outputs",
  },
  format: {
    type: "string",
    value: "FORMAT",
    multiple: true,
    choices: PLATFORM_FORMATS,
    help: `a platform's format, into --out-dir (repeat for several): gradescope and
prairielearn, a results.json per submission (<student>.<format>.json);
canvas and moodle, a gradebook CSV for the batch (gradebook.<format>.csv)`,
  },
  "out-dir": { type: "string", value: "DIR", help: "where --format files go (created if missing)" },
  "student-id": {
    type: "string",
    value: "REGEX",
    help: `the student id in each submission's file name: the first group of REGEX
(Canvas downloads: '_(\\d+)_\\d+_'; Moodle: '_(\\d+)_assignsubmission_');
default: the file name without .ipynb`,
  },
  assignment: {
    type: "string",
    value: "NAME",
    help: "the assignment's column in the Canvas gradebook (default: the SOURCE's file name)",
  },
  timeout: {
    type: "number",
    value: "SEC",
    unit: "seconds",
    default: DEFAULT_CELL_TIMEOUT_SECONDS,
    help: "per-cell time limit",
  },
  "submission-timeout": {
    type: "number",
    value: "SEC",
    unit: "seconds",
    default: DEFAULT_SUBMISSION_TIMEOUT_SECONDS,
    help: "time limit for a whole submission",
  },
  memory: {
    type: "integer",
    value: "MB",
    unit: "MB",
    min: 64,
    default: DEFAULT_MEMORY_MB,
    help: `memory cap of each grading kernel: heap, Buffers and wasm;
files it writes are capped at ${MAX_FILE_MB} MB each`,
  },
  only: {
    type: "string",
    value: "STUDENT",
    help: `regrade one student's submission (its --student-id) and update --json, which
must hold the earlier run's results, and every other output, in place`,
  },
  "manual-sheet": {
    type: "string",
    value: "FILE",
    help: `a CSV for grading by hand: a row per student and hand-graded question, the
answer, a column per rubric item; fill in points (or items) and comment`,
  },
  "manual-scores": {
    type: "string",
    value: "FILE",
    help: `a filled-in --manual-sheet: its points join every output (scores then
include the hand-graded questions); checked whole before anything is written`,
  },
  due: {
    type: "string",
    value: "TIME",
    help: "the due time, with its zone (2026-12-01T23:59:00+08:00); needs --late-penalty",
  },
  "late-penalty": {
    type: "string",
    value: "STEPS",
    help: `hours late → percent off, as HOURS:PERCENT steps: "24:10,72:50,inf:100"
(past the last step: 100); taken off the total, hand-graded points included`,
  },
  "submitted-at": {
    type: "string",
    value: "FILE",
    help: `a CSV with "student" and "submitted_at" (with zone) columns; without it,
each submission file's modification time`,
  },
  shard: {
    type: "string",
    value: "i/n",
    help: `grade only the i-th of n contiguous slices of the submissions (folders
sorted by name); --json then always writes a list, and
\`reglab grade merge\` joins the shards' lists in order 1..n`,
  },
  jobs: {
    type: "integer",
    value: "N",
    min: 1,
    default: defaultJobs(),
    help: `submissions graded at the same time, a kernel and a checker each (and
the next two starting); by default one per core, fewer where memory cannot hold
2 × ${DEFAULT_MEMORY_MB} MB per job`,
  },
  "unsafe-no-sandbox": {
    type: "boolean",
    help: `grade without bubblewrap (only Node's permission model and the limits):
for trusted notebooks on machines without user namespaces`,
  },
  quiet: { type: "boolean", short: "q", help: "print nothing but errors" },
} satisfies Record<string, OptionSpec>;

type GradeValues = Values<typeof OPTIONS>;

/** Runs `fn`, turning its Error into a one-line usage mistake. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

interface Outputs {
  /** Each submission's student id. */
  ids: readonly string[];
  platform: PlatformFiles | undefined;
  /** The report as written: with the teacher's points (--manual-scores), then the late policy. */
  finish(report: GradeReport, index: number): GradeReport;
  /** Writes --manual-sheet, if asked for. */
  writeSheet(reports: readonly GradeReport[]): void;
}

/** --due and --late-penalty, both or neither; --submitted-at only with them. */
function latePolicy(values: GradeValues): LatePolicy | undefined {
  const { due, "late-penalty": penalty, "submitted-at": submittedAt } = values;
  if (due === undefined && penalty === undefined) {
    if (submittedAt !== undefined) throw new Error("--submitted-at needs --due and --late-penalty");
    return undefined;
  }
  if (due === undefined || penalty === undefined) throw new Error("--due and --late-penalty go together");
  return { due: parseTime(due, "--due"), steps: parseLatePenalty(penalty) };
}

/** Plans and checks, before any grading, what a run writes besides --json and --csv. */
function planOutputs(
  submissions: readonly string[],
  homework: HomeworkSource | undefined,
  values: GradeValues,
): Outputs {
  return asUsage(() => {
    const sheet = values["manual-sheet"];
    const scoresFile = values["manual-scores"];
    if ((values.format.length > 0 || sheet || scoresFile) && !homework)
      throw new Error("--format, --manual-sheet and --manual-scores need --source SOURCE");
    if (sheet && existsSync(sheet))
      throw new Error(`--manual-sheet ${sheet} exists (filled in already?): give a new file name`);
    const ids = studentIds(submissions, values["student-id"]);
    const scores = scoresFile && homework ? readManualScores(scoresFile, ids, homework) : undefined;
    const late = latePolicy(values);
    const times = late && submissionTimes(submissions, ids, values["submitted-at"]);
    return {
      ids,
      platform:
        homework &&
        planPlatformFiles(submissions, homework, {
          formats: values.format as PlatformFormat[],
          outDir: values["out-dir"],
          ids,
          assignment: values.assignment,
        }),
      finish: (report, index) =>
        asUsage(() => {
          const marked = scores ? withManualScores(report, scores.get(ids[index])) : report;
          return late && times ? withLatePenalty(marked, times[index], late) : marked;
        }),
      writeSheet: (reports) => {
        if (sheet && homework) writeFileAtomic(sheet, manualSheetCsv(reports, ids, homework));
      },
    };
  });
}

function writeResults(reports: readonly GradeReport[], values: GradeValues, io: CommandIO, asList: boolean): void {
  if (values.json === "-") io.out(reportsJson(reports, asList));
  writeGradeReports(reports, { json: values.json === "-" ? undefined : values.json, csv: values.csv, asList });
}

/**
 * `reglab grade merge RESULTS.json...`: the shards' reports, in the order given, as one run's files —
 * and where the teacher's points from a sheet join the automatic ones.
 */
function merge(values: GradeValues, shardFiles: string[], io: CommandIO): number {
  if (shardFiles.length === 0) throw new UsageError("merge: no shard JSON files given");
  if (!values.json && !values.csv && values.format.length === 0 && !values["manual-sheet"])
    throw new UsageError("merge: nothing to write: give --json, --csv, --format or --manual-sheet");
  const read = asUsage(() => readShardReports(shardFiles));
  const homework = values.source ? readHomework(values.source) : undefined;
  const outputs = planOutputs(
    read.map((r) => r.submission),
    homework,
    values,
  );
  const reports = read.map(outputs.finish);
  reports.forEach((report, index) => outputs.platform?.writeSubmission(index, report));
  outputs.platform?.writeBatch(reports);
  outputs.writeSheet(reports);
  writeResults(reports, values, io, false);
  return reports.some((report) => report.status === "failed") ? 1 : 0;
}

/** "3/40 graded, 1 failed, about 12 min left" */
function progressText(done: number, total: number, failed: number, started: number): string {
  const perSubmission = (Date.now() - started) / 1000 / done;
  const left = Math.round((perSubmission * (total - done)) / 60);
  const eta = done < total ? `, about ${left < 1 ? "<1" : left} min left` : "";
  return `${textBar(done, total)} ${done}/${total} graded${failed > 0 ? `, ${failed} failed` : ""}${eta}`;
}

async function grade(values: GradeValues, positionals: string[], io: CommandIO): Promise<number> {
  if (!values.source) throw new UsageError("--source SOURCE is required");
  if (positionals.length === 0) throw new UsageError("no submissions given");
  const all = asUsage(() => collectNotebooks(positionals));
  const shard = values.shard === undefined ? undefined : asUsage(() => parseShard(values.shard!));
  const [start, end] = shard ? shardRange(all.length, shard) : [0, all.length];
  const files = all.slice(start, end);
  const homework = readHomework(values.source);
  const outputs = planOutputs(files, homework, values);
  // --only: grade one student's submission, keep everyone else's results from the earlier run
  let targets = files.map((_, i) => i);
  let previous: GradeReport[] | undefined;
  if (values.only !== undefined) {
    const index = outputs.ids.indexOf(values.only);
    asUsage(() => {
      if (!values.json || values.json === "-") throw new Error("--only needs --json FILE: the results it updates");
      if (index < 0) throw new Error(`--only ${values.only}: no submission of that student among the ${files.length}`);
      previous = previousResults(values.json, files);
    });
    targets = [index];
  }
  const quiet = values.quiet ?? false;
  const progress = new ProgressLine(process.stderr.isTTY && !quiet ? "terminal" : "lines", io.err);
  const started = Date.now();
  let failed = 0;
  /** Each graded report as written (outputs.finish), by submission index. */
  const fresh = new Map<number, GradeReport>();
  const pages: Array<Promise<unknown>> = [];
  const sandboxed = !values["unsafe-no-sandbox"];
  await gradeAll(
    targets.map((i) => files[i]),
    homework,
    {
      jobs: values.jobs,
      timeoutSeconds: values.timeout,
      submissionTimeoutSeconds: values["submission-timeout"],
      memoryMb: values.memory,
      sandbox: values["unsafe-no-sandbox"] ? "none" : "required",
      onGraded: (graded, k, done, total) => {
        const index = targets[k];
        const report = outputs.finish(graded.report, index);
        fresh.set(index, report);
        if (report.status === "failed") failed++;
        // numbered among all the submissions, so the shards' pages can share one folder
        if (values.feedback) {
          const dir = values.feedback;
          // Pictures are drawn while the next submissions grade; the pages are written once they are in.
          pages.push(
            (graded.notebook ? addFigurePictures(graded.notebook, sandboxed) : Promise.resolve(0))
              .catch(() => 0)
              .then(() => writeFeedbackPage(dir, start + index, { ...graded, report })),
          );
        }
        outputs.platform?.writeSubmission(index, report);
        if (!quiet || report.error)
          progress.line(
            `${report.submission}: ${report.score}/${report.max_score}${report.error ? ` — ${report.error}` : ""}`,
          );
        progress.live(progressText(done, total, failed, started));
      },
    },
  );
  await Promise.all(pages);
  progress.end();
  const reports = previous
    ? previous.map((report, i) => fresh.get(i) ?? report)
    : targets.map((index) => fresh.get(index)!);
  writeResults(reports, values, io, shard !== undefined);
  outputs.platform?.writeBatch(reports);
  outputs.writeSheet(reports);
  if (!quiet && values.json !== "-" && reports.length > 0) {
    const total = reports.reduce((sum, r) => sum + r.score, 0);
    io.out(
      `Graded ${reports.length} submission${reports.length === 1 ? "" : "s"}: mean ${(total / reports.length).toFixed(2)} / ${reports[0].max_score}\n`,
    );
  }
  return reports.some((report) => report.status === "failed") ? 1 : 0;
}

export const gradeCommand = defineCommand({
  name: "grade",
  summary: "grade homework submissions in isolated kernels (JSON, CSV, HTML feedback, platform formats)",
  synopsis: `SUBMISSION... --source SOURCE [--json FILE] [--csv FILE] [--feedback DIR]
                    [--format FORMAT]... [--out-dir DIR] [--student-id REGEX] [--assignment NAME]
                    [--manual-sheet FILE] [--manual-scores FILE] [--only STUDENT]
                    [--due TIME --late-penalty STEPS [--submitted-at FILE]]
                    [--shard i/n] [--timeout SEC] [--submission-timeout SEC] [--memory MB] [--jobs N]
                    [--unsafe-no-sandbox]
       reglab grade merge SHARD.json... [--json FILE] [--csv FILE] [--source SOURCE --format FORMAT...]`,
  description: `
Grades each submission (a notebook, or a folder of them) with two fresh processes: the student's
kernel runs the student's cells; a trusted checker (plain Node) runs the SOURCE's test cells,
hidden parts included, compiled to JavaScript once per run, and asks the student's kernel for each
answer it needs, which comes back as data (numbers, arrays, tensors, model weights) — no test code
or expected value enters the student's process. A test scores its points when it runs clean in
the checker (or what its parts report), 0 on a failed check, an error, a timeout or a dead kernel;
never from printed text.

Each process runs in a bubblewrap sandbox: no capability, a seccomp filter, no network, a read-only
view of the system and the project's packages, size-limited scratch folders of its own, nothing
of the grader's environment, memory capped, and everything it starts ends with it; graded as
root, each runs as a user of its own. Without the sandbox grading stops, unless
--unsafe-no-sandbox is given.`,
  arguments: [
    ["SUBMISSION", "a submitted notebook, or a folder of them"],
    ["merge", "joins the --json files of shards (in order 1..n) into what one run writes"],
  ],
  options: OPTIONS,
  epilogue: `Exit code: 0 when grading worked for every submission (whatever its score; a file that is not a
notebook of this homework is reported as "invalid" with 0), 1 when grading itself failed for one
(a kernel or the sandbox would not start: see its "error"), 2 for a usage mistake.`,
  run: (values, positionals, io) =>
    positionals[0] === "merge"
      ? Promise.resolve(merge(values, positionals.slice(1), io))
      : grade(values, positionals, io),
});
