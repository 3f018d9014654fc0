/**
 * Grading a class in shards: `--shard i/n` grades the i-th of n contiguous slices of the
 * submissions (in the order an unsharded run grades them), and `reglab grade merge` reads the
 * shards' JSON back, in shard order, into the one list an unsharded run reports.
 */
import { existsSync, readFileSync } from "node:fs";
import type { GradeReport } from "./scoring";

export interface Shard {
  index: number;
  count: number;
}

/** "i/n" with 1 <= i <= n; an Error saying what is wrong otherwise. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count)
    throw new Error(`--shard must be i/n with 1 <= i <= n, got "${text}"`);
  return { index, count };
}

/** The positions [start, end) of shard `shard` among `total` submissions: sizes differ by at most one. */
export function shardRange(total: number, shard: Shard): [number, number] {
  const at = (i: number) => Math.floor((i * total) / shard.count);
  return [at(shard.index - 1), at(shard.index)];
}

function isReport(value: unknown): value is GradeReport {
  const r = value as Partial<GradeReport> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.submission === "string" &&
    typeof r.status === "string" &&
    typeof r.score === "number" &&
    typeof r.max_score === "number" &&
    Array.isArray(r.tests) &&
    Array.isArray(r.manual)
  );
}

/** The reports of shard JSON files (an object or a list each, as `--json` writes), concatenated. */
export function readShardReports(files: readonly string[]): GradeReport[] {
  const reports: GradeReport[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(
        `${file}: not the JSON of a reglab grade run (${(error as Error).message.replace(/\s+/g, " ").slice(0, 160)})`,
      );
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    list.forEach((report, i) => {
      if (!isReport(report)) throw new Error(`${file}: entry ${i + 1} is not a grading report of reglab grade`);
      const other = seen.get(report.submission);
      if (other !== undefined) throw new Error(`${file}: ${report.submission} was already graded in ${other}`);
      seen.set(report.submission, file);
      const tests = (r: GradeReport) => r.tests.map((t) => `${t.id}/${t.max_points}`).join(" ");
      if (reports.length > 0 && tests(report) !== tests(reports[0]))
        throw new Error(`${file}: ${report.submission} was graded against other tests than ${reports[0].submission}`);
      reports.push(report);
    });
  }
  return reports;
}

/**
 * The results of an earlier run over exactly `files` (in order), for `--only` to update one entry of:
 * an Error naming the file when it does not exist or was written for other submissions.
 */
export function previousResults(json: string, files: readonly string[]): GradeReport[] {
  if (!existsSync(json)) throw new Error(`--only updates the results of an earlier run, and ${json} does not exist`);
  const reports = readShardReports([json]);
  const differs = reports.length !== files.length || reports.some((r, i) => r.submission !== files[i]);
  if (differs)
    throw new Error(
      `${json} holds the results of other submissions (${reports.length} against ${files.length} given); --only needs the SUBMISSION arguments of the run that wrote it`,
    );
  return reports;
}
