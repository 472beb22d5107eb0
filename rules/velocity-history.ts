import { medianInPlace } from './robust-line.js'

/**
 * A channel's smoothed velocity over days, one value per time bucket (the last fitted velocity in
 * that bucket), for the models that need more history than the sample ring holds: the
 * constant-velocity reference and the daily mean of the tangent angle (tangent-angle.ts), the
 * acceleration (acceleration.ts), and, with short buckets, the inverse-velocity points
 * (inverse-velocity.ts). Each entry keeps the time the velocity belongs to (the centre of its fit)
 * and the span of that fit, since velocities from overlapping fits are not independent.
 * Entries are interleaved in one array (one cache line per entry: thousands of channels touch
 * theirs on every reading). Preallocated: adding allocates nothing.
 */

/** Entry layout: bucket number, time (epoch ms), velocity (mm/day), fit span (ms). */
export const STRIDE = 4
export const AT = 1
export const V = 2
const BUCKET = 0
const SPAN = 3

/** Shared by every history: the engine is single-threaded and the median is taken synchronously. */
let scratch = new Float64Array(256)

export class VelocityHistory {
  readonly data: Float64Array
  readonly capacity: number
  private start = 0
  count = 0

  constructor(
    readonly bucketMs: number,
    capacity: number
  ) {
    this.capacity = capacity
    this.data = new Float64Array(capacity * STRIDE)
  }

  /** Offset in `data` of the i-th entry, oldest first. */
  offset(i: number): number {
    const s = this.start + i
    return (s < this.capacity ? s : s - this.capacity) * STRIDE
  }

  atMs(i: number): number {
    return this.data[this.offset(i) + AT] as number
  }

  mmPerDay(i: number): number {
    return this.data[this.offset(i) + V] as number
  }

  fitSpanMs(i: number): number {
    return this.data[this.offset(i) + SPAN] as number
  }

  get newestAtMs(): number {
    return this.count === 0 ? Number.NEGATIVE_INFINITY : this.atMs(this.count - 1)
  }

  /**
   * Record the velocity fitted at reading time `tsMs`. Returns true when it opened a new bucket,
   * false when it replaced the newest bucket's value or was older than it (ignored).
   */
  add(tsMs: number, atMs: number, mmPerDay: number, fitSpanMs: number): boolean {
    const bucket = Math.floor(tsMs / this.bucketMs)
    const d = this.data
    let o: number
    let opened = false
    const newest = this.count > 0 ? this.offset(this.count - 1) : -1
    if (newest >= 0 && bucket <= (d[newest + BUCKET] as number)) {
      if (bucket < (d[newest + BUCKET] as number)) return false
      o = newest
    } else {
      if (this.count === this.capacity) {
        this.start = this.start + 1 === this.capacity ? 0 : this.start + 1
        this.count--
      }
      o = this.offset(this.count)
      this.count++
      opened = true
    }
    d[o + BUCKET] = bucket
    d[o + AT] = atMs
    d[o + V] = mmPerDay
    d[o + SPAN] = fitSpanMs
    return opened
  }

  /** Index (oldest-first) of the first entry within `windowMs` of the newest; `count` if none. */
  firstWithin(windowMs: number): number {
    const newest = this.newestAtMs
    let i = this.count
    while (i > 0 && newest - this.atMs(i - 1) <= windowMs) i--
    return i
  }

  /** Mean |v| of the entries within `windowMs` of the newest; NaN if none. */
  meanWithin(windowMs: number): number {
    const first = this.firstWithin(windowMs)
    const n = this.count - first
    if (n === 0) return Number.NaN
    let sum = 0
    for (let i = first; i < this.count; i++) sum += Math.abs(this.mmPerDay(i))
    return sum / n
  }

  /** Median |v| of the entries within `windowMs` of the newest, if they span `minSpanMs`; NaN otherwise. */
  medianWithin(windowMs: number, minSpanMs: number, minEntries: number): number {
    const first = this.firstWithin(windowMs)
    const n = this.count - first
    if (n < minEntries || n === 0) return Number.NaN
    if (this.newestAtMs - this.atMs(first) < minSpanMs) return Number.NaN
    if (scratch.length < n) scratch = new Float64Array(n)
    for (let i = 0; i < n; i++) scratch[i] = Math.abs(this.mmPerDay(first + i))
    return medianInPlace(scratch, n)
  }
}
