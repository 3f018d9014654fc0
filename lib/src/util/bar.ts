/** A text progress bar `[=====     ]` of `width` characters, for the terminal progress lines. */
export function textBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.max(0, Math.round((width * done) / total))) : 0;
  return `[${"=".repeat(filled)}${" ".repeat(width - filled)}]`;
}
