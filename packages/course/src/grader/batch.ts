/**
 * Grading many submissions: each in its own kernel, `jobs` at a time (kernels are separate processes,
 * so this spreads over the cores), results in the order given, a crashing or hanging submission
 * never stopping the others.
 */
import {
  type GradeOptions,
  type GradeReport,
  type GradingSetup,
  gradeSubmission,
  prepareGrading,
  ungraded,
} from "./grade";
import type { HomeworkSource } from "./source";

export interface BatchOptions extends GradeOptions {
  jobs?: number;
  onGraded?: (report: GradeReport, done: number, total: number) => void;
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
    while (next < files.length) {
      const index = next++;
      try {
        reports[index] = await gradeSubmission(files[index], homework, options);
      } catch (error) {
        reports[index] = ungraded(files[index], homework, `could not be graded: ${(error as Error).message}`);
      }
      options.onGraded?.(reports[index], ++done, files.length);
    }
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, files.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  return reports;
}
