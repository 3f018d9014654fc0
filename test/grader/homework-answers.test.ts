/**
 * Question 4's expected answers, recomputed from each table in the instructor's notebook with exact
 * decimal arithmetic: the underfit row has the lowest training accuracy, the overfit row the largest
 * gap (val_loss − loss), each strictly — a tie, or an answer float rounding decides, fails here.
 */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readHomework } from "#course/grader/source";
import { ROOT } from "../runner/helpers";

type Row = [label: string, loss: number, valLoss: number, acc: number, valAcc: number];
interface Table {
  name: string;
  rows: Row[];
  answer: { underfit: string; overfit: string };
}

const SOURCE = join(ROOT, "exercises", "day81", "homework.source.ipynb");

/** Every readTable("name", [rows], {answer}) call of the q4 test, visible and hidden. */
function q4Tables(): Table[] {
  const test = readHomework(SOURCE).tests.find((t) => t.id === "q4");
  assert.ok(test, "the homework has a q4 test");
  // As Prettier lays it out: over several lines, with trailing commas.
  const flat = test.source.replace(/\s+/g, " ").replace(/,\s*([\]}])/g, "$1");
  const calls = [...flat.matchAll(/readTable\(\s*"([^"]+)",\s*(\[\s*\[.*?\]\s*\]),\s*(\{[^}]*\}),?\s*\)/g)];
  const json = (objectLiteral: string) => JSON.parse(objectLiteral.replace(/([{,]\s*)(\w+):/g, '$1"$2":'));
  return calls.map(([, name, rows, answer]) => ({ name, rows: JSON.parse(rows), answer: json(answer) }));
}

/** A decimal written in the notebook as an exact scaled integer (12 decimal places). */
function exact(value: number): bigint {
  const [whole, fraction = ""] = String(value).split(".");
  assert.ok(!String(value).includes("e"), `${value}: write table values as plain decimals`);
  const digits = fraction.padEnd(12, "0");
  assert.ok(digits.length === 12, `${value}: more than 12 decimal places`);
  const sign = whole.startsWith("-") ? -1n : 1n;
  return sign * (BigInt(whole.replace("-", "")) * 10n ** 12n + BigInt(digits));
}

/** The label of the unique row with the extreme key; fails on a tie. */
function unique(rows: Row[], key: (row: Row) => bigint, pick: "min" | "max", what: string, table: string): string {
  const values = rows.map(key);
  const best = values.reduce((a, b) => (pick === "min" ? (b < a ? b : a) : b > a ? b : a));
  const winners = rows.filter((_, i) => values[i] === best);
  assert.equal(winners.length, 1, `table "${table}": ${what} is a tie between ${winners.map((r) => r[0]).join(", ")}`);
  return winners[0][0];
}

test("q4's expected answers follow exactly from its tables, with no ties", () => {
  const tables = q4Tables();
  assert.deepEqual(
    tables.map((t) => t.name),
    ["notebook 04", "original homework", "traps", "single"],
  );
  for (const table of tables) {
    const underfit = unique(table.rows, (r) => exact(r[3]), "min", "the lowest training accuracy", table.name);
    const overfit = unique(table.rows, (r) => exact(r[2]) - exact(r[1]), "max", "the largest gap", table.name);
    assert.deepEqual({ underfit, overfit }, table.answer, `table "${table.name}"`);
  }
});

test("q4's tables teach what they are for: the original homework's cost misleads, the traps catch the shortcuts", () => {
  const [, original, traps] = q4Tables();
  const highestLoss = (t: Table) => t.rows.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const highestValLoss = (t: Table) => t.rows.reduce((a, b) => (b[2] > a[2] ? b : a))[0];
  // Keras' "loss" is the cost: the L1 1e-4 row is high because of its penalty, not because it learned least.
  assert.notEqual(highestLoss(original), original.answer.underfit);
  assert.equal(original.answer.underfit, "L1 1e-2", "the original's collapse to chance (.10/.10)");
  assert.equal(original.answer.overfit, "L2 1e-12", "gap .55 against .48 for L2 1e-4 (unrounded)");
  assert.notEqual(highestLoss(traps), traps.answer.underfit);
  assert.notEqual(highestValLoss(traps), traps.answer.overfit);
});
