/**
 * Grading many submissions: each with its own pair of fresh processes (the student's kernel and the
 * checker), `jobs` at a time (separate processes, so this spreads over the cores), results in the
 * order given. Each lane starts its next pair — the kernel and the checker's backend — while it
 * grades, so that start-up overlaps the student's cells and the tests. A submission's feedback
 * notebook goes to `onGraded` as soon as it is graded and is not kept, so a batch holds one small
 * report per submission, however much its cells printed. Whatever one submission does — a crash, a
 * hang, a flood of output — it gets a report, and the batch goes on.
 */
import { availableParallelism, totalmem } from "node:os";
import {
  DEFAULT_MEMORY_MB,
  type GradedSubmission,
  type GradeOptions,
  type GradingSetup,
  gradeSubmission,
  type KernelPair,
  prepareGrading,
  startKernelPair,
} from "./grade";
import { type GradeReport, ungraded } from "./scoring";
import type { HomeworkSource } from "./source";

export interface BatchOptions extends GradeOptions {
  jobs?: number;
  /** Called as each submission is graded (`index` in `files`), with its feedback notebook. */
  onGraded?: (graded: GradedSubmission, index: number, done: number, total: number) => void;
}

/** `reglab grade --jobs`' default: one job per core, as many as memory holds at two processes of `memoryMb` each. */
export function defaultJobs(memoryMb = DEFAULT_MEMORY_MB): number {
  const byMemory = Math.floor(totalmem() / (2 * memoryMb * 1024 * 1024));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}

export async function gradeAll(
  files: readonly string[],
  homework: HomeworkSource,
  options: BatchOptions = {},
): Promise<GradeReport[]> {
  const setup = prepareGrading(homework, options); // refuses the whole batch up front, in one line
  try {
    return await gradeEach(files, homework, { ...options, setup });
  } finally {
    setup.dispose();
  }
}

async function gradeEach(
  files: readonly string[],
  homework: HomeworkSource,
  options: BatchOptions & { setup: GradingSetup },
): Promise<GradeReport[]> {
  const reports: GradeReport[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    let ahead: Promise<KernelPair> | undefined;
    // The pair started ahead (or one now), and the next one once this one is up, while files remain.
    const kernels = () => {
      const pair = ahead ?? startKernelPair(options.setup, options);
      ahead = next < files.length ? pair.then(() => startKernelPair(options.setup, options)) : undefined;
      return pair;
    };
    while (next < files.length) {
      const index = next++;
      let graded: GradedSubmission;
      try {
        graded = await gradeSubmission(files[index], homework, { ...options, kernels });
      } catch (error) {
        graded = {
          report: ungraded(files[index], homework, "failed", `could not be graded: ${(error as Error).message}`),
        };
      }
      reports[index] = graded.report;
      options.onGraded?.(graded, index, ++done, files.length);
    }
    if (ahead) await (await ahead).dispose();
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, files.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  return reports;
}
