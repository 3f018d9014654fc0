/**
 * `reglab/grading`: the grading code that runs inside kernels — `check`, what test cells assert with
 * (also exported from "reglab"), and the two ends of "answers as data" (answers.ts): `respond` in the
 * student's kernel, `answers` in the trusted checker — plus the value format they exchange and its
 * validator, which the grader's own process runs on everything a student's kernel sends.
 */
export { check, CheckError, Parts, SCORE_MIME, type CloseOptions, type Hint } from "./check";
export { answers, respond, ANSWER_MIME, RPC_FILES, type Answer, type AnswerRequest } from "./answers";
export { checkEncoded, VALUE_LIMITS, type Encoded } from "./values";
export { CHECKER_SCRIPT, type CheckerEvent, type CheckerOutput, type CheckerProgram } from "./checker-protocol";
