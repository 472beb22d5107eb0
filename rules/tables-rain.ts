import { z } from 'zod'
import { levelRank } from '../domain/index.js'
import { checkIncreasing, positiveMm } from './tables-common.js'

/**
 * The rain table (domain.md §3 "Rainfall"): sliding windows and their thresholds, the rain-event
 * intensity–duration curves and the effective antecedent rainfall. Provinces ship their own table
 * (config/rules-default.json: Jianghua County; config/rules-cma.json: CMA rainstorm signals).
 */

const MAX_WINDOW_MIN = 7 * 24 * 60
const HOUR_MS = 3_600_000

/** A window may carry no thresholds at all: its sum is computed and shown, never graded. */
const windowThresholdsSchema = z
  .object({ blue: positiveMm.optional(), yellow: positiveMm.optional(), orange: positiveMm.optional(), red: positiveMm.optional() })
  .strict()
  .superRefine(checkIncreasing)

export const rainWindowSchema = z
  .object({
    /** Becomes the indicator name `rain.<id>`. */
    id: z.string().regex(/^\d+(min|h|d)$/, 'a window id looks like 10min, 1h or 3d'),
    windowMin: z.number().int().positive().max(MAX_WINDOW_MIN, `a window is at most ${MAX_WINDOW_MIN} min`),
    thresholdsMm: windowThresholdsSchema.default({})
  })
  .strict()

export const idCurveSchema = z
  .object({
    /** Becomes the indicator name `rain.id.<id>`. */
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a curve id is lower-case letters, digits and dashes'),
    // A flag, never red on its own (domain.md §3).
    level: z.enum(['blue', 'yellow', 'orange']),
    scaleMmPerH: z.number().finite().positive(),
    exponent: z.number().finite().max(0),
    /** The duration range the curve was fitted on, hours. */
    durationH: z
      .object({ min: z.number().finite().positive(), max: z.number().finite().positive() })
      .strict()
      .refine((d) => d.min < d.max, { message: 'min must be below max', path: ['min'] }),
    source: z.string().min(1)
  })
  .strict()
export type IdCurveTable = z.infer<typeof idCurveSchema>

export const rainEventSchema = z
  .object({
    source: z.string().min(1),
    /** Rain-free hours that end an event and let the next one start. */
    dryH: z.number().positive().max(7 * 24),
    /** No intensity–duration flag before the event lasts this long (I = P/D explodes as D → 0). */
    minDurationH: z.number().positive(),
    curves: z.array(idCurveSchema).max(8)
  })
  .strict()
  .superRefine((e, ctx) => {
    const seen = new Set<string>()
    for (const [i, c] of e.curves.entries()) {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['curves', i, 'id'], message: `duplicate curve ${c.id}` })
      seen.add(c.id)
    }
  })

export const antecedentSchema = z
  .object({
    source: z.string().min(1),
    /** Daily decay factor. */
    k: z.number().gt(0).max(1),
    /** n: days before today that count. */
    days: z.number().int().min(0).max(60),
    /** Hour (UTC) at which a rain day begins; 16 = midnight Beijing time. */
    dayStartUtcH: z.number().min(0).lt(24)
  })
  .strict()

/** Used when a province's table leaves a part out; the shipped files state them too. */
const DEFAULT_READING_PERIOD_MAX_H = 24

const DEFAULT_EVENT: z.output<typeof rainEventSchema> = {
  source:
    'Dry spell 6 h ends an event (domain.md §3, our choice); no flag before 1 h (our choice). Curves: Guzzetti et al. 2008 global minimum (0.1–1000 h); Caine 1980 (10 min–10 days)',
  dryH: 6,
  minDurationH: 1,
  curves: [
    { id: 'guzzetti', level: 'yellow', scaleMmPerH: 2.2, exponent: -0.44, durationH: { min: 0.1, max: 1000 }, source: 'Guzzetti et al. 2008, Landslides 5:3–17, global minimum I = 2.20·D^−0.44 (domain.md §3)' },
    { id: 'caine', level: 'orange', scaleMmPerH: 14.82, exponent: -0.39, durationH: { min: 0.167, max: 240 }, source: 'Caine 1980, Geografiska Annaler 62A:23–27, I = 14.82·D^−0.39 (domain.md §3)' }
  ]
}

const DEFAULT_ANTECEDENT: z.output<typeof antecedentSchema> = {
  source: 'R_eff = Σ k^i·P_i over daily sums, k = 0.8, n = 15 d (domain.md §3, configurable); days start at 00:00 Beijing time (our choice); no sourced level thresholds: shown only',
  k: 0.8,
  days: 15,
  dayStartUtcH: 16
}

export const rainTableSchema = z
  .object({
    profile: z.string().min(1),
    source: z.string().min(1),
    windows: z.array(rainWindowSchema).min(1).max(16),
    /** A reading's rain is spread over the time since the gauge's previous reading, at most this long. */
    readingPeriodMaxH: z.number().positive().max(31 * 24).default(DEFAULT_READING_PERIOD_MAX_H),
    event: rainEventSchema.default(() => structuredClone(DEFAULT_EVENT)),
    antecedent: antecedentSchema.default(() => ({ ...DEFAULT_ANTECEDENT }))
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>()
    for (const [i, w] of t.windows.entries()) {
      if (seen.has(w.id)) ctx.addIssue({ code: 'custom', path: ['windows', i, 'id'], message: `duplicate window ${w.id}` })
      seen.add(w.id)
    }
  })
export type RainTable = z.infer<typeof rainTableSchema>

export interface CompiledIdCurve {
  id: string
  indicator: string
  /** Level rank of the flag (1 blue … 3 orange). */
  rank: number
  scaleMmPerH: number
  exponent: number
  /** max(our minimum event duration, the curve's fitted minimum), hours. */
  minDurationH: number
  maxDurationH: number
}

/** The rain-event and antecedent settings, compiled for the hot path. */
export interface RainModelRules {
  readingPeriodMaxMs: number
  dryMs: number
  curves: readonly CompiledIdCurve[]
  antecedent: { indicator: string; k: number; days: number; dayStartMs: number }
}

export function compileRainModel(t: RainTable): RainModelRules {
  return Object.freeze({
    readingPeriodMaxMs: t.readingPeriodMaxH * HOUR_MS,
    dryMs: t.event.dryH * HOUR_MS,
    curves: Object.freeze(
      t.event.curves.map((c) =>
        Object.freeze({
          id: c.id,
          indicator: `rain.id.${c.id}`,
          rank: levelRank(c.level),
          scaleMmPerH: c.scaleMmPerH,
          exponent: c.exponent,
          minDurationH: Math.max(t.event.minDurationH, c.durationH.min),
          maxDurationH: c.durationH.max
        })
      )
    ),
    antecedent: Object.freeze({ indicator: 'rain.eff', k: t.antecedent.k, days: t.antecedent.days, dayStartMs: t.antecedent.dayStartUtcH * HOUR_MS })
  })
}
