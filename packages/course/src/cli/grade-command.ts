/** `reglab grade`: score submissions against the instructor's notebook. */
import { gradeAll } from "../grader/batch";
import {
  DEFAULT_CELL_TIMEOUT_SECONDS,
  DEFAULT_MEMORY_MB,
  DEFAULT_SUBMISSION_TIMEOUT_SECONDS,
  maxScore,
} from "../grader/grade";
import { MAX_FILE_MB } from "../grader/sandbox";
import { reportsJson, writeGradeReports } from "../grader/reports";
import { readHomework } from "../grader/source";
import { collectNotebooks } from "../runner/run";
import { ProgressLine, textBar } from "reglab/tooling";
import { type Command, defineCommand, UsageError } from "./usage";

export const gradeCommand: Command = defineCommand({
  name: "grade",
  summary: "grade homework submissions in isolated kernels (JSON, CSV, HTML feedback)",
  synopsis: `SUBMISSION... --source SOURCE [--json FILE] [--csv FILE] [--feedback DIR]
                    [--timeout SEC] [--submission-timeout SEC] [--memory MB] [--jobs N] [--unsafe-no-sandbox]`,
  description: `
Grades each submission (a notebook, or a folder of them) in its own fresh kernel: the student's
cells run first, then the SOURCE's test cells with their hidden parts. A test scores its points
when its cell runs clean (or what its parts report), 0 on a failed check, an error, a timeout
or a dead kernel. Scores come from the kernel's replies, never from printed text.

Each kernel runs in a bubblewrap sandbox: no capability, a seccomp filter, no network, a read-only
view of the system and the project's packages, one scratch folder holding only that student's
notebook, nothing of the grader's environment, memory capped, and everything it starts ends with
it; graded as root, it runs as nobody. Without the sandbox grading stops, unless
--unsafe-no-sandbox is given.`,
  arguments: [["SUBMISSION", "a submitted notebook, or a folder of them"]],
  options: {
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
    jobs: {
      type: "integer",
      value: "N",
      min: 1,
      default: 1,
      help: "submissions graded at the same time (one kernel each)",
    },
    "unsafe-no-sandbox": {
      type: "boolean",
      help: `grade without bubblewrap (only Node's permission model and the limits):
for trusted notebooks on machines without user namespaces`,
    },
    quiet: { type: "boolean", short: "q", help: "print nothing but errors" },
  },
  epilogue: "Exit code: 0 when every submission was graded (whatever its score), 1 when one could not be.",
  async run(values, positionals, io) {
    if (!values.source) throw new UsageError("--source SOURCE is required");
    if (positionals.length === 0) throw new UsageError("no submissions given");
    let files: string[];
    try {
      files = collectNotebooks(positionals);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const homework = readHomework(values.source);
    const quiet = values.quiet ?? false;
    const progress = new ProgressLine(process.stderr.isTTY && !quiet ? "terminal" : "lines", io.err);
    const reports = await gradeAll(files, homework, {
      jobs: values.jobs,
      timeoutSeconds: values.timeout,
      submissionTimeoutSeconds: values["submission-timeout"],
      memoryMb: values.memory,
      sandbox: values["unsafe-no-sandbox"] ? "none" : "required",
      onGraded: (report, done, total) => {
        if (!quiet || report.error)
          progress.line(
            `${report.submission}: ${report.score}/${report.max_score}${report.error ? ` — ${report.error}` : ""}`,
          );
        progress.live(`${textBar(done, total)} ${done}/${total} graded`);
      },
    });
    progress.end();
    if (values.json === "-") io.out(reportsJson(reports));
    writeGradeReports(reports, homework, {
      json: values.json === "-" ? undefined : values.json,
      csv: values.csv,
      feedbackDir: values.feedback,
    });
    if (!quiet && values.json !== "-") {
      const total = reports.reduce((sum, r) => sum + r.score, 0);
      io.out(
        `Graded ${reports.length} submission${reports.length === 1 ? "" : "s"}: mean ${(total / reports.length).toFixed(2)} / ${maxScore(homework)}\n`,
      );
    }
    return reports.some((report) => report.error) ? 1 : 0;
  },
});
