import { z } from 'zod'
import { ALERT_LEVELS, SENSOR_TYPES } from '../domain/index.js'
import { levelThresholdsSchema } from './tables-common.js'

/**
 * Tables of the other sensors (domain.md §3 "Other sensors"), the data-quality ranges ("Device
 * health") and the combination caps ("Combination, hysteresis, clearing"). Numbers without a
 * published source are marked "our choice" in the JSON `source` fields and are configurable.
 */

const positive = z.number().finite().positive()
const alertLevel = z.enum(ALERT_LEVELS)

/**
 * Groundwater / pore pressure: daily rise against a site baseline, V0 scheme as for displacement
 * (Outang: V0 = 1.5·mean + 2σ of the calibration rates; yellow ≥ V0, orange ≥ 5·V0, red ≥ 10·V0,
 * blue ≥ V0 − σ). Until calibrated, the configured V0 applies (blue then at `blueOfV0`·V0).
 */
export const riseSchema = z
  .object({
    /** Starting / fallback V0, in unit per day (groundwater m/d, pore pressure kPa/d). */
    v0PerDay: positive,
    /** Daily rates collected before the learned V0 replaces the configured one (30 days in the Outang scheme). */
    calibrationDays: z.number().int().min(2).max(365),
    /** The learned V0 never falls below this share of the configured one (a flat baseline has σ ≈ 0). */
    minV0OfConfigured: z.number().positive().max(1)
  })
  .strict()
export type RiseTable = z.infer<typeof riseSchema>

export const groundwaterTableSchema = z
  .object({
    source: z.string().min(1),
    /** The rise is measured over this span (a "daily" rise), or over what exists once `minSpanH` is covered. */
    spanH: positive,
    minSpanH: positive,
    /** Level multiples of V0 (Outang scheme). */
    multiples: z.object({ yellow: positive, orange: positive, red: positive }).strict(),
    /** Blue at this share of V0 while V0 is the configured one (no σ yet; our choice). */
    blueOfV0: z.number().positive().max(1),
    groundwater: riseSchema,
    pore_pressure: riseSchema
  })
  .strict()
  .refine((t) => t.minSpanH <= t.spanH, { message: 'minSpanH must not exceed spanH', path: ['minSpanH'] })
export type GroundwaterTable = z.infer<typeof groundwaterTableSchema>

/** Mud level (debris flow): stage thresholds in metres; per site in practice (`rules.mudStageM`). */
export const mudTableSchema = z.object({ source: z.string().min(1), stageM: levelThresholdsSchema }).strict()
export type MudTable = z.infer<typeof mudTableSchema>

const triggerRuleSchema = z.object({ field: z.string().min(1), threshold: positive }).strict()

/** Infrasound / vibration: a value at or above the threshold fires the trigger, rated `level`. */
export const triggerTableSchema = z
  .object({
    source: z.string().min(1),
    level: alertLevel,
    infrasound: triggerRuleSchema,
    ground_sound: triggerRuleSchema,
    vibration: triggerRuleSchema
  })
  .strict()
export type TriggerTable = z.infer<typeof triggerTableSchema>

/** Tilt and acceleration change against the baseline (mean of the first samples): low levels only. */
export const secondaryTableSchema = z
  .object({
    source: z.string().min(1),
    baselineSamples: z.number().int().min(1).max(64),
    tiltDeg: levelThresholdsSchema,
    accelG: levelThresholdsSchema
  })
  .strict()
  .superRefine((t, ctx) => {
    for (const key of ['tiltDeg', 'accelG'] as const) {
      if (t[key].orange !== undefined || t[key].red !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'secondary indicators grade blue and yellow only' })
    }
  })
export type SecondaryTable = z.infer<typeof secondaryTableSchema>

const rangeSchema = z
  .object({ fields: z.array(z.string().min(1)).min(1), min: z.number().finite(), max: z.number().finite() })
  .strict()
  .refine((r) => r.min < r.max, { message: 'min must be below max', path: ['max'] })
export type RangeRule = z.infer<typeof rangeSchema>

/** Physical range per sensor type (domain.md §3 "Device health"); a sensor record's `range` overrides it. */
export const dataQualityTableSchema = z
  .object({ source: z.string().min(1), ranges: z.partialRecord(z.enum(SENSOR_TYPES), rangeSchema) })
  .strict()
export type DataQualityTable = z.infer<typeof dataQualityTableSchema>

/** The combination caps (domain.md §3); levels by name. */
export const combinationSchema = z
  .object({
    source: z.string().min(1),
    /** Highest level one indicator (or one family) reaches without a second independent one. */
    aloneMax: alertLevel,
    rainFlagMax: alertLevel,
    /**
     * A rain flag with no second indicator shows at most this level (our choice, default blue): the
     * Guzzetti minimum is reached by 24 h of 1 mm/h, an ordinary wet-season day, and yellow obliges
     * rescue teams to stand by. Paired with another indicator a flag counts up to `rainFlagMax`.
     */
    rainFlagAloneMax: alertLevel.default('blue'),
    groundwaterStepsAboveDisplacement: z.number().int().min(0).max(3),
    groundwaterMax: alertLevel,
    secondaryMax: alertLevel,
    /** Debris-flow sites: the mud level counts as "at stage" from this level. */
    debrisMudStage: alertLevel,
    /** …and with rain (or a rain flag) at this level → orange; with a trigger at this level → red. */
    debrisRainMin: alertLevel,
    debrisTriggerMin: alertLevel
  })
  .strict()
export type CombinationTable = z.infer<typeof combinationSchema>
