/**
 * Sliding rain sums over several windows of real elapsed time (domain.md §3: 10 min … 72 h).
 *
 * One sorted buffer of (ts, mm) per gauge, shared by all windows; each window keeps the index of its
 * oldest reading and a running sum. A reading adds to every window it falls in and pushes each
 * window's start forward past what expired: O(windows) amortised per reading, however the gauge
 * reports. Window ending at `end` covers (end − W, end]: a reading's `intervalMm` is the rain of
 * the period that ends at its timestamp. Millimetres are kept as integer micrometres so that
 * running sums never drift across a threshold (35 mm must compare equal to 35 mm).
 */

export type RainAddOutcome = 'added' | 'replaced' | 'duplicate' | 'stale' | 'invalid'

const MICRO_PER_MM = 1000

export class RainWindows {
  readonly windowsMs: readonly number[]
  private readonly horizonMs: number
  private ts: Float64Array
  private um: Float64Array
  private head = 0
  private tail = 0
  private readonly first: Int32Array
  private readonly sumsUm: Float64Array
  private endMs = Number.NEGATIVE_INFINITY

  constructor(windowsMs: readonly number[], initialCapacity = 16) {
    if (windowsMs.length === 0 || windowsMs.some((w) => !(w > 0))) throw new Error('rain windows need positive lengths')
    this.windowsMs = Object.freeze([...windowsMs])
    this.horizonMs = Math.max(...windowsMs)
    this.ts = new Float64Array(initialCapacity)
    this.um = new Float64Array(initialCapacity)
    this.first = new Int32Array(windowsMs.length)
    this.sumsUm = new Float64Array(windowsMs.length)
  }

  /** The newest reading time seen (or the latest `advanceTo`), epoch ms. */
  get endAtMs(): number {
    return this.endMs
  }

  /** Readings currently held (those inside the longest window). */
  get size(): number {
    return this.tail - this.head
  }

  sumMm(window: number): number {
    return (this.sumsUm[window] ?? 0) / MICRO_PER_MM
  }

  /**
   * Add one report. A repeated timestamp is the same reading redelivered: identical → `duplicate`,
   * different amount → `replaced` (the later delivery wins, as in the readings store). Readings
   * older than the longest window are `stale`; negative or non-finite amounts are `invalid`.
   */
  add(tsMs: number, intervalMm: number): RainAddOutcome {
    if (!Number.isFinite(tsMs) || !Number.isFinite(intervalMm) || intervalMm < 0) return 'invalid'
    const um = Math.round(intervalMm * MICRO_PER_MM)
    if (tsMs > this.endMs) {
      this.append(tsMs, um)
      return 'added'
    }
    if (tsMs <= this.endMs - this.horizonMs) return 'stale'
    let p = this.tail - 1
    while (p >= this.head && (this.ts[p] as number) > tsMs) p--
    if (p >= this.head && this.ts[p] === tsMs) {
      const delta = um - (this.um[p] as number)
      if (delta === 0) return 'duplicate'
      this.um[p] = um
      for (let w = 0; w < this.first.length; w++) if (p >= (this.first[w] as number)) this.sumsUm[w] = (this.sumsUm[w] as number) + delta
      return 'replaced'
    }
    this.insertAt(p + 1, tsMs, um)
    return 'added'
  }

  /** Move the windows' end forward without a reading (e.g. to read the sums at `nowMs`). */
  advanceTo(nowMs: number): void {
    if (nowMs <= this.endMs) return
    this.endMs = nowMs
    this.expire()
  }

  private append(tsMs: number, um: number): void {
    this.ensureRoom()
    this.ts[this.tail] = tsMs
    this.um[this.tail] = um
    this.tail++
    for (let w = 0; w < this.sumsUm.length; w++) this.sumsUm[w] = (this.sumsUm[w] as number) + um
    this.endMs = tsMs
    this.expire()
  }

  /** A late reading inside the longest window: shift the newer ones up by one. */
  private insertAt(pos: number, tsMs: number, um: number): void {
    const before = this.head
    this.ensureRoom()
    pos -= before - this.head
    this.ts.copyWithin(pos + 1, pos, this.tail)
    this.um.copyWithin(pos + 1, pos, this.tail)
    this.ts[pos] = tsMs
    this.um[pos] = um
    this.tail++
    for (let w = 0; w < this.first.length; w++) {
      if (tsMs > this.endMs - (this.windowsMs[w] as number)) this.sumsUm[w] = (this.sumsUm[w] as number) + um
      else this.first[w] = (this.first[w] as number) + 1
    }
  }

  private expire(): void {
    let oldest = this.tail
    for (let w = 0; w < this.first.length; w++) {
      const startMs = this.endMs - (this.windowsMs[w] as number)
      let f = this.first[w] as number
      let sum = this.sumsUm[w] as number
      while (f < this.tail && (this.ts[f] as number) <= startMs) sum -= this.um[f++] as number
      this.first[w] = f
      this.sumsUm[w] = sum
      if (f < oldest) oldest = f
    }
    this.head = oldest
  }

  /** Room for one more at the tail: compact if a quarter or more is expired, else grow. */
  private ensureRoom(): void {
    if (this.tail < this.ts.length) return
    if (this.head >= this.ts.length >> 2 && this.head > 0) {
      const shift = this.head
      this.ts.copyWithin(0, shift, this.tail)
      this.um.copyWithin(0, shift, this.tail)
      this.tail -= shift
      this.head = 0
      for (let w = 0; w < this.first.length; w++) this.first[w] = (this.first[w] as number) - shift
      return
    }
    const ts = new Float64Array(this.ts.length * 2)
    const um = new Float64Array(this.um.length * 2)
    ts.set(this.ts.subarray(0, this.tail))
    um.set(this.um.subarray(0, this.tail))
    this.ts = ts
    this.um = um
  }
}
