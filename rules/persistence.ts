import { ALERT_LEVELS } from '../domain/index.js'

/**
 * k-of-n persistence (domain.md §3: default 3 of the last 5 evaluations): an indicator counts at a
 * level only when at least k of its last n ratings reached it. One spike never raises a site.
 * Keeps, per level, how many of the last n ratings were at or above it: O(levels) per rating.
 */
export class LevelHistory {
  private readonly ring: Uint8Array
  private pos = 0
  private filled = 0
  /** Index = level rank; atOrAbove[r] = ratings in the window with rank ≥ r. */
  private readonly atOrAbove = new Uint8Array(ALERT_LEVELS.length + 1)

  constructor(
    readonly k: number,
    readonly n: number
  ) {
    if (!(k >= 1 && n >= k && n <= 255)) throw new Error(`persistence needs 1 ≤ k ≤ n ≤ 255, got ${k} of ${n}`)
    this.ring = new Uint8Array(n)
  }

  push(rank: number): void {
    if (this.filled === this.n) {
      const evicted = this.ring[this.pos] as number
      for (let r = 1; r <= evicted; r++) this.atOrAbove[r] = (this.atOrAbove[r] as number) - 1
    } else {
      this.filled++
    }
    this.ring[this.pos] = rank
    this.pos = (this.pos + 1) % this.n
    for (let r = 1; r <= rank; r++) this.atOrAbove[r] = (this.atOrAbove[r] as number) + 1
  }

  /** Forget every rating (a suspended channel starts its count again when it comes back). */
  reset(): void {
    this.ring.fill(0)
    this.atOrAbove.fill(0)
    this.pos = 0
    this.filled = 0
  }

  /** The highest level reached by at least k of the last n ratings; 0 when none. */
  persistentRank(): number {
    for (let r = this.atOrAbove.length - 1; r >= 1; r--) if ((this.atOrAbove[r] as number) >= this.k) return r
    return 0
  }

  get evaluations(): number {
    return this.filled
  }
}
