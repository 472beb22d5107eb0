import { z } from 'zod'
import { levelRank, type SensorType } from '../domain/index.js'
import { levelThresholdsSchema, type LevelThresholds } from './tables-common.js'
import type { RuleTables } from './tables.js'
import type { RangeRule, RiseTable } from './tables-sensors.js'

/**
 * The compiled rules of the other sensors, the data-quality ranges and the combination caps: the
 * part of SiteRules (site-rules.ts `other`) this helper's modules read. Levels become ranks here.
 */

/** Per-site overrides of these tables (`site.rules.<key>`), checked key by key in site-rules.ts. */
export const OTHER_OVERRIDE_SCHEMAS = {
  /** The site-configured mud stage (domain.md §3: "site-configured stage"). */
  mudStageM: levelThresholdsSchema,
  /** A fixed V0 for the site (no learning): groundwater in m/d, pore pressure in kPa/d. */
  groundwaterV0MPerDay: z.number().finite().positive(),
  porePressureV0KpaPerDay: z.number().finite().positive()
} as const

export interface CompiledRise {
  v0PerDay: number
  /** True when the site fixed V0: no learning. */
  fixed: boolean
  calibrationDays: number
  minV0PerDay: number
}

export interface CombinationRanks {
  aloneMax: number
  rainFlagMax: number
  rainFlagAloneMax: number
  groundwaterStepsAboveDisplacement: number
  groundwaterMax: number
  secondaryMax: number
  debrisMudStage: number
  debrisRainMin: number
  debrisTriggerMin: number
}

export interface OtherRules {
  groundwater: {
    spanMs: number
    minSpanMs: number
    multiples: { yellow: number; orange: number; red: number }
    blueOfV0: number
    groundwater: CompiledRise
    pore_pressure: CompiledRise
  }
  mudStageM: Float64Array
  trigger: { rank: number; byType: Readonly<Partial<Record<SensorType, { field: string; threshold: number }>>> }
  secondary: { baselineSamples: number; tiltDeg: Float64Array; accelG: Float64Array }
  ranges: Readonly<Partial<Record<SensorType, RangeRule>>>
  combination: CombinationRanks
}

const HOUR_MS = 3_600_000

function byRank(t: LevelThresholds): Float64Array {
  const out = new Float64Array(5).fill(Number.NaN)
  for (const [level, v] of Object.entries(t)) if (v !== undefined) out[levelRank(level as 'blue')] = v
  return out
}

function rise(t: RiseTable, fixedV0: unknown): CompiledRise {
  const fixed = typeof fixedV0 === 'number'
  const v0 = fixed ? fixedV0 : t.v0PerDay
  return { v0PerDay: v0, fixed, calibrationDays: t.calibrationDays, minV0PerDay: t.minV0OfConfigured * v0 }
}

export function compileOtherRules(tables: RuleTables, overrides: Readonly<Record<string, unknown>> = {}): OtherRules {
  const g = tables.groundwater
  const c = tables.grading.combination
  const t = tables.trigger
  return Object.freeze({
    groundwater: Object.freeze({
      spanMs: g.spanH * HOUR_MS,
      minSpanMs: g.minSpanH * HOUR_MS,
      multiples: g.multiples,
      blueOfV0: g.blueOfV0,
      groundwater: rise(g.groundwater, overrides.groundwaterV0MPerDay),
      pore_pressure: rise(g.pore_pressure, overrides.porePressureV0KpaPerDay)
    }),
    mudStageM: byRank((overrides.mudStageM as LevelThresholds | undefined) ?? tables.mud.stageM),
    trigger: Object.freeze({ rank: levelRank(t.level), byType: Object.freeze({ infrasound: t.infrasound, vibration: t.vibration, ground_sound: t.ground_sound }) }),
    secondary: Object.freeze({ baselineSamples: tables.secondary.baselineSamples, tiltDeg: byRank(tables.secondary.tiltDeg), accelG: byRank(tables.secondary.accelG) }),
    ranges: tables.dataQuality.ranges,
    combination: Object.freeze({
      aloneMax: levelRank(c.aloneMax),
      rainFlagMax: levelRank(c.rainFlagMax),
      rainFlagAloneMax: levelRank(c.rainFlagAloneMax),
      groundwaterStepsAboveDisplacement: c.groundwaterStepsAboveDisplacement,
      groundwaterMax: levelRank(c.groundwaterMax),
      secondaryMax: levelRank(c.secondaryMax),
      debrisMudStage: levelRank(c.debrisMudStage),
      debrisRainMin: levelRank(c.debrisRainMin),
      debrisTriggerMin: levelRank(c.debrisTriggerMin)
    })
  })
}
