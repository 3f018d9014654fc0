/**
 * Command-line plumbing shared by the subcommands. Each option is declared once — name, type,
 * default, help — and from that one table come the parsing (node:util parseArgs), the checking of
 * values (one-line UsageErrors naming the option), the defaults and the `--help` text. A user's
 * mistake is a UsageError (one line, exit 2); anything else is a failure of the work (exit 1).
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {}

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

type ValueType = "string" | "boolean" | "number" | "integer";

export interface OptionSpec {
  type: ValueType;
  /** What the help calls the value: "SEC", "DIR", "name=value". */
  value?: string;
  short?: string;
  multiple?: boolean;
  /** Used when the option is absent, and shown in the help. */
  default?: string | number | boolean;
  /** number and integer: the smallest value allowed (numbers must be > 0 unless `min` says otherwise). */
  min?: number;
  /** The unit a number is in, for messages ("seconds", "MB"). */
  unit?: string;
  /** string: the values allowed (the help text names them). */
  choices?: readonly string[];
  help: string;
}

type Options = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "number" | "integer"
    ? number
    : string;

/** The parsed values: each option's type; present (or defaulted) options are never undefined. */
export type Values<O extends Options> = {
  [K in keyof O]: O[K]["multiple"] extends true
    ? ValueOf<O[K]>[]
    : O[K]["default"] extends string | number | boolean
      ? ValueOf<O[K]>
      : ValueOf<O[K]> | undefined;
};

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  /** What follows `reglab <name>` in the usage line, options included. */
  synopsis: string;
  /** Paragraphs between the usage line and the options. */
  description: string;
  /** Positional arguments, `[name, help]`. */
  arguments?: Array<[string, string]>;
  options: O;
  /** Text after the options (examples, exit codes). */
  epilogue?: string;
  run(values: Values<O>, positionals: string[], io: CommandIO): Promise<number>;
}

const HELP_COLUMN = 24;

/** One entry of a help list: the term, then its text in a column (on the next line when the term is long). */
function helpEntry(term: string, text: string): string {
  const [first, ...rest] = text.split("\n");
  const lead = `  ${term}`;
  const head =
    lead.length < HELP_COLUMN ? `${lead.padEnd(HELP_COLUMN)}${first}` : `${lead}\n${" ".repeat(HELP_COLUMN)}${first}`;
  return [head, ...rest.map((line) => `${" ".repeat(HELP_COLUMN)}${line}`)].join("\n");
}

function optionHelp(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "boolean" ? "" : ` ${spec.value ?? name.toUpperCase()}`}`;
  return helpEntry(
    flag,
    spec.default === undefined ? spec.help : `${spec.help} (default ${JSON.stringify(spec.default)})`,
  );
}

/** The command's `--help`, generated from its spec. */
export function helpText<O extends Options>(spec: CommandSpec<O>): string {
  const sections = [`Usage: reglab ${spec.name} ${spec.synopsis}`, spec.description.trim()];
  if (spec.arguments?.length)
    sections.push(`Arguments:\n${spec.arguments.map(([name, help]) => helpEntry(name, help)).join("\n")}`);
  const options = Object.entries(spec.options).map(([name, option]) => optionHelp(name, option));
  options.push(optionHelp("help", { type: "boolean", short: "h", help: "show this help" }));
  sections.push(`Options:\n${options.join("\n")}`);
  if (spec.epilogue) sections.push(spec.epilogue.trim());
  return `${sections.join("\n\n")}\n`;
}

function convert(name: string, spec: OptionSpec, raw: string): string | number {
  if (spec.choices && !spec.choices.includes(raw))
    throw new UsageError(`--${name} must be one of ${spec.choices.join(", ")}, got "${raw}"`);
  if (spec.type === "string") return raw;
  const number = Number(raw);
  const min = spec.min ?? 0;
  const whole = spec.type === "integer";
  const ok =
    raw.trim() !== "" &&
    Number.isFinite(number) &&
    (!whole || Number.isInteger(number)) &&
    (spec.min === undefined ? number > 0 : number >= min);
  if (!ok) {
    const what = whole ? "a whole number" : "a number";
    const unit = spec.unit ? ` of ${spec.unit}` : "";
    const bound = spec.min === undefined ? "> 0" : `>= ${min}`;
    throw new UsageError(`--${name} must be ${what}${unit} ${bound}, got "${raw}"`);
  }
  return number;
}

/**
 * A subcommand whose arguments are parsed strictly (positionals allowed) into typed, checked values
 * with their defaults, whose parse errors are one-line UsageErrors, and whose `--help` is generated.
 */
export function defineCommand<const O extends Options>(spec: CommandSpec<O>): Command {
  const help = helpText(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(args, io) {
      let parsed: {
        values: Record<string, string | boolean | Array<string | boolean> | undefined>;
        positionals: string[];
      };
      try {
        parsed = parseArgs({
          args,
          options: {
            help: { type: "boolean", short: "h" },
            ...Object.fromEntries(
              Object.entries(spec.options).map(([name, option]) => [
                name,
                {
                  type: option.type === "boolean" ? "boolean" : "string",
                  ...(option.short ? { short: option.short } : {}),
                  ...(option.multiple ? { multiple: true } : {}),
                },
              ]),
            ),
          },
          allowPositionals: true,
          strict: true,
        }) as typeof parsed;
      } catch (error) {
        throw new UsageError(
          (error as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, ""),
        );
      }
      if (parsed.values.help) {
        io.out(help);
        return 0;
      }
      const values: Record<string, unknown> = {};
      for (const [name, option] of Object.entries(spec.options)) {
        const raw = parsed.values[name];
        if (raw === undefined) values[name] = option.multiple ? [] : option.default;
        else if (option.type === "boolean") values[name] = raw;
        else if (Array.isArray(raw)) values[name] = raw.map((item) => convert(name, option, String(item)));
        else values[name] = convert(name, option, String(raw));
      }
      return spec.run(values as Values<O>, parsed.positionals, io);
    },
  };
}
