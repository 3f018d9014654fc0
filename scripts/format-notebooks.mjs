#!/usr/bin/env node
// Prettier for notebooks: formats the TypeScript of every code cell in the course's notebooks and the
// homework with the project's Prettier settings (.prettierrc.json), keeping the notebook's own layout
// (Jupyter's indent 1, each cell's source as it was stored, no trailing newline in a cell).
//
//   node scripts/format-notebooks.mjs            # rewrite the notebooks that need it
//   node scripts/format-notebooks.mjs --check    # list what would change; exit 1 if anything would
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as prettier from "prettier";

const ROOT = join(import.meta.dirname, "..");
const FOLDERS = ["notebooks", join("exercises", "day81")];
const check = process.argv.includes("--check");

/** The cell's source in the shape it was stored: a string, or Jupyter's list of lines. */
function store(text, like) {
  if (!Array.isArray(like)) return text;
  const lines = text.split("\n");
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line)).filter((line) => line !== "");
}

const options = { ...(await prettier.resolveConfig(join(ROOT, "cell.ts"))), parser: "typescript" };
const changed = [];
let failed = false;
for (const folder of FOLDERS) {
  for (const name of readdirSync(join(ROOT, folder))
    .filter((n) => n.endsWith(".ipynb"))
    .sort()) {
    const file = join(ROOT, folder, name);
    const text = readFileSync(file, "utf8");
    const nb = JSON.parse(text);
    for (const [index, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      if (source.trim() === "") continue;
      let formatted;
      try {
        formatted = (await prettier.format(source, options)).replace(/\n$/, "");
      } catch (error) {
        console.error(`${relative(ROOT, file)}: cell ${index + 1} (id ${cell.id}): ${error.message.split("\n")[0]}`);
        failed = true;
        continue;
      }
      if (formatted !== source) {
        changed.push(`${relative(ROOT, file)}: cell ${index + 1} (id ${cell.id})`);
        cell.source = store(formatted, cell.source);
      }
    }
    const output = JSON.stringify(nb, null, 1) + "\n";
    if (!check && output !== text) writeFileSync(file, output);
  }
}
if (check && changed.length > 0) {
  console.error(`Code cells not formatted with Prettier (run \`npm run format\`):\n  ${changed.join("\n  ")}`);
  process.exit(1);
}
if (!check && changed.length > 0) console.log(`Formatted ${changed.length} code cells.`);
process.exit(failed ? 1 : 0);
