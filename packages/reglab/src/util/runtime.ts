/** Which JavaScript runtime runs this code: Node (tslab's kernel, scripts, tests) or Deno (`deno jupyter`). */

/** True under Deno, which runs reglab's CommonJS build through its Node compatibility layer. */
export function runsOnDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === "object";
}
