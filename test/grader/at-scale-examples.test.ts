/**
 * The README's grading-at-scale examples (examples/grading/): a GitHub Actions matrix and a
 * Kubernetes Indexed Job. Both parse, have the shape their platform needs, and every `reglab grade`
 * command in them is one the CLI accepts — its options exist (checked by the CLI's own strict parser,
 * stopped at `--help`) and its shards cover 1..n. Running shards and merging them is tested in
 * grade.test.ts with real kernels.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { reglab, ROOT } from "../runner/helpers";

const EXAMPLES = join(ROOT, "examples", "grading");

/** The `reglab grade …` commands of a shell line, with shell/template variables set to `shard`. */
function gradeCommands(script: string, shard: number): string[][] {
  const line = script
    .replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(shard))
    .replace(/\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/g, String(shard))
    .replace(/\s+/g, " ");
  return [...line.matchAll(/npx reglab (grade [^;&|]*)/g)].map((m) => m[1].trim().split(" "));
}

/** The CLI parses the command (unknown options fail here) and would run it. */
function assertAccepted(args: string[]): void {
  const result = reglab([...args, "--help"]);
  assert.equal(result.status, 0, `${args.join(" ")}: ${result.stderr}`);
}

test("the GitHub Actions example: a matrix of shards 1..n, then a merge of all n", () => {
  const workflow = parse(readFileSync(join(EXAMPLES, "github-actions.yml"), "utf8"));
  const shards: number[] = workflow.jobs.grade.strategy.matrix.shard;
  assert.deepEqual(
    shards,
    Array.from({ length: shards.length }, (_, i) => i + 1),
  );
  const gradeSteps = workflow.jobs.grade.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
  for (const shard of shards) {
    const [command] = gradeCommands(gradeSteps, shard);
    assert.ok(command.includes(`${shard}/${shards.length}`), command.join(" "));
    assertAccepted(command);
  }
  assert.deepEqual(workflow.jobs.merge.needs, "grade");
  const [merge] = gradeCommands(workflow.jobs.merge.steps.map((s: { run?: string }) => s.run ?? "").join("\n"), 0);
  assert.equal(merge[1], "merge");
  assert.deepEqual(
    merge.filter((arg) => /grades-\d+\.json$/.test(arg)),
    shards.map((i) => `shards/grades-${i}.json`),
    "every shard, in order 1..n",
  );
  assertAccepted(merge);
});

test("the Kubernetes example: an Indexed Job, one shard per completion index, a pod bubblewrap can run in", () => {
  const job = parse(readFileSync(join(EXAMPLES, "kubernetes-job.yaml"), "utf8"));
  assert.equal(job.apiVersion, "batch/v1");
  assert.equal(job.kind, "Job");
  assert.equal(job.spec.completionMode, "Indexed");
  const n: number = job.spec.completions;
  const pod = job.spec.template.spec;
  assert.equal(pod.hostUsers, false, "procMount: Unmasked needs a user-namespaced pod");
  const [container] = pod.containers;
  assert.deepEqual(container.command, ["sh", "-c"]);
  assert.equal(container.securityContext.procMount, "Unmasked");
  assert.equal(container.securityContext.seccompProfile.type, "Unconfined");
  assert.equal(container.securityContext.privileged, undefined, "no privileged container");
  for (let index = 0; index < n; index++) {
    const [command] = gradeCommands(container.args[0], index + 1);
    assert.ok(command.includes(`${index + 1}/${n}`), command.join(" "));
    assertAccepted(command);
  }
});
