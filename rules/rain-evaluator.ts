import { SITE_LEVELS, type AlertLevel, type Evidence, type Reading, type SiteLevel } from '../domain/index.js'
import { newObservations, rankOf, type Channel, type Evaluator, type IndicatorSpec } from './evaluator.js'
import { RainWindows } from './rain-windows.js'
import type { CompiledRainWindow, SiteRules } from './site-rules.js'

/**
 * Rain gauge → one indicator per window (`rain.1h` …). Any window at a level raises that level
 * (domain.md §3). Thresholds come from the rain table (default: Jianghua County, Hunan).
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

function createRainChannel(rules: SiteRules): Channel {
  const windows = rules.rainWindows
  const model = new RainWindows(windows.map((w) => w.windowMs))
  const indicators: IndicatorSpec[] = windows.map((w) => ({ id: w.indicator, family: 'rain', unit: 'mm', thresholds: w.thresholdsMm }))
  const observations = newObservations(windows.length)
  return {
    indicators,
    observations,
    update(reading: Reading) {
      const mm = reading.fields.intervalMm
      // A reading with only `totalMm` (cumulative) carries no period amount; not derived here.
      if (mm === undefined) return 'insufficient'
      const outcome = model.add(reading.ts, mm)
      if (outcome !== 'added' && outcome !== 'replaced') return outcome
      for (let i = 0; i < observations.length; i++) {
        const o = observations[i]
        const w = windows[i]
        if (o === undefined || w === undefined) continue
        o.value = model.sumMm(i)
        o.rank = rankOf(o.value, w.thresholdsMm)
        o.updated = true
      }
      return 'evaluated'
    }
  }
}

export const rainEvaluator: Evaluator = Object.freeze({
  id: 'rain',
  sensorTypes: ['rain'] as const,
  createChannel: createRainChannel
})
