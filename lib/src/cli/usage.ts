/**
 * Command-line plumbing shared by the subcommands: option parsing with one-line errors, and the
 * distinction between a user's mistake (UsageError: one line, exit 2) and a failure of the work.
 */

export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Every subcommand's `-h, --help`. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/** Runs a node:util parseArgs call, turning its errors into one-line UsageErrors. */
export function parseCommandLine<Parsed>(parse: () => Parsed): Parsed {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, ""));
  }
}

/** A number option: finite and > 0, or a UsageError naming the option. */
export function positiveNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${option} must be a number of seconds > 0, got "${value}"`);
  }
  return number;
}
