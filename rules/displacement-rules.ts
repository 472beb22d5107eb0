import { z } from 'zod'
import { ALERT_LEVELS, type SensorType } from '../domain/index.js'
import type { AccelerationSettings } from './acceleration.js'
import { adaptiveThresholds, adaptiveV0OverrideSchema, resolveAdaptiveV0, type AdaptiveV0Override } from './adaptive-v0.js'
import type { ForecastSettings } from './inverse-velocity.js'
import { tangentAngleThresholds } from './tangent-angle.js'
import type { LevelThresholds } from './tables-common.js'
import type { DisplacementTable } from './tables-displacement.js'

/**
 * The displacement models' settings of one site, compiled for the hot path (site-rules.ts keeps
 * them under `displacementModels`), and the per-site overrides they take:
 * - `adaptiveV0`: `{ v0MmPerDay, sigmaMmPerDay }` or `{ monthlyRatesMmPerDay: [...] }` (adaptive-v0.ts);
 *   replaces the site's velocity thresholds, `velocityMmPerDay` included;
 * - `constantVelocityMmPerDay`: the constant-velocity-stage rate v_eq of the tangent angle, one
 *   number for every displacement sensor or one per sensor type; without it v_eq is estimated.
 */

const HOUR_MS = 3_600_000
const positiveRate = z.number().finite().positive()

export const constantVelocityOverrideSchema = z.union([
  positiveRate,
  z.object({ gnss: positiveRate.optional(), crack: positiveRate.optional(), deep_disp: positiveRate.optional() }).strict()
])
export type ConstantVelocityOverride = z.infer<typeof constantVelocityOverrideSchema>

export const DISPLACEMENT_OVERRIDE_SCHEMAS = {
  adaptiveV0: adaptiveV0OverrideSchema,
  constantVelocityMmPerDay: constantVelocityOverrideSchema
} as const

export interface DisplacementOverrides {
  adaptiveV0?: unknown
  constantVelocityMmPerDay?: unknown
}

export interface DisplacementModelRules {
  history: { bucketMs: number; capacity: number; windowMs: number }
  tangent: {
    /** Index = level rank, degrees. */
    thresholdsDeg: Float64Array
    referenceMinSpanMs: number
    smoothMs: number
    minReferenceMmPerDay: number
    minStandardErrors: number
    /** Configured v_eq per sensor type; absent: estimated from the channel's history. */
    veqMmPerDay: Readonly<Partial<Record<SensorType, number | undefined>>>
  }
  acceleration: AccelerationSettings & { thresholdsMmPerDay2: Float64Array }
  forecast: ForecastSettings & { redWithinMs: number; stepMs: number; maxPoints: number; thresholdsH: Float64Array }
}

function byRank(values: Partial<Record<number, number>>): Float64Array {
  const out = new Float64Array(ALERT_LEVELS.length + 1).fill(Number.NaN)
  for (const [rank, v] of Object.entries(values)) out[Number(rank)] = v as number
  return out
}

/** The site's velocity thresholds: its adaptive V0 levels if it has a calibration, else `fallback`. */
export function siteVelocityThresholds(fallback: LevelThresholds, overrides: DisplacementOverrides): LevelThresholds {
  const a = overrides.adaptiveV0 as AdaptiveV0Override | undefined
  return a === undefined ? fallback : adaptiveThresholds(resolveAdaptiveV0(a))
}

export function compileDisplacementModels(t: DisplacementTable, overrides: DisplacementOverrides = {}): DisplacementModelRules {
  const h = t.velocityHistory
  const a = t.acceleration
  const f = t.forecast
  const veqOverride = overrides.constantVelocityMmPerDay as ConstantVelocityOverride | undefined
  const veqMmPerDay: Partial<Record<SensorType, number | undefined>> =
    veqOverride === undefined ? {} : typeof veqOverride === 'number' ? { gnss: veqOverride, crack: veqOverride, deep_disp: veqOverride } : { ...veqOverride }
  return Object.freeze({
    history: Object.freeze({ bucketMs: h.bucketH * HOUR_MS, capacity: Math.ceil(h.windowH / h.bucketH), windowMs: h.windowH * HOUR_MS }),
    tangent: Object.freeze({
      thresholdsDeg: tangentAngleThresholds(t.tangentAngle),
      referenceMinSpanMs: t.tangentAngle.referenceMinSpanH * HOUR_MS,
      smoothMs: t.tangentAngle.smoothH * HOUR_MS,
      minReferenceMmPerDay: t.tangentAngle.minReferenceMmPerDay,
      minStandardErrors: t.tangentAngle.minStandardErrors,
      veqMmPerDay: Object.freeze(veqMmPerDay)
    }),
    acceleration: Object.freeze({
      spanMs: a.spanH * HOUR_MS,
      minSamples: a.minSamples,
      lookbackMs: a.lookbackH * HOUR_MS,
      minSpanMs: a.minSpanH * HOUR_MS,
      // Energies 2021, 14(4):1091: yellow only.
      thresholdsMmPerDay2: byRank({ 2: a.yellowMmPerDay2 })
    }),
    forecast: Object.freeze({
      onsetRatio: f.onsetRatio,
      minPoints: f.minPoints,
      minR2: f.minR2,
      minSpanMs: f.minSpanH * HOUR_MS,
      redWithinMs: f.redWithinH * HOUR_MS,
      stepMs: f.stepMin * 60_000,
      maxPoints: f.maxPoints,
      // Red only (domain.md §3: the second red indicator); the value is hours to t_f, red at ≤ this.
      thresholdsH: byRank({ 4: f.redWithinH })
    })
  })
}
