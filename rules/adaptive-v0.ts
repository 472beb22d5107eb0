import { z } from 'zod'
import { fail, ok, type Result } from '../domain/index.js'
import type { FullThresholds } from './tables-common.js'

/**
 * Site-adaptive velocity levels, the Outang landslide scheme (domain.md §3): from a calibration
 * period of 30-day rates, leaving out the months the slope was accelerating,
 * V0 = 1.5·mean + 2σ; yellow v ≥ V0, orange ≥ 5·V0, red ≥ 10·V0; blue v ≥ V0 − σ (by analogy).
 * Pure: a site's calibration in, its velocity thresholds out.
 */

// Outang scheme factors, domain.md §3.
const MEAN_FACTOR = 1.5
const SIGMA_FACTOR = 2
const ORANGE_FACTOR = 5
const RED_FACTOR = 10
/** Our choice: a standard deviation from fewer calm months says little about the site. */
export const MIN_CALIBRATION_MONTHS = 3

export interface AdaptiveV0 {
  v0MmPerDay: number
  sigmaMmPerDay: number
}

export interface Calibration extends AdaptiveV0 {
  meanMmPerDay: number
  /** Months used and left out as accelerating. */
  monthsUsed: number
  monthsExcluded: number
}

const rate = z.number().finite().nonnegative()
/** A 30-day mean rate, mm/day; `accelerating` months are left out of the calibration. */
export const monthlyRateSchema = z.union([rate, z.object({ rateMmPerDay: rate, accelerating: z.boolean().default(false) }).strict()])
export type MonthlyRate = z.input<typeof monthlyRateSchema>

/**
 * Per-site override `rules.adaptiveV0`: the calibration itself, or the monthly rates to compute it
 * from. When present it replaces the site's velocity thresholds.
 */
export const adaptiveV0OverrideSchema = z.union([
  z
    .object({ v0MmPerDay: z.number().finite().positive(), sigmaMmPerDay: z.number().finite().nonnegative() })
    .strict()
    .refine((o) => o.sigmaMmPerDay < o.v0MmPerDay, { message: 'sigmaMmPerDay must be below v0MmPerDay (blue is V0 − σ)', path: ['sigmaMmPerDay'] }),
  z
    .object({ monthlyRatesMmPerDay: z.array(monthlyRateSchema).min(1) })
    .strict()
    .superRefine((o, ctx) => {
      const c = calibrateV0(o.monthlyRatesMmPerDay)
      if (!c.ok) ctx.addIssue({ code: 'custom', path: ['monthlyRatesMmPerDay'], message: c.reason })
    })
])
export type AdaptiveV0Override = z.output<typeof adaptiveV0OverrideSchema>

/** V0 and σ from monthly rates: mean and sample standard deviation (n − 1) of the calm months. */
export function calibrateV0(months: readonly MonthlyRate[]): Result<Calibration, string> {
  const calm: number[] = []
  let excluded = 0
  for (const m of months) {
    if (typeof m === 'number') calm.push(m)
    else if (m.accelerating === true) excluded++
    else calm.push(m.rateMmPerDay)
  }
  if (calm.length < MIN_CALIBRATION_MONTHS) {
    return fail(`needs at least ${MIN_CALIBRATION_MONTHS} months without acceleration, got ${calm.length}`)
  }
  const mean = calm.reduce((a, b) => a + b, 0) / calm.length
  const variance = calm.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (calm.length - 1)
  const sigma = Math.sqrt(variance)
  const v0 = MEAN_FACTOR * mean + SIGMA_FACTOR * sigma
  if (!(v0 > 0)) return fail('the calm months show no movement: V0 would be 0')
  return ok({ v0MmPerDay: v0, sigmaMmPerDay: sigma, meanMmPerDay: mean, monthsUsed: calm.length, monthsExcluded: excluded })
}

/** The velocity levels of a calibration (Outang scheme, domain.md §3). */
export function adaptiveThresholds(c: AdaptiveV0): FullThresholds {
  return {
    blue: c.v0MmPerDay - c.sigmaMmPerDay,
    yellow: c.v0MmPerDay,
    orange: ORANGE_FACTOR * c.v0MmPerDay,
    red: RED_FACTOR * c.v0MmPerDay
  }
}

/** An override's calibration; the schema has already refused months that cannot be calibrated. */
export function resolveAdaptiveV0(o: AdaptiveV0Override): AdaptiveV0 {
  if ('v0MmPerDay' in o) return o
  const c = calibrateV0(o.monthlyRatesMmPerDay)
  if (!c.ok) throw new Error(`adaptiveV0 override passed its schema but fails to calibrate: ${c.reason}`)
  return c.value
}
