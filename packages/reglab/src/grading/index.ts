/**
 * `reglab/grading`: the grader's code that runs inside a grading kernel, before any student cell:
 * `lockdown()` pins what the tests rely on, and `check` is what test cells assert with (also exported
 * as `check` from "reglab"). Everything else of grading runs in the grader's process (reglab-course).
 */
export { lockdown } from "./lockdown";
export { check, CheckError, Parts, SCORE_MIME, type CloseOptions, type Hint } from "./check";
