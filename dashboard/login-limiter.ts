/**
 * Login failures per key (IP + username) in a sliding window. Pure apart from the `now` it is
 * given; no timers: stale entries are dropped when touched and swept when the map grows.
 */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>()
  readonly #maxFailures: number
  readonly #windowMs: number
  readonly #now: () => number

  constructor(opts: { maxFailures: number; windowMs: number; now: () => number }) {
    this.#maxFailures = opts.maxFailures
    this.#windowMs = opts.windowMs
    this.#now = opts.now
  }

  /** Whether the key has used up its failures in the current window. */
  blocked(key: string): boolean {
    return this.#recent(key).length >= this.#maxFailures
  }

  fail(key: string): void {
    const recent = this.#recent(key)
    recent.push(this.#now())
    this.#failures.set(key, recent)
    // Bound the memory an attacker cycling usernames can take (our choice: sweep past 10 k keys).
    if (this.#failures.size > 10_000) this.#sweep()
  }

  succeed(key: string): void {
    this.#failures.delete(key)
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > since)
    if (recent.length === 0) this.#failures.delete(key)
    return recent
  }

  #sweep(): void {
    for (const key of [...this.#failures.keys()]) this.#recent(key)
  }
}
