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
import { textBar } from "../util/bar";
import { type Command, defineCommand, positiveNumber, UsageError } from "./usage";

const HELP = `Usage: reglab grade SUBMISSION... --source SOURCE [--json FILE] [--csv FILE] [--feedback DIR]
                    [--timeout SEC] [--submission-timeout SEC] [--memory MB] [--jobs N] [--unsafe-no-sandbox]

Grades each submission (a notebook, or a folder of them) in its own fresh kernel: the student's
cells run first, then the SOURCE's test cells with their hidden parts. A test scores its points
when its cell runs clean (or what its parts report), 0 on a failed check, an error, a timeout
or a dead kernel. Scores come from the kernel's replies, never from printed text.

Each kernel runs in a bubblewrap sandbox: no network, a read-only view of the system and the
project's packages, one scratch folder holding only that student's notebook, nothing of the
grader's environment, memory capped, and everything it starts ends with it. Without bubblewrap
grading stops, unless --unsafe-no-sandbox is given.

Options:
  --source SOURCE  the instructor's notebook the assignment was made from (required)
  --json FILE      results as JSON: an object for one submission, a list for several ("-": stdout)
  --csv FILE       one row per submission, one column per test
  --feedback DIR   an HTML page per submission: each test, its message, the student's outputs
  --timeout SEC    per-cell time limit (default ${DEFAULT_CELL_TIMEOUT_SECONDS})
  --submission-timeout SEC
                   time limit for a whole submission (default ${DEFAULT_SUBMISSION_TIMEOUT_SECONDS})
  --memory MB      memory cap of each grading kernel: heap, Buffers and wasm (default ${DEFAULT_MEMORY_MB});
                   files it writes are capped at ${MAX_FILE_MB} MB each
  --jobs N         submissions graded at the same time (default 1; one kernel each)
  --unsafe-no-sandbox
                   grade without bubblewrap (only Node's permission model and the limits):
                   for trusted notebooks on machines without user namespaces
  -q, --quiet      print nothing but errors

Exit code: 0 when every submission was graded (whatever its score), 1 when one could not be.
`;

export const gradeCommand: Command = defineCommand({
  name: "grade",
  summary: "grade homework submissions in isolated kernels (JSON, CSV, HTML feedback)",
  help: HELP,
  options: {
    source: { type: "string" },
    json: { type: "string" },
    csv: { type: "string" },
    feedback: { type: "string" },
    timeout: { type: "string" },
    jobs: { type: "string" },
    memory: { type: "string" },
    "submission-timeout": { type: "string" },
    "unsafe-no-sandbox": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  async run({ values, positionals }, io) {
    if (!values.source) throw new UsageError("--source SOURCE is required");
    if (positionals.length === 0) throw new UsageError("no submissions given");
    const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new UsageError(`--jobs must be a whole number >= 1, got "${values.jobs}"`);
    const memory = values.memory === undefined ? undefined : Number(values.memory);
    if (memory !== undefined && !(Number.isInteger(memory) && memory >= 64))
      throw new UsageError(`--memory must be a whole number of MB >= 64, got "${values.memory}"`);
    const timeoutSeconds = positiveNumber("--timeout", values.timeout);
    const submissionTimeoutSeconds = positiveNumber("--submission-timeout", values["submission-timeout"]);
    let files: string[];
    try {
      files = collectNotebooks(positionals);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const homework = readHomework(values.source);
    const quiet = values.quiet ?? false;
    const tty = Boolean(process.stderr.isTTY);
    const reports = await gradeAll(files, homework, {
      jobs,
      timeoutSeconds,
      submissionTimeoutSeconds,
      memoryMb: memory,
      sandbox: values["unsafe-no-sandbox"] ? "none" : "required",
      onGraded: (report, done, total) => {
        if (quiet && !report.error) return;
        const line = `${report.submission}: ${report.score}/${report.max_score}${report.error ? ` — ${report.error}` : ""}`;
        io.err(tty && !quiet ? `\r\x1b[K${line}\n${textBar(done, total)} ${done}/${total} graded` : `${line}\n`);
      },
    });
    if (tty && !quiet) io.err("\r\x1b[K");
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
