/** `reglab package gradescope`: the autograder zip for a homework. */
import { existsSync } from "node:fs";
import { writeFileAtomic } from "reglab/tooling";
import { gradescopePackage } from "../grader/gradescope-package";
import { readHomework } from "../grader/source";
import { type Command, defineCommand, UsageError } from "./usage";

export const packageCommand: Command = defineCommand({
  name: "package",
  summary: "package a homework's grader for a platform (Gradescope's autograder zip)",
  synopsis: "gradescope --source SOURCE --out FILE [--force]",
  description: `
Writes Gradescope's autograder zip: setup.sh (installs this Node version, bubblewrap, Debian's
Fashion-MNIST, then the reglab packages installed here, copied into the zip) and run_autograder
(grades the one .ipynb in /autograder/submission against SOURCE into
/autograder/results/results.json, as \`reglab grade --format gradescope\` writes it). Where
Gradescope's container does not allow bubblewrap's user namespaces, run_autograder says so and
grades without reglab's sandbox, inside the container Gradescope gives each submission.`,
  arguments: [["gradescope", "the platform (the only one that takes an upload)"]],
  options: {
    source: { type: "string", value: "SOURCE", help: "the instructor's notebook (required)" },
    out: { type: "string", value: "FILE", help: "the zip to write (required)" },
    force: { type: "boolean", help: "replace an existing FILE" },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1 || positionals[0] !== "gradescope")
      throw new UsageError(`the platform must be "gradescope", got ${JSON.stringify(positionals.join(" "))}`);
    if (!values.source) throw new UsageError("--source SOURCE is required");
    if (!values.out) throw new UsageError("--out FILE is required");
    if (existsSync(values.out) && !values.force)
      throw new UsageError(`${values.out} exists; pass --force to replace it`);
    readHomework(values.source); // a homework the grader can read, or one line saying why not
    writeFileAtomic(values.out, gradescopePackage(values.source, process.version));
    io.out(`Wrote ${values.out}: upload it as the autograder of a Gradescope programming assignment\n`);
    return 0;
  },
});
