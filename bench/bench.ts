/**
 * `npm run bench`: samples/s of the course's MLP for stock tfjs-wasm `model.fit` and for reglab,
 * each contender in its own process, one after the other in one run, with ratios to stock.
 * A benchmark, not a test: the machine is shared and noisy, so compare within one run.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { type ContenderResult, stepGflop, WORKLOAD } from "./course-model";

interface Contender {
  script: string;
  args: string[];
  env?: Record<string, string>;
}

const CONTENDERS: Contender[] = [
  { script: "stock-fit.js", args: [] },
  { script: "reglab-contender.js", args: ["fit"] },
  { script: "reglab-contender.js", args: ["train"] },
];

function run(contender: Contender): ContenderResult {
  const result = spawnSync(process.execPath, [path.join(__dirname, contender.script), ...contender.args], {
    env: { ...process.env, ...contender.env },
    encoding: "utf8",
  });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !line.startsWith("{")) {
    throw new Error(`bench: ${contender.script} ${contender.args.join(" ")} failed:\n${result.stderr}`);
  }
  return JSON.parse(line) as ContenderResult;
}

function main(): void {
  const widths = [WORKLOAD.features, ...WORKLOAD.hiddenUnits, WORKLOAD.classes].join("-");
  console.log(`Course MLP ${widths}, batch ${WORKLOAD.batchSize}, L2 ${WORKLOAD.l2}, SGD momentum; ${WORKLOAD.samples} samples per epoch, ≥${WORKLOAD.minSeconds} s per contender.`);
  const results: ContenderResult[] = [];
  for (const contender of CONTENDERS) {
    const result = run(contender);
    results.push(result);
    console.log(`  measured: ${result.name}`);
  }
  const stock = results[0].samplesPerSecond;
  const gflop = stepGflop() / WORKLOAD.batchSize;
  console.log("");
  console.log("contender                                      backend   samples/s   GFLOP/s   vs stock");
  for (const r of results) {
    console.log(
      `${r.name.padEnd(46)} ${r.backend.padEnd(9)} ${r.samplesPerSecond.toFixed(0).padStart(9)}   ${(r.samplesPerSecond * gflop).toFixed(1).padStart(7)}   ${(r.samplesPerSecond / stock).toFixed(2).padStart(7)}x`,
    );
  }
}

main();
