/**
 * One Chromium page that draws figures, driven over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: fd 3 to the browser, fd 4 from it, messages ended by NUL): a blank page
 * with plotly.js, then per figure Plotly.newPlot and a screenshot. Used by the kernel's PNG copies
 * (png-page-worker.ts) and by the grader's feedback pictures, which run the browser in a sandbox.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { scriptJson } from "../util/plotly";

/** Plotly.newPlot's arguments and the page's size. */
export interface PageRequest {
  data: unknown;
  layout: unknown;
  config: unknown;
  width: number;
  height: number;
}

const STEP_TIMEOUT_MS = 60_000;

/** The DevTools protocol over the browser's pipe: one request at a time per id, answers matched by id. */
export class DevTools {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private buffer = "";

  /** `maxMessageChars`: a browser that sends a longer message (or one that is not JSON) is ended. */
  constructor(
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
    private readonly browser: ChildProcess,
    maxMessageChars = Infinity,
  ) {
    fromBrowser.setEncoding("utf8");
    fromBrowser.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\0")) >= 0) {
        let message: { id?: number; result?: unknown; error?: { message: string } };
        try {
          message = JSON.parse(this.buffer.slice(0, end));
        } catch {
          return this.fail("Chromium sent a message that is not JSON");
        }
        this.buffer = this.buffer.slice(end + 1);
        const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!waiting) continue;
        this.pending.delete(message.id!);
        if (message.error) waiting.reject(new Error(message.error.message));
        else waiting.resolve(message.result);
      }
      if (this.buffer.length > maxMessageChars) this.fail(`Chromium sent a message over ${maxMessageChars} characters`);
    });
    fromBrowser.on("error", () => {});
    toBrowser.on("error", () => {});
    browser.on("exit", (code, signal) => this.fail(`Chromium exited (${signal ?? `code ${code}`})`));
  }

  /** Rejects every request still waiting with `reason` and ends the browser. */
  private fail(reason: string): void {
    this.buffer = "";
    for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
    this.pending.clear();
    this.close();
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
export function blankPage(plotlySrc: string): string {
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

/**
 * Opens a page at `pageUrl` (a blankPage) in the browser `tools` drives and waits for plotly.js;
 * returns the page's session. Throws when plotly.js does not load.
 */
export async function openFigurePage(tools: DevTools, pageUrl: string): Promise<string> {
  const { targetId } = await tools.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await tools.send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
  await tools.send("Page.navigate", { url: pageUrl }, sessionId);
  const loaded = await evaluate(
    tools,
    sessionId,
    `new Promise((ok) => { const check = () => (window.Plotly ? ok(true) : document.readyState === "complete" ? ok(false) : setTimeout(check, 10)); check(); })`,
  );
  if (loaded !== true) throw new Error(`plotly.js did not load in ${pageUrl}`);
  return sessionId;
}

/** Draws one figure on the page of `session` and returns its screenshot (PNG bytes). */
export async function drawFigure(tools: DevTools, session: string, request: PageRequest): Promise<Buffer> {
  const { width, height } = request;
  await tools.send(
    "Emulation.setDeviceMetricsOverride",
    { width, height, deviceScaleFactor: 1, mobile: false },
    session,
  );
  const args = [request.data, request.layout, request.config].map((value) => scriptJson(value)).join(",");
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
