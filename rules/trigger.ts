import type { Reading, SensorType } from '../domain/index.js'
import { newObservations, type Channel, type Evaluator, type IndicatorSpec } from './evaluator.js'
import type { SiteRules } from './site-rules.js'

/**
 * Infrasound, ground sound and vibration triggers (domain.md §3 "Other sensors": debris flow). A
 * value at or above the device family's threshold fires the trigger, rated at the table's `level`
 * (our choice, yellow). Alone it is capped like any indicator; with the mud at stage on a
 * debris-flow site the combination (site-level.ts) raises red.
 */

function thresholdsOf(rules: SiteRules, type: SensorType, out: Float64Array): { field: string } {
  const t = rules.other.trigger
  const rule = t.byType[type]
  if (rule === undefined) throw new Error(`trigger evaluator got ${type}`)
  out.fill(Number.NaN)
  out[t.rank] = rule.threshold
  return rule
}

function createTriggerChannel(rules: SiteRules, type: SensorType): Channel {
  const thresholds = new Float64Array(5)
  let field = thresholdsOf(rules, type, thresholds).field
  let rank = rules.other.trigger.rank
  const indicators: IndicatorSpec[] = [{ id: `trigger.${type}`, family: 'trigger', unit: field, thresholds }]
  const observations = newObservations(1)
  let lastTs = Number.NEGATIVE_INFINITY
  return {
    indicators,
    observations,
    update(reading: Reading) {
      const value = reading.fields[field]
      if (value === undefined) return 'insufficient'
      if (reading.ts === lastTs) return 'duplicate'
      if (reading.ts < lastTs) return 'stale'
      lastTs = reading.ts
      const o = observations[0]
      if (o === undefined) return 'insufficient'
      o.value = value
      o.rank = value >= (thresholds[rank] as number) ? rank : 0
      o.updated = true
      return 'evaluated'
    },
    retune(next: SiteRules) {
      const nextField = thresholdsOf(next, type, thresholds).field
      // Another field means another unit in the evidence: start afresh.
      if (nextField !== field) return false
      field = nextField
      rank = next.other.trigger.rank
      return true
    }
  }
}

export const triggerEvaluator: Evaluator = Object.freeze({
  id: 'trigger',
  sensorTypes: ['infrasound', 'ground_sound', 'vibration'] as const,
  createChannel: createTriggerChannel
})
