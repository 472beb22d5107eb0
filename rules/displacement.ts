import { displacementMm, type Reading, type SensorType } from '../domain/index.js'
import { fitAcceleration, newAccelerationFit } from './acceleration.js'
import { DisplacementSeries } from './displacement-series.js'
import { newObservations, rankOf, type Channel, type Evaluator, type IndicatorSpec, type Observation } from './evaluator.js'
import { forecastFromHistory, newFailureForecast, type FailureForecast } from './inverse-velocity.js'
import type { SiteRules } from './site-rules.js'
import { tangentAngleDeg } from './tangent-angle.js'
import { VelocityHistory } from './velocity-history.js'

/**
 * The displacement evaluator (domain.md §3 "Displacement"): one channel per GNSS, crack meter or
 * deep-displacement sensor. U is the GNSS horizontal resultant √(dx² + dy²), the crack opening, or
 * the deep displacement along the slide; its smoothed velocity (displacement-series.ts) is rated
 * four ways, every one over real elapsed time:
 * - velocity against the site's thresholds (the table's, or its adaptive V0 levels, adaptive-v0.ts);
 * - the improved tangent angle of the day's mean velocity against v_eq (tangent-angle.ts);
 * - the acceleration, the trend of the velocity (acceleration.ts);
 * - the inverse-velocity forecast of failure (inverse-velocity.ts), family `forecast`: red when t_f
 *   is within `redWithinH` while another of the channel's indicators is at least yellow, with its R², points and span as companion indicators of the same rank so
 *   the officer sees the fit quality in the evidence.
 * Levels compare |v|: a crack that closes fast is moving too. A velocity within noise of zero rates
 * nothing on any of them.
 */

export { DisplacementSeries, type FitOutcome, type GrossErrorSettings, type RegressionSettings, type SeriesAddOutcome } from './displacement-series.js'

const HOUR_MS = 3_600_000

export const DISPLACEMENT_INDICATOR = 'displacement.velocity'
export const TANGENT_ANGLE_INDICATOR = 'displacement.tangent-angle'
export const ACCELERATION_INDICATOR = 'displacement.acceleration'
/** Value: hours from the reading to the forecast failure time t_f (t_f = evidence `at` + value h). */
export const FORECAST_INDICATOR = 'forecast.inverse-velocity'
export const FORECAST_R2_INDICATOR = 'forecast.inverse-velocity.r2'
export const FORECAST_POINTS_INDICATOR = 'forecast.inverse-velocity.points'
export const FORECAST_SPAN_INDICATOR = 'forecast.inverse-velocity.span'
export const VELOCITY_UNIT = 'mm/d'

export { displacementMm }

/** What a displacement channel shows beyond its observations (replay, inspection). */
export interface DisplacementChannel extends Channel {
  /** The latest inverse-velocity fit (fitted while velocity, tangent angle or acceleration is ≥ yellow; `forecastFailure` for any series). */
  readonly forecast: Readonly<FailureForecast>
  /** The v_eq the tangent angle used last (configured or estimated), mm/day; NaN if none yet. */
  readonly veqMmPerDay: number
}

const specsByRules = new WeakMap<SiteRules, readonly IndicatorSpec[]>()

/** One spec list per compiled rules object, shared by its channels. */
function indicatorSpecs(rules: SiteRules): readonly IndicatorSpec[] {
  let specs = specsByRules.get(rules)
  if (specs !== undefined) return specs
  const m = rules.displacementModels
  const f = m.forecast
  const red = (value: number): Float64Array => Float64Array.from([Number.NaN, Number.NaN, Number.NaN, Number.NaN, value])
  specs = Object.freeze([
    { id: DISPLACEMENT_INDICATOR, family: 'displacement', unit: VELOCITY_UNIT, thresholds: rules.velocityMmPerDay },
    { id: TANGENT_ANGLE_INDICATOR, family: 'displacement', unit: '°', thresholds: m.tangent.thresholdsDeg },
    { id: ACCELERATION_INDICATOR, family: 'displacement', unit: 'mm/d²', thresholds: m.acceleration.thresholdsMmPerDay2 },
    { id: FORECAST_INDICATOR, family: 'forecast', unit: 'h', thresholds: f.thresholdsH },
    // Companions: the threshold shown is the least the fit needs.
    { id: FORECAST_R2_INDICATOR, family: 'forecast', unit: 'R²', thresholds: red(f.minR2) },
    { id: FORECAST_POINTS_INDICATOR, family: 'forecast', unit: 'points', thresholds: red(f.minPoints) },
    { id: FORECAST_SPAN_INDICATOR, family: 'forecast', unit: 'h', thresholds: red(f.minSpanMs / HOUR_MS) }
  ] satisfies IndicatorSpec[])
  specsByRules.set(rules, specs)
  return specs
}

/** Longest persistence window (tables.ts `persistence.n` ≤ 16): after this many zeros in a row a further zero changes nothing. */
const QUIET_AFTER = 16

function rate(o: Observation, rank: number, value: number): void {
  o.updated = true
  o.rank = rank
  // Keep the last real value: an indicator that cannot be computed now rates 0 and shows what it was.
  if (!Number.isNaN(value)) o.value = value
}

/**
 * `rate` for the indicators that are 0 nearly always (tangent angle above blue, acceleration,
 * forecast): once `zeros[k]` zeros in a row have cleared every persistence window, further zeros are
 * not handed to the engine (the observation still shows them), which keeps quiet channels cheap.
 */
function rateQuiet(o: Observation, zeros: Uint8Array, k: number, rank: number, value: number): void {
  rate(o, rank, value)
  if (rank !== 0) zeros[k] = 0
  else if ((zeros[k] as number) < QUIET_AFTER) zeros[k] = (zeros[k] as number) + 1
  else o.updated = false
}

/** Hot reload keeps a channel only while its rings keep their sizes and time bases. */
function sameShape(a: SiteRules, b: SiteRules): boolean {
  const ma = a.displacementModels
  const mb = b.displacementModels
  return (
    a.regression.maxSamples === b.regression.maxSamples &&
    ma.history.bucketMs === mb.history.bucketMs &&
    ma.history.capacity === mb.history.capacity &&
    ma.forecast.stepMs === mb.forecast.stepMs &&
    ma.forecast.maxPoints === mb.forecast.maxPoints
  )
}

/** The settings the history models (v_eq, smoothed velocity, acceleration) are computed with. */
function sameHistorySettings(a: SiteRules['displacementModels'], b: SiteRules['displacementModels']): boolean {
  return (
    a.history.windowMs === b.history.windowMs &&
    a.tangent.referenceMinSpanMs === b.tangent.referenceMinSpanMs &&
    a.tangent.smoothMs === b.tangent.smoothMs &&
    a.acceleration.spanMs === b.acceleration.spanMs &&
    a.acceleration.minSamples === b.acceleration.minSamples &&
    a.acceleration.lookbackMs === b.acceleration.lookbackMs &&
    a.acceleration.minSpanMs === b.acceleration.minSpanMs
  )
}

const grossErrorFor = (rules: SiteRules, type: SensorType) => (rules.grossError.sensorTypes.includes(type) ? rules.grossError : undefined)

function createDisplacementChannel(initialRules: SiteRules, type: SensorType): DisplacementChannel {
  let rules = initialRules
  const series = new DisplacementSeries(rules.regression, grossErrorFor(rules, type))
  let m = rules.displacementModels
  const history = new VelocityHistory(m.history.bucketMs, m.history.capacity)
  const ivPoints = new VelocityHistory(m.forecast.stepMs, m.forecast.maxPoints)
  const accel = newAccelerationFit()
  const forecast = newFailureForecast()
  let configuredVeq = m.tangent.veqMmPerDay[type] ?? Number.NaN
  let indicators = indicatorSpecs(rules)
  const observations = newObservations(indicators.length)
  const [oVelocity, oTangent, oAccel, oForecast, oR2, oPoints, oSpan] = observations as [Observation, Observation, Observation, Observation, Observation, Observation, Observation]
  let estimatedVeq = Number.NaN
  let smoothedV = Number.NaN
  let veq = configuredVeq
  let reported = 0
  let forecastStale = false
  const zeros = new Uint8Array(indicators.length)
  /** The history models, recomputed from the kept history with the current settings. */
  function refit(): void {
    estimatedVeq = history.medianWithin(m.history.windowMs, m.tangent.referenceMinSpanMs, 3)
    smoothedV = history.meanWithin(m.tangent.smoothMs)
    fitAcceleration(history, m.acceleration, accel)
  }
  return {
    // A getter: retune swaps in the new rules' specs, which the engine re-reads.
    get indicators() {
      return indicators
    },
    observations,
    forecast,
    get veqMmPerDay() {
      return veq
    },
    takeRejected() {
      const n = series.rejected - reported
      reported = series.rejected
      return n
    },
    update(reading: Reading) {
      const u = displacementMm(type, reading.fields)
      if (u === undefined) return 'insufficient'
      const outcome = series.add(reading.ts, u)
      if (outcome !== 'added' && outcome !== 'replaced') return outcome
      const fitted = series.fit()
      if (fitted !== 'fitted') return fitted
      const v = Math.abs(series.velocity)
      // A velocity within noise of zero is no movement, whatever its size (short spans, noisy sensors).
      const significant = v >= rules.minStandardErrors * series.velocitySe
      const velocityRank = significant ? rankOf(v, rules.velocityMmPerDay) : 0
      rate(oVelocity, velocityRank, v)

      // History models: recomputed when a new bucket opens (hourly by default), rated on every reading.
      if (history.add(reading.ts, series.velocityAtMs, series.velocity, series.fitSpanMs)) refit()
      veq = Number.isNaN(configuredVeq) ? estimatedVeq : configuredVeq
      const alpha = tangentAngleDeg(smoothedV, veq)
      let tangentRank = significant && veq >= m.tangent.minReferenceMmPerDay ? rankOf(alpha, m.tangent.thresholdsDeg) : 0
      // Above steady creep only when v_i exceeds v_eq by more than the fit's noise.
      if (tangentRank > 1 && smoothedV - veq < m.tangent.minStandardErrors * series.velocitySe) tangentRank = 1
      rateQuiet(oTangent, zeros, 1, tangentRank, alpha)
      const a = accel.mmPerDay2
      const accelRank = a >= rules.minStandardErrors * accel.seMmPerDay2 ? rankOf(a, m.acceleration.thresholdsMmPerDay2) : 0
      rateQuiet(oAccel, zeros, 2, accelRank, a)

      // Insignificant velocities enter the forecast as 0, i.e. before any onset of acceleration.
      if (ivPoints.add(reading.ts, series.velocityAtMs, significant ? v : 0, series.fitSpanMs)) forecastStale = true
      // A forecast aid once the channel's own indicators see a moving, accelerating slope (≥ yellow on
      // velocity, tangent angle or acceleration): a line through a rising half of a thermal cycle also
      // meets zero. Fitted only then.
      const confirmed = velocityRank >= 2 || tangentRank >= 2 || accelRank >= 2
      if (confirmed && forecastStale) {
        forecastFromHistory(ivPoints, veq, m.forecast, forecast)
        forecastStale = false
      }
      const toFailureMs = forecast.tfMs - reading.ts
      const forecastRank = forecast.verdict === 'forecast' && confirmed && toFailureMs <= m.forecast.redWithinMs ? 4 : 0
      rateQuiet(oForecast, zeros, 3, forecastRank, toFailureMs / HOUR_MS)
      rateQuiet(oR2, zeros, 4, forecastRank, forecast.r2)
      rateQuiet(oPoints, zeros, 5, forecastRank, forecast.points)
      rateQuiet(oSpan, zeros, 6, forecastRank, forecast.spanMs / HOUR_MS)
      return 'evaluated'
    },
    retune(next: SiteRules) {
      if (next === rules) return true
      if (!sameShape(rules, next)) return false
      series.retune(next.regression, grossErrorFor(next, type))
      const before = m
      rules = next
      m = next.displacementModels
      indicators = indicatorSpecs(next)
      configuredVeq = m.tangent.veqMmPerDay[type] ?? Number.NaN
      veq = Number.isNaN(configuredVeq) ? estimatedVeq : configuredVeq
      // Same settings, same derived values: recompute only what the new settings change.
      if (!sameHistorySettings(before, m)) refit()
      // The forecast is refitted with the new settings on the next confirmed reading.
      forecastStale = true
      return true
    }
  }
}

export const displacementEvaluator: Evaluator = Object.freeze({
  id: 'displacement',
  sensorTypes: ['gnss', 'crack', 'deep_disp'] as const,
  createChannel: createDisplacementChannel
})
