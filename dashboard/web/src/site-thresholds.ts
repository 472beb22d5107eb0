import type { AlertLevel } from '../../../domain/levels.js'
import type { SensorType } from '../../../domain/sensors.js'

/**
 * The thresholds and model settings the site charts draw, read from the site's effective rule
 * table (`GET /api/sites/:id/rules` → `effective`, the merge of config/rules-default.json and its
 * layers). The table is the rules service's to validate (rules/tables-*.ts); here it is plain
 * JSON, so every read checks its type and a missing or odd value is simply not drawn.
 */

export interface LevelLine {
  level: AlertLevel
  value: number
}

export interface DisplacementSettings {
  spanMs: number
  minSamples: number
  smoothMs: number
  historyMs: number
  referenceMinSpanMs: number
  minReferenceMmPerDay: number
}

const HOUR_MS = 3_600_000
const LEVELS: readonly AlertLevel[] = ['blue', 'yellow', 'orange', 'red']
type Json = Readonly<Record<string, unknown>>

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

function at(root: unknown, ...path: string[]): unknown {
  let v: unknown = root
  for (const key of path) v = obj(v)?.[key]
  return v
}

/** `{ blue, yellow, orange, red }` → lines, lowest first; absent (or null, a site's "not used") levels left out. */
export function levelLines(table: unknown): LevelLine[] {
  const t = obj(table)
  if (t === undefined) return []
  return LEVELS.flatMap((level) => {
    const value = num(t[level])
    return value === undefined ? [] : [{ level, value }]
  })
}

/** A rain window's thresholds by its id (`1h`, `24h`, …). */
export function rainWindowLines(effective: unknown, windowId: string): LevelLine[] {
  const windows = at(effective, 'rain', 'windows')
  if (!Array.isArray(windows)) return []
  const w = windows.map(obj).find((x) => x?.id === windowId)
  return levelLines(w?.thresholdsMm)
}

export function velocityLines(effective: unknown): LevelLine[] {
  return levelLines(at(effective, 'displacement', 'velocityMmPerDay'))
}

/** Tangent-angle levels (rules/tangent-angle.ts): blue 45° − band, yellow 45° + band, orange, red. */
export function tangentAngleLines(effective: unknown): LevelLine[] {
  const t = at(effective, 'displacement', 'tangentAngle')
  const band = num(at(t, 'steadyBandDeg'))
  const orange = num(at(t, 'orangeDeg'))
  const red = num(at(t, 'redDeg'))
  if (band === undefined || orange === undefined || red === undefined) return []
  return [
    { level: 'blue', value: 45 - band },
    { level: 'yellow', value: 45 + band },
    { level: 'orange', value: orange },
    { level: 'red', value: red }
  ]
}

export function displacementSettings(effective: unknown): DisplacementSettings {
  const d = at(effective, 'displacement')
  const h = (v: unknown, fallback: number): number => (num(v) ?? fallback) * HOUR_MS
  return {
    spanMs: h(at(d, 'regression', 'spanH'), 6),
    minSamples: num(at(d, 'regression', 'minSamples')) ?? 5,
    smoothMs: h(at(d, 'tangentAngle', 'smoothH'), 24),
    historyMs: h(at(d, 'velocityHistory', 'windowH'), 168),
    referenceMinSpanMs: h(at(d, 'tangentAngle', 'referenceMinSpanH'), 24),
    minReferenceMmPerDay: num(at(d, 'tangentAngle', 'minReferenceMmPerDay')) ?? 1
  }
}

/** The site's fixed v_eq (`rules.constantVelocityMmPerDay`: one number or one per sensor type), if any. */
export function configuredVeq(effective: unknown, type: SensorType): number | undefined {
  const v = at(effective, 'siteOnly', 'constantVelocityMmPerDay')
  return num(v) ?? num(obj(v)?.[type])
}

/** True when the site's velocity levels come from its adaptive V0, not from the table's lines. */
export function hasAdaptiveV0(effective: unknown): boolean {
  return at(effective, 'siteOnly', 'adaptiveV0') !== undefined
}

export function mudStageLines(effective: unknown): LevelLine[] {
  return levelLines(at(effective, 'mud', 'stageM'))
}

/**
 * Rise-rate levels of groundwater or pore pressure with the configured V0 (rules/groundwater.ts:
 * blue `blueOfV0`·V0, then the multiples). A site's learned V0 replaces it after calibration; the
 * dashboard cannot see that state, so the lines are the starting V0's.
 */
export function riseLines(effective: unknown, type: 'groundwater' | 'pore_pressure'): LevelLine[] {
  const g = at(effective, 'groundwater')
  const v0 = num(at(g, type, 'v0PerDay'))
  const blueOf = num(at(g, 'blueOfV0'))
  if (v0 === undefined) return []
  const lines: LevelLine[] = []
  if (blueOf !== undefined) lines.push({ level: 'blue', value: blueOf * v0 })
  for (const level of ['yellow', 'orange', 'red'] as const) {
    const m = num(at(g, 'multiples', level))
    if (m !== undefined) lines.push({ level, value: m * v0 })
  }
  return lines
}

export function riseSpan(effective: unknown): { spanMs: number; minSpanMs: number } {
  const g = at(effective, 'groundwater')
  return { spanMs: (num(at(g, 'spanH')) ?? 24) * HOUR_MS, minSpanMs: (num(at(g, 'minSpanH')) ?? 6) * HOUR_MS }
}
