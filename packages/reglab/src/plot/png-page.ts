/**
 * PNG copies of figures drawn on one long-lived headless Chromium page per process, instead of a
 * Chromium started per figure (~1 s each: a course run draws 16). The browser lives in a worker
 * thread (png-page-worker.ts); `show()` is synchronous, so the caller waits for each picture with
 * Atomics.wait and reads it with receiveMessageOnPort. The worker and its browser are unref'd: they
 * never keep a process alive, and the browser ends with the process (its DevTools pipe closes).
 */
import { join } from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { PageRequest } from "./figure-page";
import type { PageAnswer, PageWorkerData } from "./png-page-worker";

/** Longest one figure may take, browser start included. */
const FIGURE_TIMEOUT_MS = 120_000;

let page: { worker: Worker; port: MessagePort; signal: Int32Array; chromium: string } | undefined;

function openPage(chromium: string, plotlySrc: string) {
  if (page?.chromium === chromium) return page;
  page?.worker.terminate();
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const data: PageWorkerData = { chromium, plotlySrc, port: port2, signal };
  const worker = new Worker(join(__dirname, "png-page-worker.js"), {
    workerData: data,
    transferList: [port2],
    stdout: true, // the worker prints nothing; its streams must not reach the notebook either way
    stderr: true,
  });
  worker.unref();
  worker.on("error", () => (page = undefined));
  worker.on("exit", () => (page = undefined));
  page = { worker, port: port1, signal, chromium };
  return page;
}

/**
 * Draws Plotly.newPlot(data, layout, config) at width × height on the process' page and returns the
 * PNG; throws the browser's reason when it cannot.
 */
export function drawOnPage(chromium: string, plotlySrc: string, request: PageRequest): Buffer {
  const { port, signal } = openPage(chromium, plotlySrc);
  Atomics.store(signal, 0, 0);
  port.postMessage(request);
  if (Atomics.wait(signal, 0, 0, FIGURE_TIMEOUT_MS) === "timed-out") {
    page?.worker.terminate();
    page = undefined;
    throw new Error(`the figure took over ${FIGURE_TIMEOUT_MS / 1000} s`);
  }
  const answer = receiveMessageOnPort(port)?.message as PageAnswer | undefined;
  if (!answer) throw new Error("the page sent no picture");
  if (!answer.ok) throw new Error(answer.message);
  return Buffer.from(answer.png);
}
