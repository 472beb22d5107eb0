import type { Reading } from '../domain/index.js'
import { newObservations, ownThresholds, rankOf, type Channel, type Evaluator, type IndicatorSpec } from './evaluator.js'
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
  const indicators: IndicatorSpec[] = [{ id: MUD_INDICATOR, family: 'mud', unit: 'm', thresholds }]
  const observations = newObservations(1)
  let lastTs = Number.NEGATIVE_INFINITY
  return {
    indicators,
    observations,
    update(reading: Reading) {
      const levelM = reading.fields.levelM
      if (levelM === undefined) return 'insufficient'
      if (reading.ts === lastTs) return 'duplicate'
      if (reading.ts < lastTs) return 'stale'
      lastTs = reading.ts
      const o = observations[0]
      if (o === undefined) return 'insufficient'
      o.value = levelM
      o.rank = rankOf(levelM, thresholds)
      o.updated = true
      return 'evaluated'
    },
    retune(next: SiteRules) {
      thresholds.set(next.other.mudStageM)
      return true
    }
  }
}

export const mudLevelEvaluator: Evaluator = Object.freeze({
  id: 'mud-level',
  sensorTypes: ['mud_level'] as const,
  createChannel: createMudChannel
})
