/**
 * Claims in the notebooks' prose, checked on the numbers just computed. Seeded runs make them
 * deterministic; if a change of code or data makes one false, the cell fails loudly instead of the
 * text quietly lying.
 */
export class ClaimError extends Error {
  override name = "ClaimError";
}

/** Prints "✓ statement — evidence" when `holds`, otherwise throws a ClaimError saying what failed. */
export function claim(statement: string, holds: boolean, evidence: string): void {
  if (!holds) throw new ClaimError(`the claim "${statement}" does not hold: ${evidence}`);
  console.log(`✓ ${statement} — ${evidence}`);
}
