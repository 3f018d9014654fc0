/**
 * The course in JupyterLab, as a student uses it (issue 21): Playwright drives Debian's Chromium
 * against a real JupyterLab server whose only kernel is this project's (JUPYTER_PATH=build/jupyter,
 * what `npm install` writes). Notebooks are opened, run, interrupted, saved and reopened through
 * JupyterLab's own commands — the ones its menus call — and the toolbar's Interrupt button; what is
 * checked is what the page shows. JupyterLab comes from pip (.ci/run installs it in build/jupyterlab;
 * REGLAB_JUPYTER_LAB names another `jupyter-lab`). Screenshots: build/screenshots/jupyterlab-*.png.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { findChromium, findOnPath, plotlyJsPath } from "reglab/tooling";
import { freePort } from "#course/runner/kernel";
import type { CodeCell, Notebook } from "#course/runner/notebook";
import { solved } from "../grader/helpers";
import { type FigureState, figureStates } from "../plot/figure-states";
import { readJson, reglab, ROOT } from "../runner/helpers";

const jupyterLab =
  process.env.REGLAB_JUPYTER_LAB ??
  [join(ROOT, "build", "jupyterlab", "bin", "jupyter-lab")].find(existsSync) ??
  findOnPath("jupyter-lab");
const chromiumPath = findChromium();
const skip = !chromiumPath
  ? "no Chromium on PATH (apt-get install chromium)"
  : !jupyterLab
    ? "no JupyterLab: python3 -m venv build/jupyterlab && build/jupyterlab/bin/pip install jupyterlab (.ci/run does)"
    : false;

const SCREENSHOTS = join(ROOT, "build", "screenshots");
const TOKEN = "reglab-browser-test";
/** Inside the project, as the course's notebooks are: a kernel started there finds `reglab`. */
const work =
  (mkdirSync(join(ROOT, "build"), { recursive: true }), mkdtempSync(join(ROOT, "build", "jupyterlab-test-")));
let server: ChildProcess | undefined;
let serverLog = "";
let base = "";
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const home = join(work, ".jupyter-home");
  // No "official Jupyter news?" toast over the notebook: the setting a user would click.
  const settings = join(home, "settings", "@jupyterlab", "apputils-extension");
  mkdirSync(settings, { recursive: true });
  writeFileSync(join(settings, "notification.jupyterlab-settings"), '{ "fetchNews": "false" }');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(
    jupyterLab!,
    [
      "--no-browser",
      "--allow-root",
      `--ServerApp.ip=127.0.0.1`,
      `--ServerApp.port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${TOKEN}`,
      // The project as the server's root, as when a student runs `jupyter lab` in it: figures load
      // plotly.js from the project's copy through the server's file route.
      `--ServerApp.root_dir=${ROOT}`,
      // window.jupyterapp: the test calls the commands JupyterLab's menus call.
      "--LabApp.expose_app_in_browser=True",
    ],
    {
      env: {
        ...process.env,
        JUPYTER_PATH: join(ROOT, "build", "jupyter"),
        JUPYTER_CONFIG_DIR: join(home, "config"),
        JUPYTER_DATA_DIR: join(home, "data"),
        JUPYTER_RUNTIME_DIR: join(home, "runtime"),
        JUPYTERLAB_SETTINGS_DIR: join(home, "settings"),
        JUPYTERLAB_WORKSPACES_DIR: join(home, "workspaces"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  for (const stream of [server.stdout!, server.stderr!]) stream.on("data", (d) => (serverLog += String(d)));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/status?token=${TOKEN}`)).ok) break;
    } catch {
      // not listening yet
    }
    assert.ok(i < 120 && server.exitCode === null, `JupyterLab did not start:\n${serverLog.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu"] });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  await new Promise((resolve) => (server && server.exitCode === null ? server.on("exit", resolve) : resolve(0)));
  rmSync(work, { recursive: true, force: true });
});

/** JupyterLab's app object as the page exposes it (only what these tests use). */
interface LabWindow {
  jupyterapp: {
    commands: { execute(id: string, args?: object): Promise<unknown> };
    shell: { currentWidget: NotebookPanel | null };
  };
}
interface NotebookPanel {
  context: { path: string; model: { dirty: boolean } };
  sessionContext: { session?: { kernel?: { status: string; name: string } } | null };
  content: { activeCellIndex: number; widgets: { node: HTMLElement; model: { id: string } }[] };
  node: HTMLElement;
}

let pages = 0;

/**
 * Opens a notebook of the work folder in a fresh page at a laptop's 1366×768, in a workspace of its
 * own (no notebook left open by an earlier test), and waits for its kernel.
 */
async function open(name: string): Promise<Page> {
  const path = `${relative(ROOT, work)}/${name}`;
  const page = await browser!.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`${base}/lab/workspaces/test-${++pages}/tree/${path}?reset&token=${TOKEN}`);
  await page.waitForFunction(
    (path) => {
      const panel = (window as unknown as LabWindow).jupyterapp?.shell.currentWidget;
      return panel?.context.path === path && panel.sessionContext.session?.kernel?.status === "idle";
    },
    path,
    { timeout: 120_000, polling: 100 },
  );
  return page;
}

async function waitIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () =>
      (window as unknown as LabWindow).jupyterapp.shell.currentWidget?.sessionContext.session?.kernel?.status ===
      "idle",
    null,
    { timeout, polling: 50 },
  );
}

/** Runs a JupyterLab command; `wait` awaits it (a run command resolves when its cells finished). */
async function command(page: Page, id: string, args: object = {}, wait = true): Promise<void> {
  await page.evaluate(
    ({ id, args, wait }) => {
      const run = (window as unknown as LabWindow).jupyterapp.commands.execute(id, args);
      return wait ? run.then(() => undefined) : undefined;
    },
    { id, args, wait },
  );
}

async function selectCell(page: Page, cellId: string): Promise<void> {
  await page.evaluate((cellId) => {
    const notebook = (window as unknown as LabWindow).jupyterapp.shell.currentWidget!.content;
    const index = notebook.widgets.findIndex((cell) => cell.model.id === cellId);
    if (index < 0) throw new Error(`no cell ${cellId}`);
    notebook.activeCellIndex = index;
  }, cellId);
}

/** What the page shows under a cell: its output area's text (textContent: JupyterLab skips drawing cells off screen). */
async function outputText(page: Page, cellId: string): Promise<string> {
  return page.evaluate((cellId) => {
    const notebook = (window as unknown as LabWindow).jupyterapp.shell.currentWidget!.content;
    const cell = notebook.widgets.find((c) => c.model.id === cellId);
    return cell?.node.querySelector(".jp-OutputArea")?.textContent ?? "";
  }, cellId);
}

function code(id: string, source: string): CodeCell {
  return { id, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null };
}

function writeNotebook(name: string, cells: CodeCell[]): string {
  const course = readJson(join(ROOT, "notebooks", "01-loss-vs-cost.ipynb"));
  const notebook: Notebook = { ...course, cells };
  writeFileSync(join(work, name), JSON.stringify(notebook, null, 1));
  return name;
}

test("a course notebook freshly opened is not marked modified", { skip }, async () => {
  copyFileSync(join(ROOT, "notebooks", "01-loss-vs-cost.ipynb"), join(work, "01.ipynb"));
  const page = await open("01.ipynb");
  await page.waitForTimeout(2000); // what a kernel's first reply would change has arrived
  const state = await page.evaluate(() => ({
    dirty: (window as unknown as LabWindow).jupyterapp.shell.currentWidget!.context.model.dirty,
    tab: document.querySelector(".lm-TabBar-tab.jp-mod-dirty")?.textContent ?? null,
  }));
  assert.deepEqual(
    state,
    { dirty: false, tab: null },
    "JupyterLab would ask to save a notebook the student never changed",
  );
  await page.close();
});

test(
  "Kernel ▸ Interrupt stops a 50-epoch train within 2 batches: the progress line stops, the kernel goes idle",
  { skip },
  async (t) => {
    // Batches of ~0.5 s here (wasm, 2 threads; 29 GFLOP each), longer than the click takes to reach the kernel
    // (SIGINT from the server) even on a busy machine: batches of 0.14 s let 4 end within 0.3 s of a click.
    const path = writeNotebook("interrupt.ipynb", [
      code(
        "setup",
        `import { buildMLP, ready, tf, train } from "reglab";
await ready();
const x = tf.randomNormal([2048, 256], 0, 1, "float32", 1);
const y = tf.oneHot(tf.randomUniform([2048], 0, 4, "int32", 2), 4);
const model = buildMLP({ inputShape: [256], hiddenUnits: [2048, 2048], outputUnits: 4, seed: 0 });
const batchEnds: number[] = [];`,
      ),
      code(
        "train",
        `await train(model, { x: x, y: y, epochs: 50, batchSize: 1024, optimizer: "sgd", loss: "categoricalCrossentropy", seed: 0, callbacks: { onBatchEnd: () => { batchEnds.push(Date.now()); } } });`,
      ),
      code("after", `console.log(JSON.stringify(batchEnds));`),
    ]);
    const page = await open(path);
    await selectCell(page, "setup");
    await command(page, "notebook:run-cell");
    await selectCell(page, "train");
    await command(page, "notebook:run-cell", {}, false);
    for (let i = 0; !/epoch 3\/50/.test(await outputText(page, "train")); i++) {
      if (i === 1800 || /Error/.test(await outputText(page, "train"))) {
        await page.screenshot({ path: join(SCREENSHOTS, "jupyterlab-interrupt.png") });
        assert.fail(`no "epoch 3/50"; the cell shows: ${await outputText(page, "train")}`);
      }
      await page.waitForTimeout(100);
    }
    const clicked = Date.now();
    await page.click('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]');
    await waitIdle(page);
    const idle = Date.now();
    const shown = await outputText(page, "train");
    await page.waitForTimeout(2000);
    assert.equal(await outputText(page, "train"), shown, "the progress line stopped");
    await page.screenshot({ path: join(SCREENSHOTS, "jupyterlab-interrupt.png") });
    assert.match(shown, /KeyboardInterrupt: 已中斷執行 \(interrupted\)/);
    assert.doesNotMatch(shown, /at .*\(.*:\d+:\d+\)|node:internal|tslab/, "one line, no stack frames");

    await selectCell(page, "after");
    await command(page, "notebook:run-cell");
    const ends = JSON.parse(await outputText(page, "after")) as number[];
    const perBatch = (ends[ends.length - 1] - ends[0]) / (ends.length - 1);
    const afterClick = ends.filter((end) => end > clicked).length;
    t.diagnostic(
      `${ends.length} batches, ${perBatch.toFixed(0)} ms each; after the click: ${afterClick} ended, idle in ${idle - clicked} ms`,
    );
    assert.ok(ends.length >= 4 && ends.length < 100, `${ends.length} batches of 100 ran`);
    assert.ok(afterClick <= 2, `${afterClick} batches ended after the click (a batch took ${perBatch.toFixed(0)} ms)`);
    assert.ok(
      idle - clicked <= 2 * perBatch + 1000,
      `idle ${idle - clicked} ms after the click; a batch takes ${perBatch.toFixed(0)} ms`,
    );
    await page.close();
  },
);

test("no figure is wider than its output area at 1366×768, live and as a picture", { skip }, async () => {
  const path = writeNotebook("wide.ipynb", [
    code(
      "boundaries",
      `import { buildMLP, plotDecisionBoundaries, show, tf } from "reglab";
const points = { x: tf.randomNormal([40, 2], 0, 1, "float32", 3) as tf.Tensor2D, labels: Int32Array.from({ length: 40 }, (_, i) => i % 2) };
const panels = [0, 1, 2, 3].map((seed) => ({ label: "seed " + seed, model: buildMLP({ inputShape: [2], hiddenUnits: [8], outputUnits: 2, seed }) }));
show(plotDecisionBoundaries(panels, points, { resolution: 30 }));`,
    ),
    code(
      "wide",
      `show({ data: [{ type: "bar", x: ["none", "L2", "L1", "Dropout"], y: [0.3, 0.2, 0.25, 0.22] }], layout: { width: 1320, height: 420, title: { text: "Settings compared" } } });`,
    ),
  ]);
  const page = await open(path);
  await command(page, "notebook:run-all-cells");
  await page.waitForTimeout(2000); // plotly draws after the output arrives
  const figures = await page.$$eval(".jp-OutputArea-output", (outputs) =>
    outputs.flatMap((output) => {
      const figure = output.querySelector(".reglab-figure");
      if (!figure) return [];
      return [
        {
          area: output.getBoundingClientRect().width,
          figure: figure.getBoundingClientRect().width,
          drawn: Math.max(
            0,
            ...Array.from(figure.querySelectorAll("svg.main-svg, img")).map((e) => e.getBoundingClientRect().width),
          ),
          overflow: output.scrollWidth - output.clientWidth,
          live: figure.querySelector("svg.main-svg") !== null,
        },
      ];
    }),
  );
  await page.screenshot({ path: join(SCREENSHOTS, "jupyterlab-wide.png"), fullPage: true });
  assert.equal(figures.length, 2, JSON.stringify(figures));
  for (const f of figures) {
    assert.ok(f.live, "drawn by plotly.js");
    assert.ok(f.drawn > 600 && f.drawn <= f.area + 0.5, `a ${f.drawn} px figure in a ${f.area} px output area`);
    assert.equal(f.overflow, 0, "no horizontal scrolling");
  }
  await page.close();
});

test(
  "the homework solved shows full visible marks; an answer cell that fails to compile stops the test below",
  { skip },
  async () => {
    const homework = readJson(join(ROOT, "exercises", "day81", "homework.ipynb"));
    for (const cell of homework.cells) if (solved[cell.id] !== undefined) cell.source = solved[cell.id];
    writeFileSync(join(work, "homework.ipynb"), JSON.stringify(homework, null, 1));
    const page = await open("homework.ipynb");
    await command(page, "notebook:run-all-cells");
    await page.screenshot({ path: join(SCREENSHOTS, "jupyterlab-homework.png") });
    for (const id of ["q1-test", "q2-test", "q3-test", "q4-test", "q5-test"]) {
      const shown = await outputText(page, id);
      assert.match(shown, /✓/, `${id}: each passed check says so`);
      assert.doesNotMatch(shown, /✗|Error/, `${id}: ${shown}`);
      // Tests scored part by part end with their marks; those must be full (hidden parts are not lost points).
      for (const [, got, of] of shown.matchAll(/(?:visible parts|score): (\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?)/g))
        assert.equal(Number(got), Number(of), `${id}: a correct answer shows full marks: ${shown}`);
    }

    // The student breaks q1's answer: it no longer compiles; the test must not run the old function.
    await page.evaluate(() => {
      const notebook = (window as unknown as LabWindow).jupyterapp.shell.currentWidget!.content;
      const cell = notebook.widgets.find((c) => c.model.id === "q1-answer")!;
      (cell.model as unknown as { sharedModel: { setSource(s: string): void } }).sharedModel.setSource(
        "function penalties(w: tf.Tensor, l1Factor: number, l2Factor: number { return 0; }",
      );
    });
    for (const id of ["q1-answer", "q1-test"]) {
      await selectCell(page, id);
      await command(page, "notebook:run-cell");
      // After a failed cell tslab cancels what arrives within 200 ms (Jupyter's stop-on-error): a person
      // takes longer than that to reach the next cell.
      await page.waitForTimeout(400);
    }
    const shown = await outputText(page, "q1-test");
    await page.evaluate(() => {
      const notebook = (window as unknown as LabWindow).jupyterapp.shell.currentWidget!.content;
      notebook.widgets.find((c) => c.model.id === "q1-test")!.node.scrollIntoView();
    });
    await page.screenshot({ path: join(SCREENSHOTS, "jupyterlab-stale-answer.png") });
    assert.match(shown, /did not run: fix the error above first/, shown);
    assert.doesNotMatch(shown, /✓/, "no check passed on the old definition");
    await page.close();
  },
);

/** Waits until `count` figures are drawn (each as `want`, else live or as pictures), and returns how. */
async function drawnFigures(page: Page, count: number, want?: FigureState): Promise<FigureState[]> {
  let states: FigureState[] = [];
  for (let i = 0; i < 150; i++) {
    states = await figureStates(page, ".jp-OutputArea-output");
    if (states.length === count && states.every((state) => (want ? state === want : state !== "blank"))) break;
    await page.waitForTimeout(100);
  }
  return states;
}

test(
  "saved after a re-run and reopened: pictures without dead buttons, live plots with working ones once trusted",
  { skip },
  async () => {
    const executed = mkdtempSync(join(work, "executed-"));
    const run = reglab(["run", join(ROOT, "test", "plot", "fixtures", "show.ipynb"), "--out", executed, "-q"]);
    assert.equal(run.status, 0, run.stderr);
    copyFileSync(join(executed, "show.ipynb"), join(work, "saved.ipynb"));

    const first = await open("saved.ipynb");
    assert.deepEqual(await drawnFigures(first, 3), ["image", "image", "image"], "untrusted: the pictures");
    await selectCell(first, "c1");
    await command(first, "notebook:run-cell");
    await command(first, "docmanager:save");
    await first.close();

    // Saved with outputs it did not make, the notebook stays untrusted: reopened, it shows the pictures,
    // which carry no buttons of their own (each is the image/png rendered without them).
    const reopened = await open("saved.ipynb");
    assert.deepEqual(await drawnFigures(reopened, 3, "image"), ["image", "image", "image"], "reopened untrusted");
    const pictures = await reopened.$$eval(".jp-OutputArea-output .reglab-figure img", (images) =>
      images.map((img) => (img as HTMLImageElement).src.slice(0, 60)),
    );
    for (const src of pictures) assert.match(src, /^data:image\/png;base64,/);
    assert.equal(await reopened.$$eval(".jp-OutputArea-output .updatemenu-button", (b) => b.length), 0);

    // Trusted through the command palette's "Trust Notebook": every figure loads plotly.js — fetched once,
    // from the project's copy through the server's file route, as no output carries it — and goes live.
    await command(reopened, "notebook:trust", {}, false);
    await reopened.click(".jp-Dialog .jp-mod-accept");
    const states = await drawnFigures(reopened, 3, "live");
    await reopened.screenshot({ path: join(SCREENSHOTS, "jupyterlab-reopened.png"), fullPage: true });
    assert.deepEqual(states, ["live", "live", "live"], "every figure drawn live once trusted");
    const loaded = await reopened.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .filter((url) => /plotly/.test(url)),
    );
    assert.deepEqual(
      loaded.map((url) => new URL(url).pathname),
      [`/files/${relative(ROOT, plotlyJsPath())}`],
      "plotly.js fetched once, from the server",
    );
    // A live figure's buttons work: each shows a view of its own (the first is the one already shown).
    const buttons = await reopened.$$(".jp-OutputArea-output .reglab-figure .updatemenu-button");
    assert.ok(buttons.length >= 2, `the history figure's buttons are drawn: ${buttons.length}`);
    const views = new Set<string>();
    for (const button of buttons) {
      await button.click();
      await reopened.waitForTimeout(500);
      const figure = await button.evaluateHandle((b) => b.closest(".reglab-figure")!);
      views.add(await figure.evaluate((f) => f.querySelector(".cartesianlayer")?.innerHTML ?? ""));
    }
    assert.equal(views.size, buttons.length, "each button changes what the plot shows");
    await reopened.close();
  },
);
