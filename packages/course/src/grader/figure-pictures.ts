/**
 * Pictures of a graded submission's figures, for its feedback page (grader process). A feedback page
 * runs no script (the student's notebook is untrusted), so a Plotly figure needs a PNG to be seen;
 * the student's kernel draws none, because it may start no process. The figures are the student's
 * data, so they are drawn here by headless Chromium inside the grading sandbox's layers (toolLaunch:
 * no capability, seccomp, no network, its own user when graded as root), seeing only the system
 * folders, the figure pages and plotly.js. What comes back is taken only as a PNG of bounded size;
 * a figure that is too large, too many or fails to draw keeps the page's placeholder.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { chromiumArgs, figurePage, figureSize, findChromium, PLOTLY_MIME, plotlyJsPath } from "reglab/tooling";
import type { Figure } from "reglab";
import type { CodeCell, Notebook } from "../runner/notebook";
import { detectIsolation, kernelUser, toolLaunch } from "./sandbox";

/** Figures drawn per submission; later ones keep their placeholder. */
export const MAX_PICTURES = 8;
/** The largest figure drawn, as JSON. */
const MAX_FIGURE_CHARS = 2_000_000;
/** Pixels a figure may ask for on each side. */
const SIDE = { min: 100, max: 1600 };
/** The largest picture accepted. */
const MAX_PNG_BYTES = 8 * 1024 * 1024;
/** How long the renderer may take: a start plus this much per figure. */
const START_MS = 20_000;
const PER_FIGURE_MS = 15_000;
/** Chromium's data segment limit, in MB (its renderer and GPU processes each get it). */
const CHROMIUM_DATA_MB = 4096;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Where the renderer sees its inputs inside the sandbox. */
const INSIDE = { figures: "/sandbox/figures", plotly: "/sandbox/plotly.min.js" };

/** Folders Chromium and its fonts need besides the sandbox's system folders, when they exist. */
const CHROMIUM_CONFIG = ["/etc/fonts", "/etc/chromium.d", "/etc/chromium", "/var/cache/fontconfig"];

/**
 * One shell loop draws every page: one Chromium per figure, each picture printed as one line
 * "<index> <base64>", nothing else on stdout. Its arguments: the pages' folder, then each figure's size.
 */
const DRAW_ALL = [
  'dir="$1"; shift; i=0; w=$(mktemp -d) || exit 1; trap \'rm -rf "$w"\' EXIT',
  'for size in "$@"; do',
  `  "$CHROMIUM" ${chromiumArgs('"$w/profile"').join(" ")} --disable-dev-shm-usage --window-size="$size" ` +
    `--virtual-time-budget=10000 --screenshot="$w/figure.png" "file://$dir/$i.html" >/dev/null 2>&1 </dev/null`,
  '  if [ -s "$w/figure.png" ]; then printf "%s " "$i"; base64 -w0 "$w/figure.png"; echo; fi',
  '  rm -f "$w/figure.png"; i=$((i + 1))',
  "done",
].join("\n");

/** A Plotly output's figure, reduced to what is drawn: its traces and layout at a bounded size. */
function drawable(value: unknown): Figure | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { data, layout } = value as { data?: unknown; layout?: unknown };
  if (!Array.isArray(data)) return undefined;
  const base = typeof layout === "object" && layout !== null && !Array.isArray(layout) ? layout : {};
  const figure = { data, layout: base } as Figure;
  const clamp = (side: number) => Math.min(SIDE.max, Math.max(SIDE.min, Number.isFinite(side) ? side : SIDE.min));
  const { width, height } = figureSize(figure);
  return { data: figure.data, layout: { ...figure.layout, width: clamp(width), height: clamp(height) } };
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
  const bundles = figuresWithoutPicture(notebook).slice(0, MAX_PICTURES);
  if (!chromium || bundles.length === 0) return 0;
  const figures = bundles.map((data) => {
    const figure = drawable(data[PLOTLY_MIME]);
    return figure && JSON.stringify(figure).length <= MAX_FIGURE_CHARS ? figure : undefined;
  });
  const drawn = figures.flatMap((figure, i) => (figure ? [{ figure, bundle: bundles[i] }] : []));
  if (drawn.length === 0) return 0;
  const pages = mkdtempSync(join(tmpdir(), "reglab-figures-"));
  chmodSync(pages, 0o755); // the renderer's own user (graded as root) reads the pages
  try {
    const where = sandboxed ? INSIDE : { figures: pages, plotly: plotlyJsPath() };
    drawn.forEach(({ figure }, i) =>
      writeFileSync(
        join(pages, `${i}.html`),
        figurePage(figure, { plotlySrc: `file://${where.plotly}`, static: true }),
      ),
    );
    const sizes = drawn.map(({ figure }) => `${figure.layout.width},${figure.layout.height}`);
    const pictures = await drawPages(chromium, pages, sizes, sandboxed);
    let count = 0;
    pictures.forEach((png, i) => {
      if (!png) return;
      drawn[i].bundle["image/png"] = png.toString("base64");
      count++;
    });
    return count;
  } finally {
    rmSync(pages, { recursive: true, force: true });
  }
}

/** Runs DRAW_ALL over the pages in `pages` and reads back each picture that is a PNG within bounds. */
async function drawPages(
  chromium: string,
  pages: string,
  sizes: string[],
  sandboxed: boolean,
): Promise<Array<Buffer | undefined>> {
  const script = ["/bin/sh", "-c", DRAW_ALL, "draw"];
  let launch: { argv: string[]; fdInputs: Uint8Array[] };
  if (sandboxed) {
    const isolation = detectIsolation();
    if (isolation.kind !== "bubblewrap") throw new Error(`figures cannot be drawn in a sandbox: ${isolation.reason}`);
    const chromiumHome = dirname(realpathSync(chromium));
    launch = toolLaunch(
      isolation,
      {
        readOnly: [
          ...CHROMIUM_CONFIG.filter((dir) => existsSync(dir)).map((dir) => ({ source: dir, target: dir })),
          ...(chromiumHome.startsWith("/usr/") ? [] : [{ source: chromiumHome, target: chromiumHome }]),
          { source: pages, target: INSIDE.figures },
          { source: plotlyJsPath(), target: INSIDE.plotly },
        ],
        env: { PATH: "/usr/bin:/bin", HOME: "/tmp", LANG: "C.UTF-8", CHROMIUM: chromium },
        dataMb: CHROMIUM_DATA_MB,
        user: process.getuid?.() === 0 ? kernelUser() : undefined,
      },
      [...script, INSIDE.figures, ...sizes],
    );
  } else {
    launch = { argv: [...script, pages, ...sizes], fdInputs: [] };
  }
  const lines = await run(launch, START_MS + PER_FIGURE_MS * sizes.length, sandboxed ? undefined : chromium);
  const pictures: Array<Buffer | undefined> = sizes.map(() => undefined);
  for (const line of lines) {
    const [index, data] = line.split(" ");
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= sizes.length || !/^[A-Za-z0-9+/]+=*$/.test(data ?? "")) continue;
    const png = Buffer.from(data, "base64");
    if (png.length <= MAX_PNG_BYTES && png.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) pictures[i] = png;
  }
  return pictures;
}

/** The lines the launch prints before it ends or `timeoutMs` passes (then it is killed); stdout is capped. */
function run(
  launch: { argv: string[]; fdInputs: Uint8Array[] },
  timeoutMs: number,
  chromium: string | undefined,
): Promise<string[]> {
  const limit = MAX_PICTURES * Math.ceil((MAX_PNG_BYTES * 4) / 3 + 16);
  return new Promise((resolve) => {
    const child = spawn(launch.argv[0], launch.argv.slice(1), {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), CHROMIUM: chromium ?? "" },
      stdio: ["ignore", "pipe", "ignore", ...launch.fdInputs.map(() => "pipe" as const)],
      detached: true, // its own process group, so that a timeout ends Chromium too
    });
    launch.fdInputs.forEach((data, i) => {
      const pipe = child.stdio[3 + i] as NodeJS.WritableStream | null;
      pipe?.on("error", () => {});
      pipe?.end(data);
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(stop, timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop();
      else chunks.push(chunk);
    });
    child.on("error", () => {});
    child.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1").split("\n").filter(Boolean));
    });
  });
}
