/**
 * Series math of the site charts, pure and in the browser. The rules service computes the same
 * quantities from raw readings with its own models (rules/displacement-series.ts, tangent-angle.ts,
 * inverse-velocity.ts, groundwater.ts); the dashboard may not import rules/ (design.md folder map),
 * so these are the chart's readings of the hourly aggregates: close to what the rules graded,
 * never the grade itself (that is the evidence table's).
 */

export type Point = [number, number]

const DAY_MS = 86_400_000
const RAD_TO_DEG = 180 / Math.PI

/**
 * Rolling sums over `windowMs` of bucketed sums (bucket starts, oldest first), one value per
 * bucket from the first to the last, at the bucket's END (the rain of the window just past).
 * Missing buckets count as no rain.
 */
export function rollingSums(buckets: readonly Point[], stepMs: number, windowMs: number): Point[] {
  if (buckets.length === 0) return []
  const byStart = new Map(buckets.map(([t, v]) => [t, v]))
  const first = buckets[0]?.[0] ?? 0
  const last = buckets[buckets.length - 1]?.[0] ?? first
  const n = Math.max(1, Math.round(windowMs / stepMs))
  const values: number[] = []
  const out: Point[] = []
  let sum = 0
  for (let t = first, i = 0; t <= last; t += stepMs, i++) {
    const v = byStart.get(t) ?? 0
    values.push(v)
    sum += v
    if (i >= n) sum -= values[i - n] ?? 0
    out.push([t + stepMs, round(sum, 1)])
  }
  return out
}

/** Sums of fine buckets into coarser ones (e.g. 10-min rain into hourly bars), oldest first. */
export function rebucketSums(points: readonly Point[], everyMs: number): Point[] {
  const sums = new Map<number, number>()
  for (const [t, v] of points) {
    const start = Math.floor(t / everyMs) * everyMs
    sums.set(start, (sums.get(start) ?? 0) + v)
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => [t, round(v, 1)])
}

/**
 * Velocity in mm/day at each point: the least-squares slope of the points within the trailing
 * `spanMs` (at least `minSamples` of them, else the last `minSamples`), as the rules' trailing
 * regression (rules/displacement-series.ts) does on raw samples. Points without enough history
 * get no velocity. Signed: the charts show the direction, the rules grade |v|.
 */
export function trailingVelocity(points: readonly Point[], spanMs: number, minSamples: number): Point[] {
  const out: Point[] = []
  const need = Math.max(2, minSamples)
  for (let i = 0; i < points.length; i++) {
    const tNow = points[i]?.[0] ?? 0
    let start = i
    while (start > 0 && tNow - (points[start - 1]?.[0] ?? 0) <= spanMs) start--
    if (i - start + 1 < need) start = i - need + 1
    if (start < 0) continue
    const slope = slopePerMs(points, start, i + 1)
    if (Number.isFinite(slope)) out.push([tNow, slope * DAY_MS])
  }
  return out
}

/** Mean of the values within the trailing `spanMs` of each point (the rules' smoothed v_i). */
export function trailingMean(points: readonly Point[], spanMs: number): Point[] {
  return points.map(([t], i) => {
    let sum = 0
    let n = 0
    for (let j = i; j >= 0 && t - (points[j]?.[0] ?? 0) < spanMs + 1; j--) {
      sum += points[j]?.[1] ?? 0
      n++
    }
    return [t, sum / n]
  })
}

/**
 * v_eq at each point: `configured` when the site fixes it, else the median |v| of the trailing
 * `historyMs` once those velocities span `minSpanMs` (rules/tangent-angle.ts); NaN before that.
 */
export function referenceVelocity(velocities: readonly Point[], historyMs: number, minSpanMs: number, configured?: number): Point[] {
  return velocities.map(([t], i) => {
    if (configured !== undefined && configured > 0) return [t, configured]
    const window: number[] = []
    let oldest = t
    for (let j = i; j >= 0 && t - (velocities[j]?.[0] ?? 0) <= historyMs; j--) {
      window.push(Math.abs(velocities[j]?.[1] ?? 0))
      oldest = velocities[j]?.[0] ?? oldest
    }
    return [t, t - oldest >= minSpanMs && window.length >= 3 ? median(window) : Number.NaN]
  })
}

/**
 * α over a velocity series as rules/tangent-angle.ts rates it: the velocities are smoothed over
 * `smoothMs`, v_eq is the median of the SMOOTHED history (or the site's configured value), and α
 * compares the smoothed velocity with it.
 */
export function tangentAngleSeries(
  velocities: readonly Point[],
  opts: { smoothMs: number; historyMs: number; referenceMinSpanMs: number; minReferenceMmPerDay: number; configuredVeq?: number | undefined }
): Point[] {
  const smoothed = trailingMean(velocities, opts.smoothMs)
  const veq = referenceVelocity(smoothed, opts.historyMs, opts.referenceMinSpanMs, opts.configuredVeq)
  return tangentAngles(smoothed, veq, opts.minReferenceMmPerDay)
}

/** The improved tangent angle α = arctan(v / v_eq) in degrees (Xu et al. 2009); NaN without v_eq. */
export function tangentAngleDeg(vMmPerDay: number, veqMmPerDay: number): number {
  if (!(veqMmPerDay > 0) || !Number.isFinite(vMmPerDay)) return Number.NaN
  return Math.atan(Math.abs(vMmPerDay) / veqMmPerDay) * RAD_TO_DEG
}

/** α per point from smoothed velocities and v_eq at the same times (points without v_eq left out). */
export function tangentAngles(smoothed: readonly Point[], veq: readonly Point[], minVeqMmPerDay: number): Point[] {
  const veqAt = new Map(veq.map(([t, v]) => [t, v]))
  const out: Point[] = []
  for (const [t, v] of smoothed) {
    const ref = veqAt.get(t) ?? Number.NaN
    if (!(ref >= minVeqMmPerDay)) continue
    out.push([t, round(tangentAngleDeg(v, ref), 1)])
  }
  return out
}

/**
 * Rise per day of a level (groundwater m, pore pressure kPa): (x_now − x_ref)/Δt with x_ref the
 * newest point at least `spanMs` old, or the oldest once `minSpanMs` is covered (rules/groundwater.ts).
 */
export function risePerDay(points: readonly Point[], spanMs: number, minSpanMs: number): Point[] {
  const out: Point[] = []
  for (let i = 0; i < points.length; i++) {
    const [t, x] = points[i] ?? [0, 0]
    let ref: Point | undefined
    for (let j = i - 1; j >= 0; j--) {
      const p = points[j]
      if (p === undefined) break
      ref = p
      if (t - p[0] >= spanMs) break
    }
    if (ref === undefined || t - ref[0] < minSpanMs) continue
    out.push([t, (x - ref[1]) / ((t - ref[0]) / DAY_MS)])
  }
  return out
}

/** 1/v in day/mm for velocities above zero (a still slope has no finite 1/v). */
export function inverseVelocity(velocities: readonly Point[]): Point[] {
  return velocities.filter(([, v]) => Math.abs(v) > 0).map(([t, v]) => [t, 1 / Math.abs(v)])
}

/**
 * The straight line of 1/v that meets zero at the rules' forecast failure time `tfMs`
 * (Fukuzono 1985): y = b·(tf − t), b by least squares over the points from `onsetMs` on. The
 * evidence carries t_f, R², points and span but not the line, so the chart fits the line through
 * the rules' own root; returns its two ends (onset and t_f), or [] when no point is fitted.
 */
export function lineThroughRoot(inverse: readonly Point[], onsetMs: number, tfMs: number): Point[] {
  let sxy = 0
  let sxx = 0
  for (const [t, y] of inverse) {
    if (t < onsetMs || t > tfMs) continue
    const x = (tfMs - t) / DAY_MS
    sxy += x * y
    sxx += x * x
  }
  if (!(sxx > 0)) return []
  const b = sxy / sxx
  return [
    [onsetMs, (b * (tfMs - onsetMs)) / DAY_MS],
    [tfMs, 0]
  ]
}

/**
 * An axis top that shows the data and the first threshold above it (the level the officer watches
 * for next), with a little headroom; higher thresholds stay in the option, off the visible scale.
 */
export function axisTop(dataMax: number, thresholds: readonly number[]): number {
  const top = Number.isFinite(dataMax) ? dataMax : 0
  const next = [...thresholds].sort((a, b) => a - b).find((v) => v >= top)
  const shown = next ?? top
  return shown > 0 ? niceCeil(shown * 1.1) : 1
}

export function maxOf(points: readonly Point[]): number {
  let m = Number.NEGATIVE_INFINITY
  for (const [, v] of points) if (Number.isFinite(v) && v > m) m = v
  return m
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

function niceCeil(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v))
  const steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]
  const step = steps.find((s) => s * magnitude >= v - 1e-9) ?? 10
  return round(step * magnitude, 6)
}

function slopePerMs(points: readonly Point[], from: number, to: number): number {
  const n = to - from
  if (n < 2) return Number.NaN
  const t0 = points[from]?.[0] ?? 0
  let sx = 0
  let sy = 0
  for (let i = from; i < to; i++) {
    sx += (points[i]?.[0] ?? 0) - t0
    sy += points[i]?.[1] ?? 0
  }
  const mx = sx / n
  const my = sy / n
  let sxx = 0
  let sxy = 0
  for (let i = from; i < to; i++) {
    const dx = (points[i]?.[0] ?? 0) - t0 - mx
    sxx += dx * dx
    sxy += dx * ((points[i]?.[1] ?? 0) - my)
  }
  return sxx > 0 ? sxy / sxx : Number.NaN
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}
