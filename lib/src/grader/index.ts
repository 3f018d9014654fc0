/**
 * Homework grading as a library (`reglab/grader`), the host side of `reglab assign` and
 * `reglab grade`: reading the instructor's notebook, writing the student version and validating it,
 * grading submissions in fresh, sandboxed kernels, and writing the results. The code that runs
 * inside the student's kernel is `reglab/grader/kernel`.
 */
export { readHomework, parseHomework, type HomeworkSource, type TestCell, type ManualQuestion } from "./source";
export { studentNotebook } from "./assign";
export { gradeAll, type BatchOptions } from "./batch";
export {
  gradeSubmission,
  gradingNotebook,
  scoreGradedNotebook,
  maxScore,
  resolveIsolation,
  SETUP_CELL_ID,
  CANARY_CELL_ID,
  type GradeOptions,
  type GradeReport,
  type SandboxMode,
  type TestResult,
  type TestStatus,
  type ManualResult,
} from "./grade";
export { detectIsolation, type Isolation, MAX_FILE_MB } from "./sandbox";
export { feedbackHtml, reportJson, reportsCsv } from "./reports";
