import { z } from 'zod'
import { ALERT_LEVELS, levelRank, type SensorType } from '../domain/index.js'
import {
  FAMILIES,
  fullThresholdsSchema,
  levelThresholdsSchema,
  persistenceSchema,
  zodProblems,
  type Family,
  type LevelThresholds,
  type Persistence,
  type RuleTables
} from './tables.js'

/**
 * Per-site overrides (`site.rules` in the registry). Each key is checked on its own: an invalid key
 * is reported and the table default is kept for it, the valid keys still apply.
 */
const OVERRIDE_SCHEMAS = {
  velocityMmPerDay: fullThresholdsSchema,
  rainThresholdsMm: z.record(z.string(), levelThresholdsSchema),
  persistence: persistenceSchema,
  dwellHByFamily: z.partialRecord(z.enum(FAMILIES), z.number().positive())
} as const
type OverrideKey = keyof typeof OVERRIDE_SCHEMAS

export interface CompiledRainWindow {
  id: string
  indicator: string
  windowMs: number
  /** Index = level rank (1 blue … 4 red); NaN where the level is not used. Index 0 unused. */
  thresholdsMm: Float64Array
}

/** The rules of one site, compiled for the hot path. Sites without overrides share one object. */
export interface SiteRules {
  rainWindows: readonly CompiledRainWindow[]
  velocityMmPerDay: Float64Array
  regression: { spanMs: number; minSamples: number; maxSamples: number; lookbackMs: number; minSpanMs: number }
  grossError: { k: number; floorMm: number; sensorTypes: readonly SensorType[] }
  /** Velocities below this many standard errors of their fit grade as no movement. */
  minStandardErrors: number
  persistence: Readonly<Record<Family, Persistence>>
  dwellMs: Readonly<Record<Family, number>>
  /** The longest dwell: used when no indicator says which applies (e.g. after a restart). */
  maxDwellMs: number
}

const HOUR_MS = 3_600_000

export function thresholdsByRank(t: LevelThresholds): Float64Array {
  const out = new Float64Array(ALERT_LEVELS.length + 1).fill(Number.NaN)
  for (const level of ALERT_LEVELS) {
    const v = t[level]
    if (v !== undefined) out[levelRank(level)] = v
  }
  return out
}

export function compileSiteRules(tables: RuleTables, overrides: Partial<Record<OverrideKey, unknown>> = {}): SiteRules {
  const rainOverride = (overrides.rainThresholdsMm ?? {}) as Record<string, LevelThresholds>
  const g = tables.grading
  const persistence = {} as Record<Family, Persistence>
  const dwellMs = {} as Record<Family, number>
  const dwellOverride = (overrides.dwellHByFamily ?? {}) as Partial<Record<Family, number>>
  for (const f of FAMILIES) {
    persistence[f] = (overrides.persistence as Persistence | undefined) ?? g.persistenceByFamily[f] ?? g.persistence
    dwellMs[f] = (dwellOverride[f] ?? g.dwellHByFamily[f] ?? g.dwellH) * HOUR_MS
  }
  const r = tables.displacement.regression
  return Object.freeze({
    rainWindows: Object.freeze(
      tables.rain.windows.map((w) =>
        Object.freeze({
          id: w.id,
          indicator: `rain.${w.id}`,
          windowMs: w.windowMin * 60_000,
          thresholdsMm: thresholdsByRank(rainOverride[w.id] ?? w.thresholdsMm)
        })
      )
    ),
    velocityMmPerDay: thresholdsByRank((overrides.velocityMmPerDay as LevelThresholds | undefined) ?? tables.displacement.velocityMmPerDay),
    regression: Object.freeze({ spanMs: r.spanH * HOUR_MS, minSamples: r.minSamples, maxSamples: r.maxSamples, lookbackMs: r.lookbackH * HOUR_MS, minSpanMs: r.minSpanH * HOUR_MS }),
    grossError: tables.displacement.grossError,
    minStandardErrors: r.minStandardErrors,
    persistence: Object.freeze(persistence),
    dwellMs: Object.freeze(dwellMs),
    maxDwellMs: Math.max(...Object.values(dwellMs))
  })
}

/** Validate `site.rules`; the problems name the site and key, the result keeps defaults for bad keys. */
export function resolveSiteRules(
  tables: RuleTables,
  siteId: string,
  raw: Record<string, unknown> | undefined
): { overrides: Partial<Record<OverrideKey, unknown>>; problems: string[] } {
  const overrides: Partial<Record<OverrideKey, unknown>> = {}
  const problems: string[] = []
  if (raw === undefined) return { overrides, problems }
  const windowIds = new Set(tables.rain.windows.map((w) => w.id))
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in OVERRIDE_SCHEMAS)) {
      problems.push(`site ${siteId}: rules.${key}: unknown override (known: ${Object.keys(OVERRIDE_SCHEMAS).join(', ')})`)
      continue
    }
    const parsed = OVERRIDE_SCHEMAS[key as OverrideKey].safeParse(value)
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error, `site ${siteId}: rules.${key}`).map((p) => `${p} (default kept)`))
      continue
    }
    if (key === 'rainThresholdsMm') {
      const unknown = Object.keys(parsed.data as object).filter((id) => !windowIds.has(id))
      if (unknown.length > 0) {
        problems.push(`site ${siteId}: rules.rainThresholdsMm: unknown window ${unknown.join(', ')} (table has ${[...windowIds].join(', ')}; default kept)`)
        continue
      }
    }
    overrides[key as OverrideKey] = parsed.data
  }
  return { overrides, problems }
}
