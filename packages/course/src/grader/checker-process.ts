/**
 * The grader's end of the checker (reglab/grading's checker.ts): starts it in a sandbox of its own
 * with the batch's compiled tests, tells it when the student's cells have run (by closing its stdin),
 * reads its events, keeps the time limits, and turns each test's run into the code cell the scoring
 * and the feedback page read — outputs, and the run record (`reglab_run`) a kernel's cell would get.
 * The checker runs only the instructor's code: what it reports is trusted.
 */
import type { ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CHECKER_SCRIPT, type CheckerEvent, type CheckerProgram } from "reglab/grading";
import { killWithKernels, spawnLaunch } from "../runner/kernel";
import type { CodeCell } from "../runner/notebook";
import { type CellRunInfo, setCellRunInfo } from "../runner/run-metadata";
import { gradingPlace, type KernelSetting } from "./kernels";
import type { GradingPlan, PlannedTest } from "./plan";

const PROGRAM_FILE = "checker-program.json";
const STDERR_TAIL = 4000;

/** A test that never ran, or ran: the checker's cell for it. */
function checkerCell(test: PlannedTest): CodeCell {
  return {
    id: test.cellId,
    cell_type: "code",
    metadata: {},
    source: test.checkerSource,
    outputs: [],
    execution_count: null,
  };
}

/** The checker's program for a plan; `channel` is the control folder as the checker sees it. */
export function checkerProgram(plan: GradingPlan, channel: string, maxOutputBytes: number): CheckerProgram {
  return {
    channel,
    names: plan.names,
    tests: plan.tests.map((test) => ({
      cellId: test.cellId,
      uses: test.uses.map((use) => use.name),
      code: test.checkerCode,
    })),
    maxOutputBytes,
  };
}

export interface CheckLimits {
  /** Per test, in ms. */
  testTimeoutMs: number;
  /** For every test together, in ms. */
  totalTimeoutMs: number;
}

/** How checking went: each test's cell (those that never ran have no run record), and why it stopped early. */
export interface CheckRun {
  cells: Map<string, CodeCell>;
  /** Why tests after a point did not run ("the checker …"). */
  stopped?: string;
}

export class CheckerProcess {
  /** undefined once the checker is ready to check; else why it is not (grading failed). */
  readonly ready: Promise<string | undefined>;
  private readonly events: CheckerEvent[] = [];
  private wake: (() => void) | undefined;
  private stderrTail = "";
  private exitDescription: string | undefined;
  private readonly exited: Promise<void>;
  /** Its control folder: the grader's side (the relay opens the channel there), and as the checker sees it. */
  readonly control: { host: string; kernel: string };

  private constructor(
    private readonly child: ChildProcess,
    private readonly plan: GradingPlan,
    private readonly folder: string,
    control: { host: string; kernel: string },
    startupTimeoutMs: number,
  ) {
    this.control = control;
    killWithKernels(child);
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (line) => {
      let event: CheckerEvent;
      try {
        event = JSON.parse(line) as CheckerEvent;
      } catch {
        return; // a native library writing to stdout: not an event
      }
      this.events.push(event);
      this.wake?.();
    });
    this.exited = new Promise((settle) => {
      // "close", not "exit": the events it wrote before ending are all read by then.
      child.on("close", (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        settle();
        this.wake?.();
      });
      child.on("error", (error) => {
        this.exitDescription = `could not start: ${error.message}`;
        settle();
        this.wake?.();
      });
    });
    this.ready = this.whenReady(startupTimeoutMs);
  }

  /** Starts the checker for `plan` in its own place; it starts its backend at once. */
  static start(
    setting: KernelSetting,
    plan: GradingPlan,
    maxOutputBytes: number,
    startupTimeoutMs: number,
  ): CheckerProcess {
    const place = gradingPlace(setting, "checker");
    const programFile = join(place.control.host, PROGRAM_FILE);
    writeFileSync(programFile, JSON.stringify(checkerProgram(plan, place.control.kernel, maxOutputBytes)), {
      mode: 0o644,
    });
    const launch = place.wrap({
      argv: [setting.node ?? "node", CHECKER_SCRIPT, join(place.control.kernel, PROGRAM_FILE)],
      env: place.env,
      cwd: place.cwd,
    });
    const child = spawnLaunch(launch, "pipe");
    child.stdin?.on("error", () => {});
    return new CheckerProcess(child, plan, place.folder, place.control, startupTimeoutMs);
  }

  /** The next event, or undefined when the process ended or `deadline` passed first. */
  private async next(deadline: number): Promise<CheckerEvent | undefined> {
    for (;;) {
      const event = this.events.shift();
      if (event) return event;
      if (this.exitDescription !== undefined || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private why(): string {
    const detail = this.stderrTail.trim().split("\n").slice(-3).join(" | ");
    return `${this.exitDescription ?? "it did not answer"}${detail ? `: ${detail}` : ""}`;
  }

  private async whenReady(startupTimeoutMs: number): Promise<string | undefined> {
    const event = await this.next(Date.now() + startupTimeoutMs);
    if (event?.event === "ready") return undefined;
    if (event?.event === "failed") return event.message;
    if (event === undefined && this.exitDescription === undefined)
      return `it was not ready within ${Math.round(startupTimeoutMs / 1000)} s`;
    return `it stopped while starting (${this.why()})`;
  }

  /** Whether the process has ended (it cannot check any more). */
  get exit(): string | undefined {
    return this.exitDescription;
  }

  /** Runs the tests, once `ready` said so: the student's cells have run, their answers can be asked for. */
  async check(limits: CheckLimits): Promise<CheckRun> {
    const cells = new Map(this.plan.tests.map((test) => [test.cellId, checkerCell(test)]));
    const until = Date.now() + limits.totalTimeoutMs;
    this.child.stdin?.end();
    let running: { cell: CodeCell; started: number } | undefined;
    let ran = 0;
    const record = (
      cell: CodeCell,
      started: number,
      info: Omit<CellRunInfo, "start_time" | "end_time" | "duration">,
    ) => {
      const end = Date.now();
      setCellRunInfo(cell, {
        start_time: new Date(started).toISOString(),
        end_time: new Date(end).toISOString(),
        duration: (end - started) / 1000,
        ...info,
      });
    };
    for (;;) {
      const testDeadline = running ? running.started + limits.testTimeoutMs : Infinity;
      const deadline = Math.min(until, testDeadline);
      const event = await this.next(deadline);
      if (event === undefined) {
        if (this.exitDescription === undefined) {
          // Out of time: the test's own limit, or all the checking's.
          this.child.kill("SIGKILL");
          const message =
            deadline === testDeadline
              ? `timed out after ${Math.round(limits.testTimeoutMs / 1000)} s`
              : `grading's time limit ran out in this test`;
          if (running) record(running.cell, running.started, { status: "failed", failure: "timeout", message });
          return {
            cells,
            stopped: running ? `the checker stopped at test ${running.cell.id}: ${message}` : `the checker: ${message}`,
          };
        }
        const message = `the checker died while running this test (${this.why()})`;
        if (running) record(running.cell, running.started, { status: "failed", failure: "dead", message });
        return { cells, stopped: `the checker stopped (${this.exitDescription})` };
      }
      switch (event.event) {
        case "start":
          running = cells.has(event.cellId) ? { cell: cells.get(event.cellId)!, started: Date.now() } : undefined;
          break;
        case "end": {
          const cell = cells.get(event.cellId);
          if (!cell) break;
          cell.outputs = event.outputs;
          cell.execution_count = ++ran; // the test's turn in the checker, so the page shows it ran
          record(
            cell,
            running?.started ?? Date.now(),
            event.error === undefined
              ? { status: "completed" }
              : { status: "failed", failure: "error", message: event.error.slice(0, 300) },
          );
          running = undefined;
          break;
        }
        case "failed":
          return { cells, stopped: `the checker failed: ${event.message}` };
        case "done":
          return { cells };
        default:
          break;
      }
    }
  }

  /** Ends the process and removes its place. */
  async dispose(): Promise<void> {
    if (this.exitDescription === undefined) this.child.kill("SIGKILL");
    await this.exited;
    rmSync(this.folder, { recursive: true, force: true });
  }
}
