/**
 * The grader's code that runs inside the student's kernel (`reglab/grader/kernel`), before any
 * student cell: `lockdown()` pins what the tests rely on, and `check` is what test cells assert with
 * (also exported as `check` from "reglab"). Everything else in grader/ runs in the grader's process.
 */
export { lockdown } from "./lockdown";
export { check, CheckError, Parts, SCORE_MIME, type CloseOptions, type Hint } from "./check";
