import { z } from 'zod'
import { ALERT_LEVELS } from '../domain/index.js'

/** Schemas every family's table uses. */

export const positiveMm = z.number().finite().positive()

export function checkIncreasing(t: Partial<Record<string, number>>, ctx: z.RefinementCtx): void {
  let previous: { level: string; value: number } | undefined
  for (const level of ALERT_LEVELS) {
    const value = t[level]
    if (value === undefined) continue
    if (previous !== undefined && value <= previous.value) {
      ctx.addIssue({ code: 'custom', path: [level], message: `${level} (${value}) must be above ${previous.level} (${previous.value})` })
    }
    previous = { level, value }
  }
}

/** Thresholds of one indicator; a level may be absent (the CMA profile has one window per level). */
export const levelThresholdsSchema = z
  .object({ blue: positiveMm.optional(), yellow: positiveMm.optional(), orange: positiveMm.optional(), red: positiveMm.optional() })
  .strict()
  .superRefine((t, ctx) => {
    if (ALERT_LEVELS.every((l) => t[l] === undefined)) ctx.addIssue({ code: 'custom', message: 'needs at least one level' })
    checkIncreasing(t, ctx)
  })
export type LevelThresholds = z.infer<typeof levelThresholdsSchema>

/** All four levels required. */
export const fullThresholdsSchema = z
  .object({ blue: positiveMm, yellow: positiveMm, orange: positiveMm, red: positiveMm })
  .strict()
  .superRefine(checkIncreasing)
export type FullThresholds = z.infer<typeof fullThresholdsSchema>
