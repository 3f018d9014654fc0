/**
 * The `reglab` command. User mistakes end in one line on stderr (exit 2), never a stack trace;
 * REGLAB_DEBUG=1 shows the stack of an unexpected failure.
 */
import { killAllKernels } from "../runner/kernel";
import { assignCommand } from "./assign-command";
import { gradeCommand } from "./grade-command";
import { packageCommand } from "./package-command";
import { kernelCommand } from "./kernel-command";
import { runCommand } from "./run-command";
import { type Command, type CommandIO, UsageError } from "./usage";

const COMMANDS: readonly Command[] = [runCommand, kernelCommand, assignCommand, gradeCommand, packageCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "Usage: reglab <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "`reglab <command> --help` describes each command.",
    "",
  ].join("\n");
}

const consoleIO: CommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export async function main(args: string[], io: CommandIO = consoleIO): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    io.out(command ? command.help : usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`reglab: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`reglab ${command.name}: ${error.message}\nSee \`reglab ${command.name} --help\`.\n`);
      return 2;
    }
    io.err(`reglab ${command.name}: ${(error as Error).message}\n`);
    if (process.env.REGLAB_DEBUG) io.err(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** Entry point of bin/reglab.js: Ctrl-C or SIGTERM also stop the kernels this process started. */
export function cli(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killAllKernels();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Done means done: nothing left behind (a lingering socket or timer) may keep the command alive.
    setTimeout(() => process.exit(code), 0).unref();
  });
}
