// Lint rules for reglab (see ARCHITECTURE.md): typescript-eslint's recommended set, type-only imports
// written as such, no `any`, no import cycles, and the layering rules — the library (packages/reglab)
// never reaches the course tools, the tools (packages/course) reach the library only through its
// public entry points, and inside each package every area imports only from the areas below it.
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * What each area of a package may import (besides itself): the dependency graphs of ARCHITECTURE.md.
 * Everything points down; only a package's entry points (index.ts, tooling.ts …) gather areas.
 */
const LAYERS = {
  "packages/reglab/src": {
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
    kernel: ["util"],
    grading: ["kernel", "regularizers", "tf.ts", "util"],
  },
  "packages/course/src": {
    runner: [],
    grader: ["runner"],
    cli: ["grader", "runner"],
  },
};

/** For each area, every other area of its package it may not import from. */
const layeringZones = Object.entries(LAYERS).flatMap(([root, areas]) =>
  Object.entries(areas)
    .map(([area, allowed]) => ({
      target: `./${root}/${area}`,
      from: Object.keys(areas)
        .filter((other) => other !== area && !allowed.includes(other))
        .map((other) => `./${root}/${other}`),
      message: `${area} may import only from ${allowed.join(", ") || "itself"}: imports go down only (ARCHITECTURE.md).`,
    }))
    .filter((zone) => zone.from.length > 0),
);

/** The package line: the library knows nothing of the tools; the tools use the library's entry points. */
const packageZones = [
  {
    target: "./packages/reglab",
    from: "./packages/course",
    message: "the library (reglab) never imports the course tools (reglab-course).",
  },
  {
    target: "./packages/course",
    from: "./packages/reglab/src",
    message: 'the course tools import the library by its entry points ("reglab", "reglab/grading", "reglab/tooling").',
  },
];

/** What runs in a kernel must not pull in what drives kernels (ZeroMQ, tslab, markdown, the tools). */
const KERNEL_SIDE_RULE = {
  group: ["reglab-course", "reglab-course/*", "zeromq", "tslab", "tslab/*", "markdown-it", "@vscode/*"],
  message: "the library runs in kernels: it may not depend on what drives them (ARCHITECTURE.md).",
};

/** tfjs' private modules are reached only through pinned.ts, where their versions are checked. */
const INTERNALS_RULE = {
  group: ["@tensorflow/*/dist/*"],
  message: "tfjs' internals go through src/pinned.ts (version-locked code, ARCHITECTURE.md).",
};

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "packages/*/dist/", "scratch/", "**/*.js"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mjs"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver": {
        typescript: {
          project: ["tsconfig.json", "packages/reglab/tsconfig.json", "packages/course/tsconfig.json"],
          noWarnOnMultipleProjects: true,
        },
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
      "import-x/no-duplicates": "error",
      "import-x/no-restricted-paths": ["error", { zones: [...layeringZones, ...packageZones] }],
    },
  },
  {
    files: ["packages/reglab/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [KERNEL_SIDE_RULE, INTERNALS_RULE] }],
    },
  },
  {
    // The one module that may reach past tfjs' public API.
    files: ["packages/reglab/src/pinned.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [KERNEL_SIDE_RULE] }] },
  },
);
