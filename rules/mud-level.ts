import { ownThresholds, singleValueChannel, type Channel, type Evaluator } from './evaluator.js'
import type { SiteRules } from './site-rules.js'

/**
 * Mud level (debris flow, domain.md §3 "Other sensors"): the level against the site-configured
 * stages (`rules.mudStageM`; the shipped stages are our choice). On its own it is one indicator
 * like any other; on a debris-flow site the combination (site-level.ts) takes it to orange with
 * rain and to red with an infrasound or vibration trigger.
 */

export const MUD_INDICATOR = 'mud.stage'

function createMudChannel(rules: SiteRules): Channel {
  const thresholds = ownThresholds(rules.other.mudStageM)
  return singleValueChannel({ id: MUD_INDICATOR, family: 'mud', unit: 'm', thresholds }, (r) => r.fields.levelM, (next) => {
    thresholds.set(next.other.mudStageM)
    return true
  })
}

export const mudLevelEvaluator: Evaluator = Object.freeze({
  id: 'mud-level',
  sensorTypes: ['mud_level'] as const,
  createChannel: createMudChannel
})
