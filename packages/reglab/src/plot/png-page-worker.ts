/**
 * The worker thread behind png-page.ts: it owns one headless Chromium, driven over the DevTools
 * protocol on a pipe (`--remote-debugging-pipe`: fd 3 to the browser, fd 4 from it, messages ended by
 * NUL), with one page that has plotly.js loaded. Each request draws one figure on that page and answers
 * with its screenshot; the main thread waits for the answer synchronously (Atomics.wait), because
 * `show()` is synchronous.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { type MessagePort, workerData } from "node:worker_threads";
import { chromiumArgs } from "../util/chromium";

export interface PageRequest {
  /** Plotly.newPlot's arguments and the page's size. */
  data: unknown;
  layout: unknown;
  config: unknown;
  width: number;
  height: number;
}

export type PageAnswer = { ok: true; png: Uint8Array } | { ok: false; message: string };

export interface PageWorkerData {
  chromium: string;
  plotlySrc: string;
  /** Where answers go; `signal[0]` is set to 1 and notified after each one. */
  port: MessagePort;
  signal: Int32Array;
}

const STEP_TIMEOUT_MS = 60_000;

class DevTools {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private buffer = "";

  constructor(
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
    private readonly browser: ChildProcess,
  ) {
    fromBrowser.setEncoding("utf8");
    fromBrowser.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\0")) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as {
          id?: number;
          result?: unknown;
          error?: { message: string };
        };
        this.buffer = this.buffer.slice(end + 1);
        const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!waiting) continue;
        this.pending.delete(message.id!);
        if (message.error) waiting.reject(new Error(message.error.message));
        else waiting.resolve(message.result);
      }
    });
    browser.on("exit", (code, signal) => {
      for (const waiting of this.pending.values())
        waiting.reject(new Error(`Chromium exited (${signal ?? `code ${code}`})`));
      this.pending.clear();
    });
  }

  send<T>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = ++this.nextId;
    this.toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Chromium did not answer ${method} within ${STEP_TIMEOUT_MS / 1000} s`));
      }, STEP_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  close(): void {
    this.browser.kill();
  }
}

/** The page every figure is drawn on: plotly.js, white, one div. */
function blankPage(plotlySrc: string): string {
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="${plotlySrc}"></script>` +
    `<style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}</style></head>` +
    `<body><div id="figure"></div></body></html>`
  );
}

async function evaluate(tools: DevTools, session: string, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await tools.send<{
    result: { value?: unknown };
    exceptionDetails?: { exception?: { description?: string }; text: string };
  }>("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, session);
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
  return result.value;
}

async function openPage(): Promise<{ tools: DevTools; session: string }> {
  const { chromium, plotlySrc } = workerData as PageWorkerData;
  const work = mkdtempSync(join(tmpdir(), "reglab-png-page-"));
  const browser = spawn(chromium, [...chromiumArgs(join(work, "profile")), "--remote-debugging-pipe", "about:blank"], {
    stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
  });
  browser.on("exit", () => rmSync(work, { recursive: true, force: true }));
  browser.on("error", () => {}); // a failed start shows as the first request's error
  const tools = new DevTools(browser.stdio[3] as Writable, browser.stdio[4] as Readable, browser);
  try {
    const { targetId } = await tools.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await tools.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = join(work, "page.html");
    writeFileSync(page, blankPage(plotlySrc));
    await tools.send("Page.navigate", { url: `file://${page}` }, sessionId);
    const loaded = await evaluate(
      tools,
      sessionId,
      `new Promise((ok) => { const check = () => (window.Plotly ? ok(true) : document.readyState === "complete" ? ok(false) : setTimeout(check, 10)); check(); })`,
    );
    if (loaded !== true) throw new Error(`plotly.js did not load from ${plotlySrc}`);
    return { tools, session: sessionId };
  } catch (error) {
    tools.close();
    throw error;
  }
}

let page: Promise<{ tools: DevTools; session: string }> | undefined;

async function draw(request: PageRequest): Promise<Uint8Array> {
  page ??= openPage();
  const { tools, session } = await page;
  const { width, height } = request;
  await tools.send(
    "Emulation.setDeviceMetricsOverride",
    { width, height, deviceScaleFactor: 1, mobile: false },
    session,
  );
  const args = [request.data, request.layout, request.config].map((value) => JSON.stringify(value)).join(",");
  await evaluate(
    tools,
    session,
    `(async () => { const div = document.getElementById("figure"); window.Plotly.purge(div);` +
      `div.style.width = "${width}px"; div.style.height = "${height}px";` +
      `await window.Plotly.newPlot(div, ${args}); await document.fonts.ready;` +
      `await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); return true; })()`,
  );
  const { data } = await tools.send<{ data: string }>(
    "Page.captureScreenshot",
    { format: "png", clip: { x: 0, y: 0, width, height, scale: 1 } },
    session,
  );
  return Buffer.from(data, "base64");
}

const { port, signal } = workerData as PageWorkerData;
port.on("message", (request: PageRequest) => {
  draw(request)
    .then(
      (png): PageAnswer => ({ ok: true, png }),
      (error: Error): PageAnswer => {
        // The next request starts a fresh browser.
        page?.then(({ tools }) => tools.close()).catch(() => {});
        page = undefined;
        return { ok: false, message: error.message };
      },
    )
    .then((answer) => {
      port.postMessage(answer);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
});
