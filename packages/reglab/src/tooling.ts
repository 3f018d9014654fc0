/**
 * `reglab/tooling`: the helpers the course tools (`reglab-course`: runner, grader, CLI) share with the
 * library, so that each exists once. For programs that drive notebooks, not for notebooks.
 */
export { writeFileAtomic } from "./util/files";
export { escapeHtml } from "./util/html";
export { findIn, findOnPath } from "./util/which";
export { findChromium, chromiumArgs } from "./util/chromium";
export { PLOTLY_MIME, plotlyJs, plotlyJsPath, scriptJson } from "./util/plotly";
export { findProjectRoot } from "./util/project";
export { ProgressLine, progressSink, textBar, type ProgressSink } from "./util/progress";
export { figureSize, plotArguments } from "./plot/render";
export { blankPage, DevTools, drawFigure, openFigurePage } from "./plot/figure-page";
