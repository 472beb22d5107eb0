import { z } from 'zod'
import { ALERT_LEVELS, fail, ok, type Result } from '../domain/index.js'

/**
 * The rule tables (config/rules-default.json): rules are data, validated once here. Every number
 * in the shipped file names its source in a `source` field; config/rules-default.md explains them.
 */

/** Indicator families: each has its own persistence and falling dwell. Later evaluators add theirs. */
export const FAMILIES = ['rain', 'displacement'] as const
export type Family = (typeof FAMILIES)[number]

const positiveMm = z.number().finite().positive()

function checkIncreasing(t: Partial<Record<string, number>>, ctx: z.RefinementCtx): void {
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

const MAX_WINDOW_MIN = 7 * 24 * 60

export const rainWindowSchema = z
  .object({
    /** Becomes the indicator name `rain.<id>`. */
    id: z.string().regex(/^\d+(min|h|d)$/, 'a window id looks like 10min, 1h or 3d'),
    windowMin: z.number().int().positive().max(MAX_WINDOW_MIN, `a window is at most ${MAX_WINDOW_MIN} min`),
    thresholdsMm: levelThresholdsSchema
  })
  .strict()

export const rainTableSchema = z
  .object({
    profile: z.string().min(1),
    source: z.string().min(1),
    windows: z.array(rainWindowSchema).min(1).max(16)
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

export const regressionSchema = z
  .object({
    /** Trailing span the velocity is fitted over. */
    spanH: z.number().positive(),
    /** Fewer samples than this in the span: take the last `minSamples` instead (domain.md §3: 3+). */
    minSamples: z.number().int().min(3, 'a trailing regression needs at least 3 samples (domain.md §3)'),
    /** Ring size per channel: the fit never uses more. */
    maxSamples: z.number().int().min(3).max(1024),
    /** Samples older than this are never used, however few remain. */
    lookbackH: z.number().positive(),
    /** No grade until the fitted samples span this (our choice, 2 h): short spans turn noise into speed. */
    minSpanH: z.number().nonnegative().default(2),
    /** Graded only when |v| is at least this many standard errors of the fit (our choice, 3). */
    minStandardErrors: z.number().nonnegative().default(3)
  })
  .strict()
  .refine((r) => r.maxSamples >= r.minSamples, { message: 'maxSamples must be at least minSamples', path: ['maxSamples'] })
  .refine((r) => r.lookbackH >= r.spanH, { message: 'lookbackH must be at least spanH', path: ['lookbackH'] })
  .refine((r) => r.minSpanH <= r.lookbackH, { message: 'minSpanH must not exceed lookbackH', path: ['minSpanH'] })

/** Robust gross-error filter before the fit (domain.md §3: median filter on GNSS, |x − median| > 3σ → reject). */
export const grossErrorSchema = z
  .object({
    k: z.number().positive(),
    /** Never reject within this many mm of the robust line (a smooth series has σ ≈ 0). */
    floorMm: z.number().positive(),
    sensorTypes: z.array(z.enum(['gnss', 'crack', 'deep_disp'])).default(['gnss'])
  })
  .strict()

export const displacementTableSchema = z
  .object({
    source: z.string().min(1),
    velocityMmPerDay: fullThresholdsSchema,
    regression: regressionSchema,
    grossError: grossErrorSchema.default({ k: 3, floorMm: 5, sensorTypes: ['gnss'] })
  })
  .strict()

export const persistenceSchema = z
  .object({ k: z.number().int().min(1), n: z.number().int().min(1).max(16) })
  .strict()
  .refine((p) => p.k <= p.n, { message: 'k must not exceed n', path: ['k'] })
export type Persistence = z.infer<typeof persistenceSchema>

const familyRecord = <T extends z.ZodType>(value: T) => z.partialRecord(z.enum(FAMILIES), value)

export const gradingSchema = z
  .object({
    source: z.string().min(1),
    /** k of the last n evaluations of an indicator at ≥ a level before the site rises to it. */
    persistence: persistenceSchema,
    persistenceByFamily: familyRecord(persistenceSchema).default({}),
    /** Hours below a level before the site falls one level; the longest applicable dwell wins. */
    dwellH: z.number().positive(),
    dwellHByFamily: familyRecord(z.number().positive()).default({})
  })
  .strict()

export const ruleTablesSchema = z
  .object({
    version: z.literal(1),
    rain: rainTableSchema,
    displacement: displacementTableSchema,
    grading: gradingSchema
  })
  .strict()
export type RuleTables = z.infer<typeof ruleTablesSchema>

/** Every problem as `path: message`, so a bad file is fixed in one pass. */
export function zodProblems(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.')
    return `${path || '(root)'}: ${i.message}`
  })
}

export function loadRuleTables(json: unknown): Result<RuleTables, string[]> {
  const parsed = ruleTablesSchema.safeParse(json)
  return parsed.success ? ok(deepFreeze(parsed.data)) : fail(zodProblems(parsed.error))
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}
