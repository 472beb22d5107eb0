/** Capped exponential backoff: base·2^attempt, at most maxMs. Attempt 0 is the first retry. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  // 2^31 overflows nothing here, but stop doubling once past the cap.
  if (attempt >= 31) return maxMs
  return Math.min(maxMs, baseMs * 2 ** attempt)
}
