import { readFileSync } from 'node:fs'
import type { Reading, SensorType } from '../../domain/index.js'
import { loadRuleTables, type RuleTables } from '../../rules/tables.js'

export const MIN = 60_000
export const H = 60 * MIN
export const DAY = 24 * H
/** Fixed reading times: no test reads the real clock. */
export const T0 = Date.UTC(2026, 6, 27, 0, 0, 0)

export const DEFAULT_TABLES_PATH = new URL('../../config/rules-default.json', import.meta.url)

export function defaultTables(): RuleTables {
  const loaded = loadRuleTables(JSON.parse(readFileSync(DEFAULT_TABLES_PATH, 'utf8')))
  if (!loaded.ok) throw new Error(loaded.reason.join('\n'))
  return loaded.value
}

export function reading(
  type: SensorType,
  ts: number,
  fields: Record<string, number>,
  over: Partial<Pick<Reading, 'siteId' | 'deviceId' | 'sensorId' | 'county'>> = {}
): Reading {
  return {
    deviceId: over.deviceId ?? (type === 'rain' ? 'RG1' : 'GN1'),
    sensorId: over.sensorId ?? (type === 'rain' ? 'YL1' : 'S1'),
    type,
    siteId: over.siteId ?? 'S-JH-001',
    county: over.county ?? '431129',
    ts,
    fields
  }
}

export function rain(ts: number, intervalMm: number, over: Parameters<typeof reading>[3] = {}): Reading {
  return reading('rain', ts, { intervalMm }, over)
}
