/**
 * The answers channel end to end, without kernels: a checker process (reglab/grading's `answers`,
 * blocking reads and writes on the FIFOs) asks; the grader's relay writes each request where the
 * student's kernel would read it, runs it there (a stand-in kernel here) and relays the answer —
 * checked, so an invalid one arrives as a failure with its reason, never as a value.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { AnswerRequest } from "reglab/grading";
import { AnswerRelay, checkedAnswer, makeChannel } from "#course/grader/answer-relay";
import { ROOT, tempDir } from "../runner/helpers";
import { standInStudent } from "./helpers";

/** What the stand-in student kernel answers, by function or value name. */
const ANSWERS: Record<string, (request: AnswerRequest) => unknown> = {
  add: (r) => ({ status: "ok", value: (r as { args: number[] }).args.reduce((a, b) => a + b, 0) }),
  table: () => ({
    status: "ok",
    value: [{ $: "object", fields: { label: "L2", loss: { $: "number", value: "NaN" } } }],
  }),
  boom: () => ({ status: "error", error: { name: "Error", message: "not implemented" } }),
  forged: () => ({ status: "ok", value: { label: "an object that is not tagged" } }),
  nothing: () => undefined,
};

const CHECKER = `
const { answers } = require("reglab/grading");
answers.connect(process.argv[1]);
const attempt = (f) => { try { return f(); } catch (e) { return e.name + ": " + e.message; } };
const table = answers.value("table");
console.log(JSON.stringify({
  add: answers.fn("add")(2, 3, 4),
  tableLabel: table[0].label,
  tableLossIsNaN: Number.isNaN(table[0].loss),
  absent: answers.value("absent") === undefined,
  missing: attempt(() => answers.fn("absent")()),
  boom: attempt(() => answers.fn("boom")()),
  forged: attempt(() => answers.fn("forged")()),
  nothing: attempt(() => answers.fn("nothing")()),
  source: answers.source("q1-answer"),
  noSource: answers.source("nope") === undefined,
}));
answers.disconnect();
`;

test("a checker's requests are answered by the student's kernel through the grader, checked", async () => {
  const dir = tempDir("reglab-relay-");
  const channel = join(dir, "channel");
  const requests = join(dir, "requests");
  mkdirSync(channel);
  mkdirSync(requests);
  makeChannel(channel);
  const seen: string[] = [];
  const relay = new AnswerRelay(channel, {
    student: standInStudent(ANSWERS, seen),
    requests: { host: requests, kernel: requests },
    sources: new Map([["q1-answer", "function penalties() {}"]]),
    timeoutMs: 10_000,
  });
  try {
    const checker = spawn(process.execPath, ["-e", CHECKER, channel], { cwd: ROOT });
    let out = "";
    let err = "";
    checker.stdout.on("data", (chunk) => (out += chunk));
    checker.stderr.on("data", (chunk) => (err += chunk));
    assert.equal(await new Promise((done) => checker.on("close", done)), 0, err);
    assert.deepEqual(JSON.parse(out), {
      add: 9,
      tableLabel: "L2",
      tableLossIsNaN: true,
      absent: true,
      missing:
        "Error: 你的筆記本沒有定義 absent：它所在的儲存格有沒有成功執行？/ your notebook does not define absent: did its cell run?",
      boom: "Error: not implemented",
      forged:
        'Error: 你的核心回傳的答案無效 your kernel\'s answer is not valid: the value: an object must be tagged ("$": "object", "tensor", …), got undefined',
      nothing: "Error: 你的核心沒有回傳答案 your kernel sent no answer",
      source: "function penalties() {}",
      noSource: true,
    });
    // All the student's kernel ever ran: the answering call, with a request file.
    assert.ok(
      seen.every((code) =>
        /^import \{ respond \} from "reglab\/grading";\nawait respond\("[^"]+\.json"\);$/.test(code),
      ),
    );
  } finally {
    relay.close();
  }
});

test("checkedAnswer: only well-formed answers pass; the rest fail with a reason", () => {
  assert.deepEqual(checkedAnswer({ status: "ok", value: [1, "a"] }), { status: "ok", value: [1, "a"] });
  assert.deepEqual(checkedAnswer({ status: "missing", extra: 1 }), { status: "missing" });
  assert.equal(checkedAnswer({ status: "error", error: { name: "E".repeat(500), message: "m" } }).status, "error");
  for (const bad of [null, 5, { status: "win" }, { status: "error" }, { status: "ok", value: { $: "tensor" } }])
    assert.equal(checkedAnswer(bad).status, "failed", JSON.stringify(bad));
});
