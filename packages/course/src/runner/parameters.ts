/**
 * Notebook parameters, papermill's convention in TypeScript: `-p name=value` values are typed the way
 * papermill infers them, and declared in a new cell tagged `injected-parameters` placed right after
 * the cell tagged `parameters` (whose declarations stay as the defaults). Where the parameters cell
 * annotates a type (`let DATASET: "fashion" | "cifar10" = …`) the injected declaration reuses it, so
 * a value of the wrong type is a compile error in the injected cell rather than a surprise later.
 */
import { type CodeCell, cellTags, joinSource, newCellId, type Notebook } from "./notebook";

export type ParameterValue = number | boolean | string | unknown[] | Record<string, unknown>;

export const PARAMETERS_TAG = "parameters";
export const INJECTED_TAG = "injected-parameters";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** papermill's inference: numbers, booleans, JSON arrays and objects; anything else stays a string. */
export function inferValue(text: string): ParameterValue {
  if (NUMBER.test(text)) return Number(text);
  if (text === "true" || text === "True") return true;
  if (text === "false" || text === "False") return false;
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as ParameterValue;
    } catch {
      return text;
    }
  }
  return text;
}

/** Parses repeated `-p name=value` arguments; the last value of a repeated name wins. */
export function parseParameterArgs(args: readonly string[]): Record<string, ParameterValue> {
  const parameters: Record<string, ParameterValue> = {};
  for (const arg of args) {
    const at = arg.indexOf("=");
    const name = at < 0 ? arg : arg.slice(0, at);
    if (at < 0) throw new Error(`-p ${arg}: expected name=value`);
    if (!IDENTIFIER.test(name)) throw new Error(`-p ${arg}: "${name}" is not a TypeScript identifier`);
    parameters[name] = inferValue(arg.slice(at + 1));
  }
  return parameters;
}

interface Declaration {
  keyword: "const" | "let" | "var";
  type?: string;
}

/** `const|let|var NAME[: TYPE] =` declarations at the start of a line of the parameters cell. */
export function declaredParameters(source: string): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const pattern =
    /^[ \t]*(?:export[ \t]+)?(const|let|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*(?::[ \t]*([^=\n]+?))?[ \t]*=/gm;
  for (const match of source.matchAll(pattern)) {
    found.set(match[2], { keyword: match[1] as Declaration["keyword"], type: match[3]?.trim() });
  }
  return found;
}

function literal(value: ParameterValue): string {
  return typeof value === "number" ? (Number.isFinite(value) ? String(value) : "NaN") : JSON.stringify(value);
}

function inferredType(value: ParameterValue): string | undefined {
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  return undefined; // arrays and objects: let TypeScript infer from the literal
}

export function parametersSource(
  parameters: Record<string, ParameterValue>,
  declared: Map<string, Declaration>,
): string {
  const lines = ["// Parameters injected by `reglab run`."];
  for (const [name, value] of Object.entries(parameters)) {
    const declaration = declared.get(name);
    const type = declaration?.type ?? inferredType(value);
    lines.push(`${declaration?.keyword ?? "let"} ${name}${type ? `: ${type}` : ""} = ${literal(value)};`);
  }
  return lines.join("\n");
}

export interface InjectionResult {
  /** Parameters the notebook's parameters cell does not declare (papermill warns about these too). */
  unknown: string[];
  /** False when the notebook has no cell tagged `parameters` and the values went in at the top. */
  foundParametersCell: boolean;
}

/** Adds (or replaces) the injected-parameters cell in place. */
export function injectParameters(nb: Notebook, parameters: Record<string, ParameterValue>): InjectionResult {
  const previous = nb.cells.findIndex((cell) => cellTags(cell).includes(INJECTED_TAG));
  const previousId = previous >= 0 ? nb.cells[previous].id : undefined;
  if (previous >= 0) nb.cells.splice(previous, 1);
  const at = nb.cells.findIndex((cell) => cell.cell_type === "code" && cellTags(cell).includes(PARAMETERS_TAG));
  const declared = at >= 0 ? declaredParameters(joinSource(nb.cells[at].source)) : new Map<string, Declaration>();
  const cell: CodeCell = {
    id: previousId ?? newCellId(new Set(nb.cells.map((c) => c.id))),
    cell_type: "code",
    metadata: { tags: [INJECTED_TAG] },
    source: parametersSource(parameters, declared),
    execution_count: null,
    outputs: [],
  };
  nb.cells.splice(at + 1, 0, cell);
  return { unknown: Object.keys(parameters).filter((name) => !declared.has(name)), foundParametersCell: at >= 0 };
}
