/**
 * Pictures of a graded submission's figures, for its feedback page (grader process). A feedback page
 * runs no script (the student's notebook is untrusted), so a Plotly figure needs a PNG to be seen;
 * the student's kernel draws none, because it may start no process. The figures are the student's
 * data, so they are drawn here by one headless Chromium per submission inside the grading sandbox's
 * layers (toolLaunch: no capability, seccomp, no network, its own user when graded as root), seeing
 * only the system folders, its page and plotly.js, driven over the DevTools pipe (figure-page.ts).
 * What comes back is taken only as a PNG of bounded size; a figure that is too large, past the limit
 * or fails to draw keeps the page's placeholder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { Figure } from "reglab";
import {
  blankPage,
  chromiumArgs,
  DevTools,
  drawFigure,
  figureSize,
  findChromium,
  openFigurePage,
  PLOTLY_MIME,
  plotArguments,
  plotlyJsPath,
} from "reglab/tooling";
import type { CodeCell, Notebook } from "../runner/notebook";
import { stageReadableFile } from "./project-view";
import { detectIsolation, kernelUser, toolLaunch } from "./sandbox";

/** Figures drawn per submission; later ones keep their placeholder. */
export const MAX_PICTURES = 8;
/** The largest figure drawn, as JSON. */
const MAX_FIGURE_CHARS = 2_000_000;
/** Pixels a figure may ask for on each side. */
const SIDE = { min: 100, max: 1600 };
/** The largest picture accepted. */
const MAX_PNG_BYTES = 8 * 1024 * 1024;
/** How long one submission's pictures may take: the browser's start plus this much per figure. */
const START_MS = 30_000;
const PER_FIGURE_MS = 10_000;
/** Chromium's data segment limit, in MB (each of its processes gets it). */
const CHROMIUM_DATA_MB = 4096;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Where the browser sees its page and plotly.js inside the sandbox. */
const INSIDE = { page: "/sandbox/page.html", plotly: "/sandbox/plotly.min.js" };
/** The DevTools pipe (fds 3 and 4, Chromium's fixed choice) and, in the sandbox, the seccomp filter. */
const SECCOMP_FD = 5;

/** Folders Chromium and its fonts need besides the sandbox's system folders, when they exist. */
const CHROMIUM_CONFIG = ["/etc/fonts", "/etc/chromium.d", "/etc/chromium", "/var/cache/fontconfig"];

/** A Plotly output's figure, reduced to what is drawn: its traces and layout at a bounded size. */
function drawable(value: unknown): Figure | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { data, layout } = value as { data?: unknown; layout?: unknown };
  if (!Array.isArray(data)) return undefined;
  const base = typeof layout === "object" && layout !== null && !Array.isArray(layout) ? layout : {};
  const clamp = (side: number) => Math.min(SIDE.max, Math.max(SIDE.min, Number.isFinite(side) ? side : SIDE.min));
  const { width, height } = figureSize({ data, layout: base } as Figure);
  const figure = { data, layout: { ...base, width: clamp(width), height: clamp(height) } } as Figure;
  return JSON.stringify(figure).length <= MAX_FIGURE_CHARS ? figure : undefined;
}

/** The output bundles of `notebook` that hold a Plotly figure and no picture, in order. */
function figuresWithoutPicture(notebook: Notebook): Array<Record<string, unknown>> {
  return notebook.cells
    .filter((cell): cell is CodeCell => cell.cell_type === "code")
    .flatMap((cell) => cell.outputs)
    .flatMap((output) => ("data" in output && output.data ? [output.data as Record<string, unknown>] : []))
    .filter((data) => data[PLOTLY_MIME] !== undefined && data["image/png"] === undefined);
}

/**
 * Adds an image/png to each of the notebook's Plotly outputs that has none (at most MAX_PICTURES),
 * drawn in a sandbox when the grader has one (`sandboxed`), else by Chromium directly (the grader's
 * `--unsafe-no-sandbox`). Returns how many it drew; without Chromium, none.
 */
export async function addFigurePictures(notebook: Notebook, sandboxed: boolean): Promise<number> {
  const chromium = findChromium();
  const wanted = figuresWithoutPicture(notebook)
    .slice(0, MAX_PICTURES)
    .flatMap((bundle) => {
      const figure = drawable(bundle[PLOTLY_MIME]);
      return figure ? [{ bundle, figure }] : [];
    });
  if (!chromium || wanted.length === 0) return 0;
  const work = mkdtempSync(join(tmpdir(), "reglab-figures-"));
  try {
    chmodSync(work, 0o755); // the browser's own user (graded as root) reads its page
    return await drawAll(
      startBrowser(chromium, work, sandboxed),
      wanted,
      `file://${sandboxed ? INSIDE.page : join(work, "page.html")}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Draws each wanted figure on `browser`'s page into its bundle; ends the browser. Returns how many it drew. */
async function drawAll(
  browser: ChildProcess,
  wanted: Array<{ bundle: Record<string, unknown>; figure: Figure }>,
  pageUrl: string,
): Promise<number> {
  const deadline = setTimeout(() => stop(browser), START_MS + PER_FIGURE_MS * wanted.length);
  // A DevTools message carries at most one screenshot, as base64.
  const tools = new DevTools(
    browser.stdio[3] as Writable,
    browser.stdio[4] as Readable,
    browser,
    Math.ceil((MAX_PNG_BYTES * 4) / 3) + 4096,
  );
  let drawn = 0;
  try {
    const session = await openFigurePage(tools, pageUrl);
    for (const { bundle, figure } of wanted) {
      const png = await drawFigure(tools, session, plotArguments(figure, true));
      if (png.length > MAX_PNG_BYTES || !png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) continue;
      bundle["image/png"] = png.toString("base64");
      drawn++;
    }
  } catch {
    // what was drawn stays; the rest keep their placeholders
  } finally {
    clearTimeout(deadline);
    stop(browser);
  }
  return drawn;
}

/** Chromium with its DevTools pipe on fds 3 and 4, in the grading sandbox unless `sandboxed` is false. */
function startBrowser(chromium: string, work: string, sandboxed: boolean): ChildProcess {
  writeFileSync(join(work, "page.html"), blankPage(`file://${sandboxed ? INSIDE.plotly : plotlyJsPath()}`));
  const browserArgs = (profile: string) => [
    ...chromiumArgs(profile),
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
    "about:blank",
  ];
  const options = { detached: true, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work } };
  let browser: ChildProcess;
  if (sandboxed) {
    const isolation = detectIsolation();
    if (isolation.kind !== "bubblewrap") throw new Error(`figures cannot be drawn in a sandbox: ${isolation.reason}`);
    const home = dirname(realpathSync(chromium));
    // The browser's own user (graded as root) may not reach the project's copy: a folder on the way can be private.
    stageReadableFile(plotlyJsPath(), join(work, "plotly.min.js"));
    const launch = toolLaunch(
      isolation,
      {
        readOnly: [
          ...CHROMIUM_CONFIG.filter((dir) => existsSync(dir)).map((dir) => ({ source: dir, target: dir })),
          ...(home.startsWith("/usr/") ? [] : [{ source: home, target: home }]),
          { source: join(work, "page.html"), target: INSIDE.page },
          { source: join(work, "plotly.min.js"), target: INSIDE.plotly },
        ],
        env: { PATH: "/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8" },
        dataMb: CHROMIUM_DATA_MB,
        user: process.getuid?.() === 0 ? kernelUser() : undefined,
      },
      [chromium, ...browserArgs("/tmp/profile")],
      SECCOMP_FD,
    );
    browser = spawn(launch.argv[0], launch.argv.slice(1), {
      ...options,
      stdio: ["ignore", "ignore", "ignore", "pipe", "pipe", "pipe"],
    });
    const filter = (browser.stdio as unknown as Array<Writable | null>)[SECCOMP_FD];
    filter?.on("error", () => {});
    filter?.end(launch.seccomp);
  } else {
    browser = spawn(chromium, browserArgs(join(work, "profile")), {
      ...options,
      stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
    });
  }
  browser.on("error", () => {}); // a failed start shows as the first request's error
  return browser;
}

/** Ends the browser and everything it started (its own process group; in a sandbox, its namespace). */
function stop(browser: ChildProcess): void {
  try {
    if (browser.pid !== undefined && browser.exitCode === null) process.kill(-browser.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
