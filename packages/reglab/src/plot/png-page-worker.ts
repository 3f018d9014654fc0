/**
 * The worker thread behind png-page.ts: it owns one headless Chromium with one figure page
 * (figure-page.ts). Each request draws one figure on that page and answers
 * with its screenshot; the main thread waits for the answer synchronously (Atomics.wait), because
 * `show()` is synchronous.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { type MessagePort, workerData } from "node:worker_threads";
import { chromiumArgs } from "../util/chromium";
import { blankPage, DevTools, drawFigure, openFigurePage, type PageRequest } from "./figure-page";

export type PageAnswer = { ok: true; png: Uint8Array } | { ok: false; message: string };

export interface PageWorkerData {
  chromium: string;
  plotlySrc: string;
  /** Where answers go; `signal[0]` is set to 1 and notified after each one. */
  port: MessagePort;
  signal: Int32Array;
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
    const page = join(work, "page.html");
    writeFileSync(page, blankPage(plotlySrc));
    return { tools, session: await openFigurePage(tools, `file://${page}`) };
  } catch (error) {
    tools.close();
    throw error;
  }
}

let page: Promise<{ tools: DevTools; session: string }> | undefined;

async function draw(request: PageRequest): Promise<Uint8Array> {
  page ??= openPage();
  const { tools, session } = await page;
  return drawFigure(tools, session, request);
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
