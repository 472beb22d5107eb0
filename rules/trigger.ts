import type { SensorType } from '../domain/index.js'
import { singleValueChannel, type Channel, type Evaluator } from './evaluator.js'
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
  // NaN everywhere but the table's level, so the one threshold rates at that level.
  const thresholds = new Float64Array(5)
  const field = thresholdsOf(rules, type, thresholds).field
  return singleValueChannel({ id: `trigger.${type}`, family: 'trigger', unit: field, thresholds }, (r) => r.fields[field], (next) => {
    // Another field means another unit in the evidence: start afresh.
    if (next.other.trigger.byType[type]?.field !== field) return false
    thresholdsOf(next, type, thresholds)
    return true
  })
}

export const triggerEvaluator: Evaluator = Object.freeze({
  id: 'trigger',
  sensorTypes: ['infrasound', 'ground_sound', 'vibration'] as const,
  createChannel: createTriggerChannel
})
