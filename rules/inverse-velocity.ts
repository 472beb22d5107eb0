import { AT, STRIDE, V, type VelocityHistory } from './velocity-history.js'

/**
 * The inverse-velocity forecast of failure time (Fukuzono 1985, domain.md §3): in the accelerating
 * stage before failure 1/v falls about linearly with time; a least-squares line of 1/v against t
 * after the onset of acceleration meets zero at the forecast failure time t_f. It is a forecast aid,
 * shown with its fit quality (R², points, span); it tends to be late.
 *
 * Onset of acceleration: the last sample at or below `onsetRatio` × the reference velocity; only
 * the samples after it are fitted. The reference is the channel's constant-velocity rate v_eq when
 * known (tangent-angle.ts), else the slowest velocity of the window. The default ratio tan 50° ≈ 1.19
 * is where the tangent angle leaves its steady-creep band (our choice).
 */

const DAY_MS = 86_400_000

export interface ForecastSettings {
  onsetRatio: number
  /** Fewer fitted points than this: no forecast (our choice, configurable). */
  minPoints: number
  /** A poorer straight line than this: no forecast (our choice, configurable). */
  minR2: number
  /**
   * The fitted points must cover at least this, and at least the newest velocity's own fit span:
   * smoothed velocities closer together share samples, and their trend is mostly noise.
   */
  minSpanMs: number
}

export type ForecastVerdict = 'forecast' | 'too-few-points' | 'short-span' | 'no-acceleration' | 'poor-fit'

export interface FailureForecast {
  verdict: ForecastVerdict
  /** Forecast failure time, epoch ms (NaN unless `verdict` is `forecast`). */
  tfMs: number
  /** Coefficient of determination of the 1/v line. */
  r2: number
  points: number
  spanMs: number
  /** Time of the first fitted point, epoch ms. */
  onsetMs: number
}

export interface VelocitySample {
  /** The time the velocity belongs to (the centre of its fit), epoch ms. */
  readonly tMs: number
  readonly vMmPerDay: number
  /** The span of the fit that gave it, ms (0 or absent: unknown). */
  readonly fitSpanMs?: number
}

export const DEFAULT_FORECAST_SETTINGS: Readonly<ForecastSettings> = Object.freeze({
  onsetRatio: Math.tan((50 * Math.PI) / 180),
  minPoints: 6,
  minR2: 0.8,
  minSpanMs: 3 * 3_600_000
})

export function newFailureForecast(): FailureForecast {
  return { verdict: 'too-few-points', tfMs: Number.NaN, r2: Number.NaN, points: 0, spanMs: 0, onsetMs: Number.NaN }
}

/**
 * Forecast from velocity samples (time order; `tMs` the time each velocity belongs to, `vMmPerDay`
 * smoothed). `referenceMmPerDay` is v_eq when known. For replay and anyone outside the engine.
 */
export function forecastFailure(
  samples: readonly VelocitySample[],
  referenceMmPerDay = Number.NaN,
  settings: Readonly<ForecastSettings> = DEFAULT_FORECAST_SETTINGS
): FailureForecast {
  const n = samples.length
  const data = new Float64Array(n * STRIDE)
  samples.forEach((s, i) => {
    data[i * STRIDE + AT] = s.tMs
    data[i * STRIDE + V] = s.vMmPerDay
  })
  const out = newFailureForecast()
  fitInverseVelocity(data, 0, n, samples.at(-1)?.fitSpanMs ?? 0, referenceMmPerDay, settings, out)
  return out
}

/** The same on a channel's velocity ring (allocation-free). */
export function forecastFromHistory(h: VelocityHistory, referenceMmPerDay: number, settings: Readonly<ForecastSettings>, out: FailureForecast): void {
  const newestFitSpanMs = h.count === 0 ? 0 : h.fitSpanMs(h.count - 1)
  fitInverseVelocity(h.data, h.count === 0 ? 0 : h.offset(0) / STRIDE, h.count, newestFitSpanMs, referenceMmPerDay, settings, out)
}

/** Entries `start`, `start + 1` … of a velocity-history layout (`count` of them, wrapping), oldest first. */
function fitInverseVelocity(
  data: Float64Array,
  start: number,
  count: number,
  newestFitSpanMs: number,
  referenceMmPerDay: number,
  s: Readonly<ForecastSettings>,
  out: FailureForecast
): void {
  const cap = data.length / STRIDE
  const tAt = (i: number): number => data[((start + i) % cap) * STRIDE + AT] as number
  const vAt = (i: number): number => data[((start + i) % cap) * STRIDE + V] as number
  out.tfMs = Number.NaN
  out.r2 = Number.NaN
  out.points = 0
  out.spanMs = 0
  out.onsetMs = Number.NaN
  if (count === 0) {
    out.verdict = 'too-few-points'
    return
  }
  let ref = referenceMmPerDay
  if (!(ref > 0)) {
    ref = Number.POSITIVE_INFINITY
    for (let i = 0; i < count; i++) {
      const x = Math.abs(vAt(i))
      if (x > 0 && x < ref) ref = x
    }
  }
  const onsetMmPerDay = s.onsetRatio * ref
  let first = 0
  for (let i = count - 1; i >= 0; i--) {
    const x = Math.abs(vAt(i))
    if (!(x > onsetMmPerDay)) {
      first = i + 1
      break
    }
  }
  const m = count - first
  out.points = m
  if (m === 0) {
    out.verdict = 'no-acceleration'
    return
  }
  const newest = tAt(count - 1)
  out.onsetMs = tAt(first)
  out.spanMs = newest - out.onsetMs
  if (m < s.minPoints || m < 3) {
    out.verdict = 'too-few-points'
    return
  }
  if (out.spanMs < s.minSpanMs || out.spanMs < newestFitSpanMs) {
    out.verdict = 'short-span'
    return
  }
  // Days since the newest point and days per mm keep the numbers small.
  let sumX = 0
  let sumY = 0
  for (let i = first; i < count; i++) {
    sumX += (tAt(i) - newest) / DAY_MS
    sumY += 1 / Math.abs(vAt(i))
  }
  const meanX = sumX / m
  const meanY = sumY / m
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = first; i < count; i++) {
    const dx = (tAt(i) - newest) / DAY_MS - meanX
    const dy = 1 / Math.abs(vAt(i)) - meanY
    sxx += dx * dx
    sxy += dx * dy
    syy += dy * dy
  }
  const slope = sxy / sxx
  out.r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1
  if (!(slope < 0)) {
    out.verdict = 'no-acceleration'
    return
  }
  if (out.r2 < s.minR2) {
    out.verdict = 'poor-fit'
    return
  }
  // 1/v = meanY + slope·(x − meanX) meets zero at x = meanX − meanY/slope (days after the newest point).
  const tfMs = newest + (meanX - meanY / slope) * DAY_MS
  // A line that meets zero before its own newest point (where 1/v > 0) does not describe the data.
  if (!(tfMs > newest)) {
    out.verdict = 'poor-fit'
    return
  }
  out.tfMs = tfMs
  out.verdict = 'forecast'
}
