import { z } from 'zod'
import { fail, ok, type Result } from '../domain/index.js'
import { FAMILIES } from './families.js'
import { displacementTableSchema } from './tables-displacement.js'
import { rainTableSchema } from './tables-rain.js'
import { combinationSchema, dataQualityTableSchema, groundwaterTableSchema, mudTableSchema, secondaryTableSchema, triggerTableSchema } from './tables-sensors.js'
import { DEFAULT_ESCALATION, escalationTableSchema } from './tables-escalation.js'

/**
 * The rule tables (config/rules-default.json): rules are data, validated once here. Every number
 * in the shipped file names its source in a `source` field; config/rules-default.md explains them.
 * Each family's table has a file of its own (tables-rain.ts, tables-displacement.ts, …); this file
 * puts them together.
 */

export { FAMILIES, type Family } from './families.js'
export * from './tables-common.js'
export * from './tables-displacement.js'
export * from './tables-rain.js'
export * from './tables-sensors.js'
export * from './tables-escalation.js'

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
    dwellHByFamily: familyRecord(z.number().positive()).default({}),
    /** Orange and red need two independent indicators (domain.md §3); the caps per family. */
    combination: combinationSchema
  })
  .strict()

export const ruleTablesSchema = z
  .object({
    version: z.literal(1),
    rain: rainTableSchema,
    displacement: displacementTableSchema,
    grading: gradingSchema,
    groundwater: groundwaterTableSchema,
    mud: mudTableSchema,
    trigger: triggerTableSchema,
    secondary: secondaryTableSchema,
    dataQuality: dataQualityTableSchema,
    escalation: escalationTableSchema.default(DEFAULT_ESCALATION)
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
