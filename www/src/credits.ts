import type { Credits } from "sendgate";

// The credit balance rule both panels share (contact check and audience check).

/** A balance field read: no limit, a balance, or why the text is not one. */
export type BalanceInput = { credits: Credits | undefined } | { error: string };

/**
 * Empty means no limit; otherwise a finite number ≥ 0. `badInput` is a number field's own
 * verdict on text it could not parse (its value is then "", which must not read as "no limit").
 */
export function parseBalance(raw: string, badInput = false): BalanceInput {
  const text = raw.trim();
  if (badInput) return { error: "Credit balance must be a number of credits (or empty for no limit)." };
  if (text === "") return { credits: undefined };
  const balance = Number(text);
  if (!Number.isFinite(balance)) return { error: `Credit balance “${text}” is not a number of credits (leave it empty for no limit).` };
  if (balance < 0) return { error: `Credit balance cannot be negative (got ${text}); leave it empty for no limit.` };
  return { credits: { balance } };
}

export function readBalance(input: HTMLInputElement): BalanceInput {
  return parseBalance(input.value, input.validity.badInput);
}
