// Lint rules for reglab (see ARCHITECTURE.md): typescript-eslint's recommended set, type-only imports
// written as such, no `any`, no import cycles, and the layering rule — each part of lib/src imports
// only from the parts below it.
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * What each part of lib/src may import (besides itself): the dependency graph of ARCHITECTURE.md.
 * Everything points down; the runner needs nothing of the course's library, the grader's host side
 * builds on the runner, and only the package's entry points (index.ts …) gather areas together.
 */
const ALLOWED = {
  util: [],
  "tf.ts": [],
  backend: ["tf.ts", "util"],
  regularizers: ["tf.ts", "util"],
  data: ["tf.ts", "util"],
  layers: ["regularizers", "tf.ts", "util"],
  training: ["layers", "regularizers", "tf.ts", "util"],
  models: ["layers", "regularizers", "tf.ts", "util"],
  experiments: ["training", "models", "layers", "regularizers", "data", "tf.ts", "util"],
  plot: ["experiments", "training", "tf.ts", "util"],
  runner: ["util"],
  grader: ["runner", "util"],
  cli: ["grader", "runner", "util"],
};

/** For each part, every other part it may not import from. */
const layeringZones = Object.entries(ALLOWED).map(([part, allowed]) => ({
  target: `./lib/src/${part}`,
  from: Object.keys(ALLOWED)
    .filter((other) => other !== part && !allowed.includes(other))
    .map((other) => `./lib/src/${other}`),
  message: `${part} may import only from ${allowed.join(", ") || "itself"}: imports go down only (ARCHITECTURE.md).`,
}));

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "lib/dist/", "scratch/", "**/*.js"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mjs"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver": {
        typescript: { project: ["tsconfig.json", "lib/tsconfig.json"], noWarnOnMultipleProjects: true },
        node: true,
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // `import os = require("node:os")` keeps the module object itself (wasm-threads patches it).
      "@typescript-eslint/no-require-imports": "off",
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": ["error", { zones: layeringZones }],
    },
  },
);
