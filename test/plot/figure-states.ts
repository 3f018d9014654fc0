/** Shared by the browser tests: what each reglab figure on a page shows. */
import type { Page } from "playwright-core";

export type FigureState = "live" | "image" | "blank";

/** Each `.reglab-figure` under `scope`: a live plot drawn by plotly.js, its loaded picture, or nothing. */
export async function figureStates(page: Page, scope = ""): Promise<FigureState[]> {
  return page.$$eval(`${scope} .reglab-figure`.trim(), (figures) =>
    figures.map((figure): FigureState => {
      if (figure.querySelector("svg.main-svg")) return "live";
      const img = figure.querySelector("img");
      return img && img.complete && img.naturalWidth > 0 ? "image" : "blank";
    }),
  );
}
