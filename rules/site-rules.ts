import { z } from 'zod'
import { ALERT_LEVELS, levelRank, type SensorType } from '../domain/index.js'
import { mergeRuleLayers, regionLayers, ruleLayerSchema, siteLayers, type LayeredRules } from '../domain/rule-layers.js'
import { baseOf, mergeAndValidate, regionTables, type LayeredRuleTables } from './rule-layers.js'
import { compileRainModel, type RainModelRules } from './tables-rain.js'
import { compileOtherRules, OTHER_OVERRIDE_SCHEMAS, type OtherRules } from './sensor-rules.js'
import { compileDisplacementModels, DISPLACEMENT_OVERRIDE_SCHEMAS, siteVelocityThresholds, type DisplacementModelRules } from './displacement-rules.js'
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
  dwellHByFamily: z.partialRecord(z.enum(FAMILIES), z.number().positive()),
  ...OTHER_OVERRIDE_SCHEMAS,
  ...DISPLACEMENT_OVERRIDE_SCHEMAS
} as const
type OverrideKey = keyof typeof OVERRIDE_SCHEMAS

/**
 * What resolveSiteRules accepted: the shortcut keys, plus `effective`, the tables the site runs
 * when regional layers or `rules.tables` change them (the shortcuts still apply on top).
 */
export type SiteOverrides = Partial<Record<OverrideKey, unknown>> & { effective?: RuleTables; tables?: Record<string, unknown> }

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
  /** Rain events, intensity–duration curves, antecedent rainfall (tables-rain.ts). */
  rainModel: RainModelRules
  velocityMmPerDay: Float64Array
  regression: { spanMs: number; minSamples: number; maxSamples: number; lookbackMs: number; minSpanMs: number }
  grossError: { k: number; floorMm: number; sensorTypes: readonly SensorType[] }
  /** Velocities below this many standard errors of their fit grade as no movement. */
  minStandardErrors: number
  /** Tangent angle, acceleration, inverse-velocity forecast (displacement-rules.ts). */
  displacementModels: DisplacementModelRules
  persistence: Readonly<Record<Family, Persistence>>
  dwellMs: Readonly<Record<Family, number>>
  /** The longest dwell: used when no indicator says which applies (e.g. after a restart). */
  maxDwellMs: number
  /** Groundwater, mud, trigger, secondary, data-quality ranges, combination caps (sensor-rules.ts). */
  other: OtherRules
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

const compiledRegions = new WeakMap<RuleTables, SiteRules>()

export function compileSiteRules(tables: RuleTables, overrides: SiteOverrides = {}): SiteRules {
  const effective = overrides.effective
  if (effective === undefined) return compile(tables, overrides)
  // Sites of one county with no own shortcuts share one compiled object, as default sites do.
  const shared = Object.keys(overrides).every((k) => k === 'effective' || k === 'tables') && overrides.tables === undefined
  if (!shared) return compile(effective, overrides)
  let rules = compiledRegions.get(effective)
  if (rules === undefined) {
    rules = compile(effective, {})
    compiledRegions.set(effective, rules)
  }
  return rules
}

function compile(tables: RuleTables, overrides: SiteOverrides): SiteRules {
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
    rainModel: compileRainModel(tables.rain),
    // A site's adaptive V0 calibration replaces its velocity thresholds (displacement-rules.ts).
    velocityMmPerDay: thresholdsByRank(siteVelocityThresholds((overrides.velocityMmPerDay as LevelThresholds | undefined) ?? tables.displacement.velocityMmPerDay, overrides)),
    regression: Object.freeze({ spanMs: r.spanH * HOUR_MS, minSamples: r.minSamples, maxSamples: r.maxSamples, lookbackMs: r.lookbackH * HOUR_MS, minSpanMs: r.minSpanH * HOUR_MS }),
    grossError: tables.displacement.grossError,
    minStandardErrors: r.minStandardErrors,
    displacementModels: compileDisplacementModels(tables.displacement, overrides),
    persistence: Object.freeze(persistence),
    dwellMs: Object.freeze(dwellMs),
    maxDwellMs: Math.max(...Object.values(dwellMs)),
    other: compileOtherRules(tables, overrides)
  })
}

/**
 * Validate `site.rules` over the site's regional tables (its county's layers, rules/rule-layers.ts).
 * The problems name the site and key; the result keeps the layer below for every bad key.
 */
export function resolveSiteRules(
  tables: RuleTables,
  siteId: string,
  raw: Record<string, unknown> | undefined,
  county?: string
): { overrides: SiteOverrides; problems: string[] } {
  const overrides: SiteOverrides = {}
  const problems: string[] = []
  let base = tables
  if (county !== undefined) {
    const regional = regionTables(tables, county)
    if (regional.ok) base = regional.value
    else problems.push(...regional.reason.map((p) => `${p} (regional layers ignored)`))
  }
  if (raw !== undefined && raw.tables !== undefined) {
    const shape = ruleLayerSchema.safeParse(raw.tables)
    const merged = shape.success ? mergeAndValidate(base, [{ source: `site:${siteId}`, patch: shape.data }], `site ${siteId}: rules.tables`) : undefined
    if (!shape.success) problems.push(...zodProblems(shape.error, `site ${siteId}: rules.tables`).map((p) => `${p} (default kept)`))
    else if (merged !== undefined && !merged.ok) problems.push(...merged.reason.map((p) => `${p} (default kept)`))
    else if (merged !== undefined) {
      base = merged.value
      overrides.tables = shape.data
    }
  }
  if (base !== tables) overrides.effective = base
  if (raw === undefined) return { overrides, problems }
  const ids = new Set(base.rain.windows.map((w) => w.id))
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'tables') continue
    if (!(key in OVERRIDE_SCHEMAS)) {
      problems.push(`site ${siteId}: rules.${key}: unknown override (known: tables, ${Object.keys(OVERRIDE_SCHEMAS).join(', ')})`)
      continue
    }
    const parsed = OVERRIDE_SCHEMAS[key as OverrideKey].safeParse(value)
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error, `site ${siteId}: rules.${key}`).map((p) => `${p} (default kept)`))
      continue
    }
    if (key === 'rainThresholdsMm') {
      const unknown = Object.keys(parsed.data as object).filter((id) => !ids.has(id))
      if (unknown.length > 0) {
        problems.push(`site ${siteId}: rules.rainThresholdsMm: unknown window ${unknown.join(', ')} (table has ${[...ids].join(', ')}; default kept)`)
        continue
      }
    }
    overrides[key as OverrideKey] = parsed.data
  }
  return { overrides, problems }
}

export interface SiteRulesExplained extends LayeredRules {
  /** Every rejected layer or value; rejected parts are not in `effective`. */
  problems: string[]
}

/**
 * The effective rule table of a site and, for every leaf, the layer it came from (`default`,
 * `province:51`, `city:5132`, `county:513221`, `site:<id>`). Built from what resolveSiteRules
 * accepted, so it shows what the engine runs.
 */
export function explainSiteRules(tables: RuleTables, site: { id: string; county: string; rules?: Record<string, unknown> | undefined }): SiteRulesExplained {
  const { overrides, problems } = resolveSiteRules(tables, site.id, site.rules, site.county)
  const layers = regionTables(tables, site.county).ok ? regionLayers((tables as LayeredRuleTables).overrides, site.county) : []
  const { effective, ...accepted } = overrides
  const own = siteLayers(site.id, accepted, baseOf(effective ?? tables))
  return { ...mergeRuleLayers(baseOf(tables), [...layers, ...own.layers]), problems }
}
