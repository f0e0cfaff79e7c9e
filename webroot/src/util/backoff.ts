// Reconnection delays: exponential (1, 2, 4, 8 s …), capped at 10 s (a server back is found within
// 10 s), with ±20 % jitter so
// that clients cut off together do not all come back in the same instant.

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 10_000;
export const BACKOFF_JITTER = 0.2;

/** The delay before reconnection attempt number `attempt` (0 = the first retry), without jitter. */
export function backoffBase(attempt: number): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), 30);
  return Math.min(BACKOFF_BASE_MS * 2 ** exp, BACKOFF_CAP_MS);
}

/**
 * The delay with jitter: base × (1 ± 20 %), never above the cap. `random` returns [0, 1)
 * (Math.random by default; tests pass their own).
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = backoffBase(attempt);
  const factor = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.min(Math.round(base * factor), BACKOFF_CAP_MS);
}
