/** PNGs through headless Chromium are real pictures of the figure; standalone pages carry plotly.js once, outputs never. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type History, plotHistory, plotL1L2Geometry, plotSparsity, savePlot, show } from "reglab";
import { compactFigure, fittedFigure, MAX_STATIC_WIDTH, PALETTE, staticFigure } from "#reglab/plot/figure";
import { plotlyLoaderScript, renderPng } from "#reglab/plot/render";
import { mimeBundle } from "#reglab/plot/show";
import { findChromium } from "reglab/tooling";
import { tempDir } from "../runner/helpers";
import { countColour, decodePng } from "./png";

const noChromium = findChromium() ? false : "no headless Chromium on PATH (apt-get install chromium)";

test(
  "savePlot(fig, 'x.png') draws the figure: its size, white background, the traces' colours",
  { skip: noChromium },
  () => {
    const file = join(tempDir("reglab-png-"), "geometry.png");
    savePlot(plotL1L2Geometry(), file);
    const image = decodePng(readFileSync(file));
    assert.deepEqual([image.width, image.height], [640, 720]);
    const total = image.width * image.height;
    const white = countColour(image, "#ffffff", 6);
    assert.ok(
      white > total * 0.5 && white < total * 0.97,
      `white share ${(white / total).toFixed(3)}: a drawn figure, not a blank page`,
    );
    assert.ok(countColour(image, PALETTE[3]) > 300, "the red L1 diamond is drawn");
    assert.ok(countColour(image, PALETTE[0]) > 300, "the blue L2 circle is drawn");
    const bars = join(tempDir("reglab-png-"), "bars.png");
    savePlot(
      plotSparsity([
        {
          label: "a",
          weights: [{ layer: "h1", role: "hidden", l1Norm: 1, l2Norm: 1, nearZero: 0.5, count: 10, sample: [] }],
        },
      ]),
      bars,
    );
    const barImage = decodePng(readFileSync(bars));
    assert.deepEqual([barImage.width, barImage.height], [900, 420], "the figure's own height");
    assert.ok(countColour(barImage, PALETTE[0], 10) > 5000, "a solid blue bar");
  },
);

test(
  "figures drawn on one long-lived page: one browser for many figures, each picture byte-identical to a Chromium of its own",
  { skip: noChromium },
  () => {
    const history = { epoch: [0, 1, 2], loss: [1, 0.8, 0.7], val_loss: [1.1, 0.9, 0.85] };
    const curves = plotHistory([{ label: "none", history: history as unknown as History }], { metrics: ["loss"] });
    curves.layout.width = 700;
    curves.layout.height = 380;
    const figures = [plotL1L2Geometry(), staticFigure(curves), plotL1L2Geometry()];
    const onPage = figures.map((figure) => renderPng(figure));
    const browsers = spawnSync("pgrep", ["-P", String(process.pid), "-f", "remote-debugging-pipe"], {
      encoding: "utf8",
    });
    assert.equal(browsers.stdout.split("\n").filter(Boolean).length, 1, `one browser: ${browsers.stdout}`);
    process.env.REGLAB_PNG_PAGE = "0";
    try {
      figures.forEach((figure, i) => assert.ok(onPage[i].equals(renderPng(figure)), `figure ${i + 1}: same bytes`));
    } finally {
      delete process.env.REGLAB_PNG_PAGE;
    }
    assert.deepEqual(
      [decodePng(onPage[1]).width, decodePng(onPage[1]).height],
      [700, 380],
      "each figure at its own size on the same page",
    );
  },
);

test("savePlot(fig, 'x.html') is a standalone page with plotly.js and the figure; other names are refused", () => {
  const file = join(tempDir("reglab-html-"), "geometry.html");
  savePlot(plotL1L2Geometry(), file);
  const html = readFileSync(file, "utf8");
  assert.equal(html.match(/plotly\.js v3/g)?.length, 1, "plotly.js inlined once");
  assert.match(html, /Plotly\.newPlot\("figure"/);
  assert.match(html, /L1 最佳解 L1 optimum \(1\.00, 0\.00\)/);
  assert.throws(
    () => savePlot(plotL1L2Geometry(), "figure.svg"),
    /^Error: savePlot: figure\.svg: the file name must end in \.html or \.png$/,
  );
});

test("without Chromium, PNG is a clear error and show's bundle has no image/png", () => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = "/nonexistent/chromium";
  try {
    assert.throws(
      () => savePlot(plotL1L2Geometry(), join(tempDir(), "x.png")),
      /^Error: PNG rendering needs a headless Chromium: apt-get install chromium \(or set CHROMIUM_PATH\)$/,
    );
    const bundle = mimeBundle(plotL1L2Geometry());
    assert.deepEqual(Object.keys(bundle).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});

test(
  "the mime bundle: plotly JSON (4 digits), HTML that shows the PNG and upgrades to the live plot, text, a PNG",
  { skip: noChromium },
  () => {
    const figure = plotL1L2Geometry();
    const first = mimeBundle(figure, { png: true });
    const live = first["application/vnd.plotly.v1+json"] as { layout: Record<string, unknown> };
    assert.deepEqual(live, compactFigure(fittedFigure(figure)));
    assert.equal(live.layout.width, undefined, "the live figure takes its output area's width");
    assert.equal(live.layout.autosize, true);
    const html = first["text/html"] as string;
    assert.doesNotMatch(html, /plotly\.js v3/, "no output carries plotly.js itself");
    assert.equal(decodePng(Buffer.from(first["image/png"] as string, "base64")).width, 640);
    assert.ok(
      html.includes(`<img src="data:image/png;base64,${first["image/png"]}"`),
      "the HTML shows the PNG on its own",
    );
    const rest = html.length - (first["image/png"] as string).length - JSON.stringify(live).length;
    assert.ok(rest < 4_000, `the HTML holds ${rest} characters beside the picture and the figure's data`);
    const later = mimeBundle(figure, { png: false });
    assert.match(
      later["text/html"] as string,
      /if\(window\.Plotly\)draw\(\);else window\.addEventListener\("reglab-plotly-ready",draw/,
    );
    for (const bundle of [first, later]) {
      assert.ok((bundle["text/html"] as string).includes(plotlyLoaderScript()), "every figure can load plotly.js");
    }
    assert.match(
      later["text/html"] as string,
      /互動圖需要 plotly\.js/,
      "no PNG: a box says what is missing, never a blank",
    );
    assert.equal(later["text/plain"], '<Figure: 6 traces, "L1 與 L2 的幾何 L1 vs. L2 geometry">');
    assert.throws(() => show(figure), /^Error: show\(\) needs a running tslab kernel/);
  },
);

test(
  "static copies fit an output area and carry no dead buttons; live ones take the area's width",
  { skip: noChromium },
  () => {
    const history = {
      epoch: [0, 1, 2],
      loss: [1, 0.8, 0.7],
      cost: [1.2, 1, 0.9],
      val_loss: [1.1, 0.9, 0.85],
      val_cost: [1.3, 1.1, 1],
    };
    const wide = plotHistory([{ label: "none", history: history as unknown as History }], {
      metrics: ["cost", "loss"],
    });
    wide.layout.width = 1320;
    assert.ok(Array.isArray(wide.layout.updatemenus), "the live figure switches metrics with buttons");
    const still = staticFigure(wide);
    assert.equal(still.layout.updatemenus, undefined, "a picture has no buttons to press");
    assert.equal(still.layout.width, MAX_STATIC_WIDTH);
    const bundle = mimeBundle(wide, { png: true });
    assert.equal(decodePng(Buffer.from(bundle["image/png"] as string, "base64")).width, MAX_STATIC_WIDTH);
    assert.match(bundle["text/html"] as string, /class="reglab-figure" style="max-width:1320px"/);
    assert.match(
      bundle["text/html"] as string,
      /<img src="data:image\/png;base64,[^"]+" alt="[^"]*" style="width:100%;height:auto">/,
    );
    const live = bundle["application/vnd.plotly.v1+json"] as { layout: Record<string, unknown> };
    assert.deepEqual(
      [live.layout.width, live.layout.autosize, Array.isArray(live.layout.updatemenus)],
      [undefined, true, true],
    );
  },
);
