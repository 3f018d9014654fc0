/**
 * Command-line plumbing shared by the subcommands: option parsing with one-line errors, `--help`,
 * and the distinction between a user's mistake (UsageError: one line, exit 2) and a failure of the work.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

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
const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP_OPTION; allowPositionals: true; strict: true }>
>;

export interface CommandSpec<T extends Options> {
  name: string;
  summary: string;
  help: string;
  /** The command's options (node:util parseArgs); `-h, --help` is added. */
  options: T;
  run(parsed: Parsed<T>, io: CommandIO): Promise<number>;
}

/**
 * A subcommand whose arguments are parsed strictly (positionals allowed), whose parse errors are
 * one-line UsageErrors, and whose `--help` prints `help`.
 */
export function defineCommand<const T extends Options>(spec: CommandSpec<T>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(args, io) {
      let parsed: Parsed<T>;
      try {
        parsed = parseArgs({
          args,
          options: { ...HELP_OPTION, ...spec.options },
          allowPositionals: true,
          strict: true,
        }) as Parsed<T>;
      } catch (error) {
        throw new UsageError(
          (error as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, ""),
        );
      }
      if ((parsed.values as { help?: boolean }).help) {
        io.out(spec.help);
        return 0;
      }
      return spec.run(parsed, io);
    },
  };
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
