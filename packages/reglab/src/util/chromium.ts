/**
 * Finding and starting a headless Chromium (Debian's `chromium`): PNG copies of figures, and the
 * browser checks of pages. Its flags keep it quiet, off the network (no background connections, no
 * component updates) and in a fresh profile.
 */
import { existsSync } from "node:fs";
import { findOnPath } from "./which";

const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** CHROMIUM_PATH, else the first Chromium on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : undefined;
  return findOnPath(...CHROMIUM_NAMES);
}

/** Flags for a quiet, self-contained headless run, plus a fresh profile folder. */
export function chromiumArgs(profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    `--user-data-dir=${profile}`,
  ];
}
