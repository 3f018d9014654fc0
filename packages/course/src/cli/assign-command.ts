/** `reglab assign`: the student's notebook from the instructor's, validated before it is written. */
import { existsSync, mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { releaseProblems, studentNotebook, validateAssignment } from "../grader/assign";
import { DEFAULT_CELL_TIMEOUT_SECONDS } from "../grader/grade";
import { readHomework } from "../grader/source";
import { writeNotebook } from "../runner/notebook";
import { type Command, defineCommand, UsageError } from "./usage";

export const assignCommand: Command = defineCommand({
  name: "assign",
  summary: "make the student notebook from an instructor's notebook, validated",
  synopsis: "SOURCE --out DIR [--no-validate] [--timeout SEC] [--force]",
  description: `
Writes the student version of an instructor's notebook (SOURCE, e.g. homework.source.ipynb) to
DIR/<name>.ipynb (".source" dropped): solutions between "// BEGIN SOLUTION" and "// END SOLUTION"
become "// YOUR CODE HERE" + throw new Error("not implemented"), hidden tests between
"// BEGIN HIDDEN TESTS" and "// END HIDDEN TESTS" are removed, outputs are cleared, cell ids kept.

It refuses a release whose visible cells show a line of a solution (a visible test that computes
the expected answer the way the solution does gives it away), or whose tests cannot be compiled into
their two grading parts: what runs in the student's kernel (the names of the student's functions and
values a test uses) and what runs in the trusted checker (the test itself, as JavaScript; each test
on its own, so one that uses what another test declares is refused).

Before writing, it validates the source (as nbgrader's validate does): the solved SOURCE must score
full marks and the blank student version must score 0 on the auto-graded tests. Nothing is written
if any of this fails.`,
  options: {
    out: { type: "string", value: "DIR", help: "where the student notebook goes (required)" },
    "no-validate": { type: "boolean", help: "skip the two grading runs" },
    timeout: {
      type: "number",
      value: "SEC",
      unit: "seconds",
      default: DEFAULT_CELL_TIMEOUT_SECONDS,
      help: "per-cell limit for the validation runs",
    },
    force: { type: "boolean", help: "replace an existing student notebook in DIR" },
    quiet: { type: "boolean", short: "q", help: "print nothing but errors" },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length === 0 ? "missing SOURCE notebook" : `one SOURCE only, got ${positionals.length}`,
      );
    if (!values.out) throw new UsageError("--out DIR is required");
    const homework = readHomework(positionals[0]);
    const target = join(values.out, basename(positionals[0]).replace(/\.source\.ipynb$/, ".ipynb"));
    if (resolve(target) === resolve(positionals[0]))
      throw new UsageError(`--out: ${target} would overwrite the source; choose another folder`);
    if (existsSync(target) && !values.force) throw new UsageError(`${target} exists; pass --force to replace it`);
    const student = studentNotebook(homework);
    const shown = releaseProblems(homework, student);
    if (shown.length > 0) {
      io.err(
        `reglab assign: ${positionals[0]} cannot be released, nothing written:\n${shown.map((p) => `  - ${p}\n`).join("")}`,
      );
      return 1;
    }
    if (!values["no-validate"]) {
      if (!values.quiet) io.err("validating: grading the solved source and the blank student version…\n");
      const { solved, blank, problems } = await validateAssignment(homework, student, {
        timeoutSeconds: values.timeout,
      });
      if (problems.length > 0) {
        io.err(
          `reglab assign: ${positionals[0]} does not validate, nothing written:\n${problems.map((p) => `  - ${p}\n`).join("")}`,
        );
        return 1;
      }
      if (!values.quiet) {
        io.err(`validated: solution ${solved.score}/${solved.max_score}, blank ${blank.score}/${blank.max_score}\n`);
      }
    }
    mkdirSync(values.out, { recursive: true });
    writeNotebook(target, student);
    if (!values.quiet) io.out(`Wrote ${target}\n`);
    return 0;
  },
});
