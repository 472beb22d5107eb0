/**
 * Sliding rain sums over several windows of real elapsed time (domain.md §3: 10 min … 72 h).
 *
 * One sorted buffer of readings per gauge, shared by all windows; each window keeps the index of its
 * oldest reading and a running sum. A reading adds to every window it falls in and pushes each
 * window's start forward past what expired: O(windows) amortised per reading, however the gauge
 * reports (a late reading also shifts the newer ones it precedes). Window ending at `end` covers
 * (end − W, end]. 12 bytes per reading held: 72 h of 5-min reports is 10 KB per gauge.
 *
 * A reading's `intervalMm` is the rain of the period since the gauge's previous reading (at most
 * `periodMaxMs`; the first reading is a point). The rain is taken as even over that period, so a
 * window that starts inside a reading's period holds only its share: a daily point of 100 mm puts
 * 4.2 mm in the 1 h window, not 100 (sparse series, issue 3). Readings at the gauge's own cadence
 * never straddle a window start that falls on a reading, so their sums stay exact: millimetres are
 * kept as integer thousandths so that running sums never drift across a threshold (35 mm must
 * compare equal to 35 mm).
 */

export type RainAddOutcome = 'added' | 'replaced' | 'duplicate' | 'stale' | 'invalid'

/** Thousandths of a millimetre per millimetre: the integer unit of every running sum. */
export const MILLI_PER_MM = 1000
/** A reading's amount must fit an Int32 of thousandths; a real one is far below. */
const MAX_MM = 2_000_000

export class RainWindows {
  readonly windowsMs: readonly number[]
  private readonly horizonMs: number
  private readonly periodMaxMs: number
  private ts: Float64Array
  private milli: Int32Array
  /**
   * Index of the oldest reading held: one before the oldest inside any window, so that every
   * reading inside has its predecessor, where its period begins.
   */
  private head = 0
  private tail = 0
  private readonly first: Int32Array
  private readonly sumsMilli: Float64Array
  private endMs = Number.NEGATIVE_INFINITY
  private newestReadingMs = Number.NEGATIVE_INFINITY
  /** The gauge's first reading is a point: nothing says how long its rain took. */
  private firstReadingMs = Number.POSITIVE_INFINITY
  private lastDelta = 0
  private lastFrom = Number.NaN

  /** `periodMaxMs`: a longer gap before a reading is missing data, not a longer rain period. */
  constructor(windowsMs: readonly number[], periodMaxMs = 24 * 3_600_000, initialCapacity = 16) {
    if (windowsMs.length === 0 || windowsMs.some((w) => !(w > 0))) throw new Error('rain windows need positive lengths')
    if (!(periodMaxMs >= 0)) throw new Error('the longest reading period must not be negative')
    this.windowsMs = Object.freeze([...windowsMs])
    this.horizonMs = Math.max(...windowsMs)
    this.periodMaxMs = periodMaxMs
    this.ts = new Float64Array(initialCapacity)
    this.milli = new Int32Array(initialCapacity)
    this.first = new Int32Array(windowsMs.length)
    this.sumsMilli = new Float64Array(windowsMs.length)
  }

  /** The newest reading time seen (or the latest `advanceTo`), epoch ms. */
  get endAtMs(): number {
    return this.endMs
  }

  /** Readings currently held (those inside the longest window). */
  get size(): number {
    let oldest = this.tail
    for (let w = 0; w < this.first.length; w++) oldest = Math.min(oldest, this.first[w] as number)
    return this.tail - oldest
  }

  /** Change of the total rain made by the last `added`/`replaced`, in thousandths of a mm. */
  get lastDeltaMilli(): number {
    return this.lastDelta
  }

  /** Start of the period of the last `added`/`replaced` reading, epoch ms. */
  get lastFromMs(): number {
    return this.lastFrom
  }

  sumMm(window: number): number {
    let milli = this.sumsMilli[window] ?? 0
    const i = this.first[window] as number
    if (i < this.tail) {
      // Only the oldest reading inside can straddle the window start: drop its share before it.
      const startMs = this.endMs - (this.windowsMs[window] as number)
      const fromMs = this.fromOf(i)
      if (fromMs < startMs) {
        const tsMs = this.ts[i] as number
        milli -= ((this.milli[i] as number) * (startMs - fromMs)) / (tsMs - fromMs)
      }
    }
    return milli / MILLI_PER_MM
  }

  /**
   * Add one report. A repeated timestamp is the same reading redelivered: identical → `duplicate`,
   * different amount → `replaced` (the later delivery wins, as in the readings store). Readings
   * older than the longest window are `stale`; negative or non-finite amounts are `invalid`.
   */
  add(tsMs: number, intervalMm: number): RainAddOutcome {
    if (!Number.isFinite(tsMs) || !Number.isFinite(intervalMm) || intervalMm < 0 || intervalMm > MAX_MM) return 'invalid'
    const milli = Math.round(intervalMm * MILLI_PER_MM)
    if (tsMs > this.newestReadingMs && tsMs > this.endMs) {
      const fromMs = this.newestReadingMs === Number.NEGATIVE_INFINITY ? tsMs : Math.max(this.newestReadingMs, tsMs - this.periodMaxMs)
      if (tsMs < this.firstReadingMs) this.firstReadingMs = tsMs
      this.append(tsMs, milli)
      return this.done(milli, fromMs, 'added')
    }
    if (tsMs <= this.endMs - this.horizonMs) return 'stale'
    let p = this.tail - 1
    while (p >= this.head && (this.ts[p] as number) > tsMs) p--
    if (p >= this.head && this.ts[p] === tsMs) {
      const delta = milli - (this.milli[p] as number)
      if (delta === 0) return 'duplicate'
      this.milli[p] = milli
      for (let w = 0; w < this.first.length; w++) if (p >= (this.first[w] as number)) this.sumsMilli[w] = (this.sumsMilli[w] as number) + delta
      return this.done(delta, this.fromOf(p), 'replaced')
    }
    if (tsMs < this.firstReadingMs) this.firstReadingMs = tsMs
    const pos = this.insertAt(p + 1, tsMs, milli)
    if (tsMs > this.newestReadingMs) this.newestReadingMs = tsMs
    return this.done(milli, this.fromOf(pos), 'added')
  }

  /** Move the windows' end forward without a reading (e.g. to read the sums at `nowMs`). */
  advanceTo(nowMs: number): void {
    if (nowMs <= this.endMs) return
    this.endMs = nowMs
    this.expire()
  }

  private done(deltaMilli: number, fromMs: number, outcome: 'added' | 'replaced'): RainAddOutcome {
    this.lastDelta = deltaMilli
    this.lastFrom = fromMs
    return outcome
  }

  /** Where reading `i`'s period begins: its predecessor's time, at most `periodMaxMs` before it. */
  private fromOf(i: number): number {
    const tsMs = this.ts[i] as number
    if (tsMs === this.firstReadingMs || i === 0) return tsMs
    return Math.max(this.ts[i - 1] as number, tsMs - this.periodMaxMs)
  }

  private append(tsMs: number, milli: number): void {
    this.ensureRoom()
    this.ts[this.tail] = tsMs
    this.milli[this.tail] = milli
    this.tail++
    for (let w = 0; w < this.sumsMilli.length; w++) this.sumsMilli[w] = (this.sumsMilli[w] as number) + milli
    this.endMs = tsMs
    this.newestReadingMs = tsMs
    this.expire()
  }

  /** A late reading inside the longest window: shift the newer ones up by one. Returns its index. */
  private insertAt(pos: number, tsMs: number, milli: number): number {
    const before = this.head
    this.ensureRoom()
    pos -= before - this.head
    this.ts.copyWithin(pos + 1, pos, this.tail)
    this.milli.copyWithin(pos + 1, pos, this.tail)
    this.ts[pos] = tsMs
    this.milli[pos] = milli
    this.tail++
    for (let w = 0; w < this.first.length; w++) {
      if (tsMs > this.endMs - (this.windowsMs[w] as number)) this.sumsMilli[w] = (this.sumsMilli[w] as number) + milli
      else this.first[w] = (this.first[w] as number) + 1
    }
    return pos
  }

  private expire(): void {
    let oldest = this.tail
    for (let w = 0; w < this.first.length; w++) {
      const startMs = this.endMs - (this.windowsMs[w] as number)
      let f = this.first[w] as number
      let sum = this.sumsMilli[w] as number
      while (f < this.tail && (this.ts[f] as number) <= startMs) sum -= this.milli[f++] as number
      this.first[w] = f
      this.sumsMilli[w] = sum
      if (f < oldest) oldest = f
    }
    this.head = oldest > 0 ? oldest - 1 : 0
  }

  /** Room for one more at the tail: compact if a quarter or more is expired, else grow. */
  private ensureRoom(): void {
    if (this.tail < this.ts.length) return
    if (this.head >= this.ts.length >> 2 && this.head > 0) {
      const shift = this.head
      this.ts.copyWithin(0, shift, this.tail)
      this.milli.copyWithin(0, shift, this.tail)
      this.tail -= shift
      this.head = 0
      for (let w = 0; w < this.first.length; w++) this.first[w] = (this.first[w] as number) - shift
      return
    }
    const ts = new Float64Array(this.ts.length * 2)
    const milli = new Int32Array(this.milli.length * 2)
    ts.set(this.ts.subarray(0, this.tail))
    milli.set(this.milli.subarray(0, this.tail))
    this.ts = ts
    this.milli = milli
  }
}
