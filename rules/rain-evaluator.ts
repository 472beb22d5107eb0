import { SITE_LEVELS, type AlertLevel, type Evidence, type Reading, type SiteLevel } from '../domain/index.js'
import { AntecedentRain } from './antecedent.js'
import { newObservations, ownThresholds, rankOf, type Channel, type Evaluator, type IndicatorSpec, type Observation } from './evaluator.js'
import { curveIntensityMmPerH, RainEvent } from './rain-event.js'
import { RainWindows } from './rain-windows.js'
import type { CompiledRainWindow, SiteRules } from './site-rules.js'

/**
 * Rain gauge → indicators, in this order (domain.md §3 "Rainfall"; thresholds from the site's rain
 * table, default Jianghua County, Hunan):
 * - one per window, `rain.<id>` (mm, family `rain`): any window at a level raises that level;
 * - one per intensity–duration curve, `rain.id.<id>` (mm/h, family `rain-flag`): the running event's
 *   mean intensity, flagged at the curve's level when it reaches the curve at the event's duration.
 *   The curve's intensity at that duration is written into the indicator's threshold slot on every
 *   reading, so evidence shows the threshold that applied;
 * - `rain.eff` (mm, family `rain`): effective antecedent rainfall, a value only (rank 0 always).
 */

export interface RainRating {
  level: SiteLevel
  /** One entry per window at blue or above, highest level first. */
  evidence: Evidence[]
}

/** Rate window sums (same order as `windows`) against the table: the highest level any window reaches. */
export function rateRainSums(sumsMm: readonly number[], windows: readonly CompiledRainWindow[], atMs: number): RainRating {
  let best = 0
  const evidence: Evidence[] = []
  for (const [i, w] of windows.entries()) {
    const sum = sumsMm[i]
    if (sum === undefined) continue
    const rank = rankOf(sum, w.thresholdsMm)
    if (rank === 0) continue
    if (rank > best) best = rank
    evidence.push({ indicator: w.indicator, level: SITE_LEVELS[rank] as AlertLevel, value: sum, threshold: w.thresholdsMm[rank] as number, unit: 'mm', at: atMs })
  }
  evidence.sort((a, b) => SITE_LEVELS.indexOf(b.level) - SITE_LEVELS.indexOf(a.level))
  return { level: SITE_LEVELS[best] ?? 'none', evidence }
}

const NO_THRESHOLDS = 5

function write(o: Observation | undefined, value: number, rank: number): void {
  if (o === undefined) return
  o.value = value
  o.rank = rank
  o.updated = true
}

/** Hot reload keeps the state only when the indicators and the model's time bases stay the same. */
function sameShape(a: SiteRules, b: SiteRules): boolean {
  const ma = a.rainModel
  const mb = b.rainModel
  return (
    a.rainWindows.length === b.rainWindows.length &&
    a.rainWindows.every((w, i) => w.id === b.rainWindows[i]?.id && w.windowMs === b.rainWindows[i]?.windowMs) &&
    ma.curves.length === mb.curves.length &&
    ma.curves.every((c, i) => c.id === mb.curves[i]?.id) &&
    ma.readingPeriodMaxMs === mb.readingPeriodMaxMs &&
    ma.dryMs === mb.dryMs &&
    ma.antecedent.days === mb.antecedent.days &&
    ma.antecedent.dayStartMs === mb.antecedent.dayStartMs
  )
}

function createRainChannel(rules: SiteRules): Channel {
  let current = rules
  const windows = rules.rainWindows
  const m = rules.rainModel
  let curves = m.curves
  const sums = new RainWindows(
    windows.map((w) => w.windowMs),
    m.readingPeriodMaxMs
  )
  const event = new RainEvent(m.dryMs)
  const antecedent = new AntecedentRain(m.antecedent.k, m.antecedent.days, m.antecedent.dayStartMs)
  // Per channel: retune swaps window thresholds in place; curve thresholds move with the event's D.
  const windowThresholds = windows.map((w) => ownThresholds(w.thresholdsMm))
  const curveThresholds = curves.map(() => new Float64Array(NO_THRESHOLDS).fill(Number.NaN))
  const indicators: IndicatorSpec[] = [
    ...windows.map((w, i): IndicatorSpec => ({ id: w.indicator, family: 'rain', unit: 'mm', thresholds: windowThresholds[i] as Float64Array })),
    ...curves.map((c, i): IndicatorSpec => ({ id: c.indicator, family: 'rain-flag', unit: 'mm/h', thresholds: curveThresholds[i] as Float64Array })),
    { id: m.antecedent.indicator, family: 'rain', unit: 'mm', thresholds: new Float64Array(NO_THRESHOLDS).fill(Number.NaN) }
  ]
  const observations = newObservations(indicators.length)
  const curvesAt = windows.length
  const effAt = curvesAt + curves.length

  return {
    indicators,
    observations,
    update(reading: Reading) {
      const mm = reading.fields.intervalMm
      // A reading with only `totalMm` (cumulative) carries no period amount; not derived here.
      if (mm === undefined) return 'insufficient'
      const outcome = sums.add(reading.ts, mm)
      if (outcome !== 'added' && outcome !== 'replaced') return outcome
      const delta = sums.lastDeltaMilli
      event.add(sums.lastFromMs, reading.ts, delta)
      antecedent.add(reading.ts, delta)

      for (let i = 0; i < windowThresholds.length; i++) {
        const value = sums.sumMm(i)
        write(observations[i], value, rankOf(value, windowThresholds[i] as Float64Array))
      }
      const running = event.running
      const durationH = event.durationH
      const intensity = running ? event.meanIntensityMmPerH : 0
      for (let i = 0; i < curves.length; i++) {
        const c = curves[i]
        const t = curveThresholds[i]
        if (c === undefined || t === undefined) continue
        const curveMmPerH = running ? curveIntensityMmPerH(c, durationH) : Number.NaN
        // Keep the last curve value when none applies, so lowering evidence still names one.
        if (Number.isFinite(curveMmPerH)) t[c.rank] = curveMmPerH
        write(observations[curvesAt + i], intensity, intensity >= curveMmPerH ? c.rank : 0)
      }
      write(observations[effAt], antecedent.effectiveMm(), 0)
      return 'evaluated'
    },
    retune(next: SiteRules) {
      if (next === current) return true
      if (!sameShape(current, next)) return false
      for (const [i, w] of next.rainWindows.entries()) windowThresholds[i]?.set(w.thresholdsMm)
      for (const [i, c] of curves.entries()) {
        const nc = next.rainModel.curves[i]
        // A curve that changed level starts from no threshold at the new level.
        if (nc !== undefined && nc.rank !== c.rank) curveThresholds[i]?.fill(Number.NaN)
      }
      curves = next.rainModel.curves
      antecedent.setK(next.rainModel.antecedent.k)
      current = next
      return true
    }
  }
}

export const rainEvaluator: Evaluator = Object.freeze({
  id: 'rain',
  sensorTypes: ['rain'] as const,
  createChannel: createRainChannel
})
