/**
 * reglab-course as a library: what the `reglab` command does, for programs that drive it — run
 * notebooks headless, install the kernelspec, release and grade homework. Notebooks import
 * "reglab" (the library) and never load this package.
 *
 *   import { runNotebooks, gradeAll, readHomework } from "reglab-course";
 */
export { runNotebooks, type RunOptions, type RunResult, type NotebookOutcome } from "./runner/run";
export { executeNotebook, type ExecutionResult, type ExecuteNotebookOptions } from "./runner/execute";
export { readNotebook, writeNotebook, type Notebook, type Cell, type CodeCell, type Output } from "./runner/notebook";
export { installKernelSpec, findKernelSpec, type KernelSpec, type FoundKernelSpec } from "./runner/kernelspec";
export { cellRunInfo, notebookRunInfo, type CellRunInfo, type NotebookRunInfo } from "./runner/run-metadata";

export { readHomework, type HomeworkSource } from "./grader/source";
export { studentNotebook, validateAssignment } from "./grader/assign";
export { gradeAll, type BatchOptions } from "./grader/batch";
export {
  gradeSubmission,
  type GradeOptions,
  type GradeReport,
  type SandboxMode,
  type TestResult,
  type TestStatus,
  type ManualResult,
} from "./grader/grade";
export { detectIsolation, type Isolation } from "./grader/sandbox";
export { writeFeedbackPage, writeGradeReports, type ReportFiles } from "./grader/reports";
