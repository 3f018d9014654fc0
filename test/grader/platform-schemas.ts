/**
 * The platforms' result formats as JSON Schemas (draft-04), written from their public docs — no
 * network in tests: Gradescope's "Autograder Specifications" (gradescope-autograders.readthedocs.io,
 * specs/, "Output format") and PrairieLearn's docs/externalGrading.md ("Grading results"). Only the
 * documented keys are allowed, so a misspelt key fails here instead of being ignored by the platform.
 * Validated with ajv-draft-04, the validator the tools package itself uses for nbformat.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "../runner/helpers";

const VISIBILITY = { enum: ["hidden", "after_due_date", "after_published", "visible"] };

export const GRADESCOPE_RESULTS = {
  type: "object",
  additionalProperties: false,
  properties: {
    score: { type: "number" },
    execution_time: { type: "number" },
    output: { type: "string" },
    output_format: { enum: ["text", "html", "simple_format", "md", "ansi"] },
    test_output_format: { enum: ["text", "html", "simple_format", "md", "ansi"] },
    test_name_format: { enum: ["text", "html", "simple_format", "md", "ansi"] },
    visibility: VISIBILITY,
    stdout_visibility: VISIBILITY,
    extra_data: { type: "object" },
    tests: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          score: { type: "number" },
          max_score: { type: "number" },
          status: { enum: ["passed", "failed"] },
          name: { type: "string" },
          name_format: { type: "string" },
          number: { type: "string" },
          output: { type: "string" },
          output_format: { type: "string" },
          tags: { type: "array", items: { type: "string" } },
          visibility: VISIBILITY,
          extra_data: { type: "object" },
        },
      },
    },
    leaderboard: { type: "array" },
  },
  // "score": optional, but required if not on each test case
  anyOf: [{ required: ["score"] }, { required: ["tests"] }],
};

export const PRAIRIELEARN_RESULTS = {
  type: "object",
  additionalProperties: false,
  properties: {
    gradable: { type: "boolean" },
    score: { type: "number", minimum: 0, maximum: 1 },
    format_errors: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
    message: { type: "string" },
    output: { type: "string" },
    images: { type: "array" },
    tests: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "points", "max_points"],
        properties: {
          name: { type: "string" },
          description: { type: "string" },
          points: { type: "number" },
          max_points: { type: "number" },
          message: { type: "string" },
          output: { type: "string" },
          images: { type: "array" },
        },
      },
    },
  },
  // score is the one mandatory field of a gradable submission; not needed when gradable is false
  oneOf: [
    { required: ["score"], properties: { gradable: { enum: [true] } } },
    { required: ["gradable", "format_errors"], properties: { gradable: { enum: [false] } } },
  ],
};

interface Validator {
  (value: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string }> | null;
}

/** The schema's violations by `value`, one line each; [] when it is valid. */
export function violations(schema: object, value: unknown): string[] {
  const Ajv = createRequire(join(ROOT, "packages", "course", "package.json"))("ajv-draft-04") as new (options: {
    allErrors: boolean;
  }) => { compile(schema: object): Validator };
  const validate = new Ajv({ allErrors: true }).compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
