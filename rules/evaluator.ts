import type { Reading, SensorType } from '../domain/index.js'
import type { SiteRules } from './site-rules.js'
import type { Family } from './families.js'

/**
 * The slot every hazard model plugs into. An evaluator owns one sensor channel's model state (rain
 * windows, a displacement series …) and rates each of its indicators on every reading. The engine
 * does the rest (persistence, dwell, site level), the same way for every evaluator.
 */

export interface IndicatorSpec {
  /** Evidence name, e.g. `rain.1h`, `displacement.velocity`. */
  readonly id: string
  readonly family: Family
  readonly unit: string
  /** Index = level rank (1 blue … 4 red); NaN where the level is not used. Index 0 unused. */
  readonly thresholds: Float64Array
}

/** Written in place by the channel on each reading: preallocated, so the hot path allocates nothing. */
export interface Observation {
  /** Set by the channel when it rated this indicator on this reading. */
  updated: boolean
  /** 0 none, 1 blue … 4 red. */
  rank: number
  value: number
}

/**
 * `evaluated`: observations written; the others mean the reading changed nothing and rate nothing
 * (persistence counts evaluations only). `suspect`: held back as a possible gross error.
 */
export type UpdateOutcome = 'evaluated' | 'duplicate' | 'stale' | 'invalid' | 'insufficient' | 'suspect'

export interface Channel {
  readonly indicators: readonly IndicatorSpec[]
  /** Same length and order as `indicators`. */
  readonly observations: readonly Observation[]
  update(reading: Reading): UpdateOutcome
  /** Samples rejected as gross errors since the last call (channels with a robust filter). */
  takeRejected?(): number
  /**
   * Hot reload: adopt new rules (thresholds) keeping the model state (windows, series). Return
   * false when the change needs a fresh channel (e.g. other windows); without `retune` the engine
   * restarts the channel empty.
   */
  retune?(rules: SiteRules): boolean
}

/** The sensor record behind a channel, when the registry gave it (engine SiteInput.sensors). */
export interface SensorInfo {
  readonly deviceId: string
  readonly sensorId: string
  /** Physical range of the main field; overrides the data-quality table. */
  readonly range?: { readonly min: number; readonly max: number } | undefined
  /** Acceleration sensors: the vendor's unit (g, mg, m/s²). */
  readonly unit?: string | undefined
}

export interface Evaluator {
  readonly id: string
  readonly sensorTypes: readonly SensorType[]
  createChannel(rules: SiteRules, type: SensorType, sensor?: SensorInfo): Channel
}

export type EvaluatorRegistry = ReadonlyMap<SensorType, Evaluator>

export function createRegistry(evaluators: readonly Evaluator[]): EvaluatorRegistry {
  const registry = new Map<SensorType, Evaluator>()
  for (const e of evaluators) {
    for (const type of e.sensorTypes) {
      const taken = registry.get(type)
      if (taken !== undefined) throw new Error(`sensor type ${type} has two evaluators: ${taken.id} and ${e.id}`)
      registry.set(type, e)
    }
  }
  return registry
}

export function newObservations(count: number): Observation[] {
  return Array.from({ length: count }, () => ({ updated: false, rank: 0, value: Number.NaN }))
}

/** Highest level rank whose threshold `value` reaches (≥); 0 when none. */
export function rankOf(value: number, thresholds: Float64Array): number {
  for (let r = thresholds.length - 1; r >= 1; r--) {
    const t = thresholds[r] as number
    if (value >= t) return r
  }
  return 0
}

/** A per-channel copy of a threshold row, so `retune` can swap values in place. */
export function ownThresholds(source: Float64Array): Float64Array {
  return Float64Array.from(source)
}

/**
 * A channel that rates one value per reading against its thresholds (mud stage, triggers): readings
 * in time order only; a repeat or an older one rates nothing.
 */
export function singleValueChannel(
  spec: IndicatorSpec,
  valueOf: (reading: Reading) => number | undefined,
  retune: (rules: SiteRules) => boolean
): Channel {
  const observations = newObservations(1)
  const o = observations[0] as Observation
  let lastTs = Number.NEGATIVE_INFINITY
  return {
    indicators: [spec],
    observations,
    update(reading: Reading): UpdateOutcome {
      const value = valueOf(reading)
      if (value === undefined) return 'insufficient'
      if (reading.ts === lastTs) return 'duplicate'
      if (reading.ts < lastTs) return 'stale'
      lastTs = reading.ts
      o.value = value
      o.rank = rankOf(value, spec.thresholds)
      o.updated = true
      return 'evaluated'
    },
    retune
  }
}
