/**
 * nbformat 4 validation against the official JSON schema (schema/nbformat.v4.5.schema.json, from
 * jupyter/nbformat as Debian's python3-nbformat ships it) with ajv: the same rules Jupyter's own
 * validator applies, for notebooks the runner executes and for submissions the grader reads (which
 * are untrusted input). Each problem is one line naming the cell, its id and the field:
 * `cell 3 (id q1-answer): outputs[0].text must be string or array` .
 *
 * Cells are checked one by one against the definition of their own cell_type, and outputs against
 * their own output_type, so that errors point at the field instead of at the schema's `oneOf`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv-draft-04";

const SCHEMA_FILE = join(__dirname, "..", "..", "schema", "nbformat.v4.5.schema.json");

interface Validators {
  notebook: ValidateFunction;
  cells: Record<string, ValidateFunction>;
  outputs: Record<string, ValidateFunction>;
}

let validators: Validators | undefined;

function compile(): Validators {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as {
    properties: Record<string, unknown>;
    definitions: Record<string, unknown>;
  };
  const ajv = new Ajv({ allErrors: false, strict: false });
  ajv.addSchema(schema, "nbformat");
  const definition = (name: string) => ajv.getSchema(`nbformat#/definitions/${name}`)!;
  // The notebook without its cells (checked one by one below).
  const outer = { ...schema, properties: { ...schema.properties, cells: { type: "array" } } };
  return {
    notebook: ajv.compile({ ...outer, $id: "nbformat-outer" }),
    cells: { code: definition("code_cell"), markdown: definition("markdown_cell"), raw: definition("raw_cell") },
    outputs: {
      execute_result: definition("execute_result"),
      display_data: definition("display_data"),
      stream: definition("stream"),
      error: definition("error"),
    },
  };
}

/** `/outputs/0/text` → `outputs[0].text`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split("/")
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

/** One line for ajv's error: the field (under `prefix`; `whole` when it is the object itself) and what is wrong. */
function describeError(error: ErrorObject, whole: string, prefix = ""): string {
  const path = fieldPath(error.instancePath);
  const where = (prefix && path ? `${prefix}.${path}` : prefix || path) || whole;
  switch (error.keyword) {
    case "required":
      return `${where} lacks the required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case "additionalProperties":
      return `${where} has a field the format does not allow: "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case "enum":
      return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "type":
      // nbformat's multiline strings are a oneOf whose first branch reports the error.
      if (error.schemaPath.includes("multiline_string")) return `${where} must be a string or a list of strings`;
      return `${where} must be ${String((error.params as { type: string }).type)
        .split(",")
        .join(" or ")}`;
    default:
      return `${where} ${error.message ?? "is invalid"}`;
  }
}

/**
 * The first problem with a parsed notebook (already upgraded to 4.5, every cell with an id), as one
 * line without the file name, or undefined when the notebook is valid.
 */
export function nbformatProblem(nb: unknown): string | undefined {
  validators ??= compile();
  if (!validators.notebook(nb)) return describeError(validators.notebook.errors![0], "the notebook");
  const cells = (nb as { cells: unknown[] }).cells;
  for (const [index, cell] of cells.entries()) {
    const where = `cell ${index + 1}${typeof (cell as { id?: unknown })?.id === "string" ? ` (id ${(cell as { id: string }).id})` : ""}`;
    if (typeof cell !== "object" || cell === null || Array.isArray(cell)) return `${where} is not an object`;
    const type = (cell as { cell_type?: unknown }).cell_type;
    const validate = typeof type === "string" ? validators.cells[type] : undefined;
    if (!validate) return `${where}: cell_type must be one of "code", "markdown", "raw", got ${JSON.stringify(type)}`;
    // A code cell's outputs, each against its own output_type.
    const outputs = type === "code" ? (cell as { outputs?: unknown }).outputs : undefined;
    if (Array.isArray(outputs)) {
      for (const [at, output] of outputs.entries()) {
        const kind = (output as { output_type?: unknown })?.output_type;
        const check = typeof kind === "string" ? validators.outputs[kind] : undefined;
        if (!check)
          return `${where}: outputs[${at}].output_type must be one of "execute_result", "display_data", "stream", "error", got ${JSON.stringify(kind)}`;
        if (!check(output)) return `${where}: ${describeError(check.errors![0], "", `outputs[${at}]`)}`;
      }
    }
    if (!validate(cell)) return `${where}: ${describeError(validate.errors![0], "the cell")}`;
  }
  return undefined;
}
