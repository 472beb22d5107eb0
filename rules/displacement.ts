import type { Reading, SensorType } from '../domain/index.js'
import { newObservations, rankOf, type Channel, type Evaluator, type IndicatorSpec } from './evaluator.js'
import type { SiteRules } from './site-rules.js'

/**
 * Displacement velocity (domain.md §3): v = ΔU/Δt over real elapsed time, never per sample count,
 * smoothed by a trailing least-squares fit. U is the GNSS horizontal resultant √(dx² + dy²), the
 * crack opening, or the deep displacement along the slide. The fit uses the samples of the last
 * `spanMs`; when that holds fewer than `minSamples`, the last `minSamples` within `lookbackMs`.
 * Levels compare |v|: a crack that closes fast is moving too.
 */

const DAY_MS = 86_400_000

export const DISPLACEMENT_INDICATOR = 'displacement.velocity'
export const VELOCITY_UNIT = 'mm/d'

/** The displacement U of a reading in mm, or undefined if its fields lack it. */
export function displacementMm(type: SensorType, fields: Readonly<Record<string, number>>): number | undefined {
  switch (type) {
    case 'gnss': {
      const dx = fields.dxMm
      const dy = fields.dyMm
      return dx === undefined || dy === undefined ? undefined : Math.sqrt(dx * dx + dy * dy)
    }
    case 'crack':
      return fields.openingMm
    case 'deep_disp':
      return fields.dispXMm
    default:
      return undefined
  }
}

export type SeriesAddOutcome = 'added' | 'replaced' | 'duplicate' | 'stale' | 'invalid'

export interface RegressionSettings {
  spanMs: number
  minSamples: number
  maxSamples: number
  lookbackMs: number
}

/** A time-ordered ring of the last `maxSamples` samples of one channel. */
export class DisplacementSeries {
  private readonly ts: Float64Array
  private readonly mm: Float64Array
  private start = 0
  private count = 0

  constructor(private readonly settings: RegressionSettings) {
    this.ts = new Float64Array(settings.maxSamples)
    this.mm = new Float64Array(settings.maxSamples)
  }

  get size(): number {
    return this.count
  }

  private at(i: number): number {
    return (this.start + i) % this.ts.length
  }

  add(tsMs: number, mm: number): SeriesAddOutcome {
    if (!Number.isFinite(tsMs) || !Number.isFinite(mm)) return 'invalid'
    const cap = this.ts.length
    const newest = this.count === 0 ? Number.NEGATIVE_INFINITY : (this.ts[this.at(this.count - 1)] as number)
    if (tsMs <= newest - this.settings.lookbackMs) return 'stale'
    let p = this.count - 1
    while (p >= 0 && (this.ts[this.at(p)] as number) > tsMs) p--
    if (p >= 0 && this.ts[this.at(p)] === tsMs) {
      const j = this.at(p)
      if (this.mm[j] === mm) return 'duplicate'
      this.mm[j] = mm
      return 'replaced'
    }
    if (this.count === cap) {
      // Full: the oldest sample goes; a late sample older than all kept ones is of no use.
      if (p < 0) return 'stale'
      this.start = (this.start + 1) % cap
      this.count--
      p--
    }
    for (let i = this.count - 1; i > p; i--) {
      const from = this.at(i)
      const to = this.at(i + 1)
      this.ts[to] = this.ts[from] as number
      this.mm[to] = this.mm[from] as number
    }
    const j = this.at(p + 1)
    this.ts[j] = tsMs
    this.mm[j] = mm
    this.count++
    return 'added'
  }

  /** Smoothed velocity at the newest sample, mm/day; NaN while there are too few samples. */
  velocityMmPerDay(): number {
    const { spanMs, minSamples, lookbackMs } = this.settings
    if (this.count < minSamples) return Number.NaN
    const newest = this.ts[this.at(this.count - 1)] as number
    let inSpan = 0
    let inLookback = 0
    for (let i = this.count - 1; i >= 0; i--) {
      const age = newest - (this.ts[this.at(i)] as number)
      if (age > lookbackMs) break
      inLookback++
      if (age <= spanMs) inSpan++
    }
    const m = inSpan >= minSamples ? inSpan : Math.min(minSamples, inLookback)
    if (m < minSamples) return Number.NaN
    // Least squares on (days since newest, mm); centred sums keep the precision of epoch times.
    let sumT = 0
    let sumU = 0
    for (let i = this.count - m; i < this.count; i++) {
      sumT += ((this.ts[this.at(i)] as number) - newest) / DAY_MS
      sumU += this.mm[this.at(i)] as number
    }
    const meanT = sumT / m
    const meanU = sumU / m
    let sxx = 0
    let sxy = 0
    for (let i = this.count - m; i < this.count; i++) {
      const dt = ((this.ts[this.at(i)] as number) - newest) / DAY_MS - meanT
      sxx += dt * dt
      sxy += dt * ((this.mm[this.at(i)] as number) - meanU)
    }
    return sxx > 0 ? sxy / sxx : Number.NaN
  }
}

function createDisplacementChannel(rules: SiteRules, type: SensorType): Channel {
  const series = new DisplacementSeries(rules.regression)
  const indicators: IndicatorSpec[] = [
    { id: DISPLACEMENT_INDICATOR, family: 'displacement', unit: VELOCITY_UNIT, thresholds: rules.velocityMmPerDay }
  ]
  const observations = newObservations(1)
  const o = observations[0] as (typeof observations)[0]
  return {
    indicators,
    observations,
    update(reading: Reading) {
      const u = displacementMm(type, reading.fields)
      if (u === undefined) return 'insufficient'
      const outcome = series.add(reading.ts, u)
      if (outcome !== 'added' && outcome !== 'replaced') return outcome
      const v = series.velocityMmPerDay()
      if (Number.isNaN(v)) return 'insufficient'
      o.value = Math.abs(v)
      o.rank = rankOf(o.value, rules.velocityMmPerDay)
      o.updated = true
      return 'evaluated'
    }
  }
}

export const displacementEvaluator: Evaluator = Object.freeze({
  id: 'displacement',
  sensorTypes: ['gnss', 'crack', 'deep_disp'] as const,
  createChannel: createDisplacementChannel
})
