import type { Reading, SensorType } from '../domain/index.js'
import { newObservations, rankOf, type Channel, type Evaluator, type IndicatorSpec } from './evaluator.js'
import type { CompiledRise } from './sensor-rules.js'
import type { SiteRules } from './site-rules.js'

/**
 * Groundwater level and pore pressure (domain.md §3 "Other sensors"): the daily rise against a site
 * baseline, V0 scheme as for displacement (Outang landslide): V0 = 1.5·mean + 2σ of the daily rates
 * of a calibration period; yellow ≥ V0, orange ≥ 5·V0, red ≥ 10·V0, blue ≥ V0 − σ. Until the
 * calibration is complete (or when the site fixes V0) the configured V0 applies, blue at
 * `blueOfV0`·V0 (our choice). The rate is (x_now − x_ref)/Δt over real elapsed time, x_ref the newest
 * kept sample at least `spanMs` old (or the oldest once `minSpanMs` is covered). Only rises rate.
 * The combination (site-level.ts) lets this family add at most one level to displacement.
 */

const DAY_MS = 86_400_000
/** Kept samples: one per span/KEEP_PER_SPAN, so a 5-min stream costs a few dozen slots. */
const KEEP_PER_SPAN = 24
const RING = KEEP_PER_SPAN * 2 + 2

const FIELD: Partial<Record<SensorType, { field: string; indicator: string; unit: string }>> = {
  groundwater: { field: 'levelM', indicator: 'groundwater.rise', unit: 'm/d' },
  pore_pressure: { field: 'pressureKpa', indicator: 'pore_pressure.rise', unit: 'kPa/d' }
}

/** Running mean and variance (Welford) of the calibration rates. */
export class Calibration {
  count = 0
  mean = 0
  private m2 = 0
  add(x: number): void {
    this.count++
    const d = x - this.mean
    this.mean += d / this.count
    this.m2 += d * (x - this.mean)
  }
  get sigma(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 0
  }
}

/** Thresholds [NaN, blue, yellow, orange, red] of a V0 (Outang scheme). */
export function riseThresholds(out: Float64Array, v0: number, blue: number, multiples: { yellow: number; orange: number; red: number }): Float64Array {
  out[0] = Number.NaN
  out[1] = blue
  out[2] = multiples.yellow * v0
  out[3] = multiples.orange * v0
  out[4] = multiples.red * v0
  return out
}

function createRiseChannel(initial: SiteRules, type: SensorType): Channel {
  const meta = FIELD[type]
  if (meta === undefined) throw new Error(`groundwater evaluator got ${type}`)
  let rules = initial.other.groundwater
  let rise: CompiledRise = type === 'pore_pressure' ? rules.pore_pressure : rules.groundwater
  const thresholds = new Float64Array(5)
  const calibration = new Calibration()
  let learned = false
  let lastCalibrationMs = Number.NEGATIVE_INFINITY
  const ts = new Float64Array(RING)
  const xs = new Float64Array(RING)
  let start = 0
  let count = 0
  let lastTs = Number.NEGATIVE_INFINITY

  const configure = (): void => {
    if (learned) return
    riseThresholds(thresholds, rise.v0PerDay, rules.blueOfV0 * rise.v0PerDay, rules.multiples)
  }
  configure()
  const indicators: IndicatorSpec[] = [{ id: meta.indicator, family: 'groundwater', unit: meta.unit, thresholds }]
  const observations = newObservations(1)

  const at = (i: number): number => (start + i) % RING
  const keep = (t: number, x: number): void => {
    const keepEveryMs = rules.spanMs / KEEP_PER_SPAN
    // The newest sample always counts as "now"; keep it only once it is far enough from the last kept.
    if (count > 0 && t - (ts[at(count - 1)] as number) < keepEveryMs) return
    if (count === RING) {
      start = (start + 1) % RING
      count--
    }
    ts[at(count)] = t
    xs[at(count)] = x
    count++
  }

  /** The reference sample for `now`: newest kept ≥ span old, else the oldest once minSpan is covered. */
  const reference = (now: number): number => {
    for (let i = count - 1; i >= 0; i--) if (now - (ts[at(i)] as number) >= rules.spanMs) return i
    if (count > 0 && now - (ts[at(0)] as number) >= rules.minSpanMs) return 0
    return -1
  }

  const learn = (now: number, ratePerDay: number): void => {
    if (rise.fixed || learned || now - lastCalibrationMs < DAY_MS) return
    lastCalibrationMs = now
    calibration.add(ratePerDay)
    if (calibration.count < rise.calibrationDays) return
    learned = true
    const v0 = Math.max(1.5 * calibration.mean + 2 * calibration.sigma, rise.minV0PerDay)
    riseThresholds(thresholds, v0, Math.max(v0 - calibration.sigma, rules.blueOfV0 * v0), rules.multiples)
  }

  return {
    indicators,
    observations,
    update(reading: Reading) {
      const x = reading.fields[meta.field]
      if (x === undefined) return 'insufficient'
      const t = reading.ts
      if (t === lastTs) return 'duplicate'
      if (t < lastTs) return 'stale'
      lastTs = t
      const ref = reference(t)
      keep(t, x)
      if (ref < 0) return 'insufficient'
      const i = at(ref)
      const ratePerDay = ((x - (xs[i] as number)) * DAY_MS) / (t - (ts[i] as number))
      learn(t, ratePerDay)
      const o = observations[0]
      if (o === undefined) return 'insufficient'
      o.value = ratePerDay
      o.rank = ratePerDay > 0 ? rankOf(ratePerDay, thresholds) : 0
      o.updated = true
      return 'evaluated'
    },
    retune(next: SiteRules) {
      rules = next.other.groundwater
      const nextRise = type === 'pore_pressure' ? rules.pore_pressure : rules.groundwater
      // A newly fixed V0 replaces a learned one; otherwise learning goes on.
      if (nextRise.fixed) learned = false
      rise = nextRise
      configure()
      return true
    }
  }
}

export const groundwaterEvaluator: Evaluator = Object.freeze({
  id: 'groundwater',
  sensorTypes: ['groundwater', 'pore_pressure'] as const,
  createChannel: createRiseChannel
})
