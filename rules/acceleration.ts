import type { VelocityHistory } from './velocity-history.js'

/**
 * Acceleration a = d|v|/dt in mm/day², the least-squares slope of the smoothed velocity against
 * real time (domain.md §3: a ≥ 0.9 mm/d² sustained → yellow, Energies 2021, 14(4):1091). It uses
 * the velocity history (one value per bucket) of the trailing `spanMs`, or the last `minSamples`
 * within `lookbackMs` when the span holds fewer (daily data), and only once they cover `minSpanMs`.
 * Velocities fitted over overlapping windows are correlated, so the standard error counts one
 * independent value per velocity-fit span, not one per bucket.
 */

const DAY_MS = 86_400_000

export interface AccelerationSettings {
  spanMs: number
  minSamples: number
  lookbackMs: number
  minSpanMs: number
}

export interface AccelerationFit {
  mmPerDay2: number
  /** Standard error of the slope, mm/day², with the effective count of independent velocities. */
  seMmPerDay2: number
  samples: number
}

export function newAccelerationFit(): AccelerationFit {
  return { mmPerDay2: Number.NaN, seMmPerDay2: Number.NaN, samples: 0 }
}

/** Fit the trailing velocities into `out`; false (and `out` NaN) when there are too few. */
export function fitAcceleration(h: VelocityHistory, s: AccelerationSettings, out: AccelerationFit): boolean {
  out.mmPerDay2 = Number.NaN
  out.seMmPerDay2 = Number.NaN
  out.samples = 0
  const inSpan = h.count - h.firstWithin(s.spanMs)
  const inLookback = h.count - h.firstWithin(s.lookbackMs)
  const m = inSpan >= s.minSamples ? inSpan : Math.min(s.minSamples, inLookback)
  if (m < s.minSamples || m < 3) return false
  const first = h.count - m
  const newest = h.newestAtMs
  const oldest = h.atMs(first)
  const spanMs = newest - oldest
  if (spanMs < s.minSpanMs) return false
  let sumT = 0
  let sumV = 0
  let sumFitSpanMs = 0
  for (let i = first; i < h.count; i++) {
    sumT += (h.atMs(i) - newest) / DAY_MS
    sumV += Math.abs(h.mmPerDay(i))
    sumFitSpanMs += h.fitSpanMs(i)
  }
  const meanT = sumT / m
  const meanV = sumV / m
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = first; i < h.count; i++) {
    const dt = (h.atMs(i) - newest) / DAY_MS - meanT
    const dv = Math.abs(h.mmPerDay(i)) - meanV
    sxx += dt * dt
    sxy += dt * dv
    syy += dv * dv
  }
  if (!(sxx > 0)) return false
  const slope = sxy / sxx
  // One independent velocity per fit span (at least 3, so the residuals leave a degree of freedom).
  const meanFitSpanMs = sumFitSpanMs / m
  const independent = Math.min(m, Math.max(3, meanFitSpanMs > 0 ? spanMs / meanFitSpanMs + 1 : m))
  const residualVar = Math.max(0, syy - slope * sxy) / (m - 2)
  out.mmPerDay2 = slope
  out.seMmPerDay2 = Math.sqrt((residualVar / sxx) * ((m - 2) / (independent - 2)))
  out.samples = m
  return true
}
