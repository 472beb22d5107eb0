import { z } from 'zod'
import type { DeviceStatus, Reading, SensorType } from '../domain/index.js'
import type { RejectedPoint } from './store-error.js'

/**
 * Where readings live: SQLite (embedded default) or InfluxDB. Both implementations pass the one
 * contract suite in test/store/readings-contract.ts.
 */
export interface ReadingsStore {
  readonly kind: 'sqlite' | 'influxdb'
  /**
   * Write a batch. Idempotent on (deviceId, sensorId, ts): a redelivered reading overwrites itself.
   * Resolves only when the batch is durable; rejects if any of it may not be.
   */
  write(readings: readonly Reading[]): Promise<void>
  writeStatuses(statuses: readonly DeviceStatus[]): Promise<void>
  /** Raw readings in [from, to), oldest first. */
  query(q: RangeQuery): Promise<Reading[]>
  /** Aggregated per window of `everyMs`, windows aligned to the epoch, oldest first. */
  aggregate(q: AggregateQuery): Promise<AggregatePoint[]>
  /** The newest reading of each (device, sensor) at a site. */
  latest(siteId: string): Promise<Reading[]>
  /** The newest status of each device of a site. */
  latestStatuses(siteId: string): Promise<DeviceStatus[]>
  /** Cheap liveness probe for /api/health. */
  ping(): Promise<boolean>
  close(): Promise<void>
}

export interface RangeQuery {
  siteId: string
  /** Epoch ms, inclusive. */
  from: number
  /** Epoch ms, exclusive. */
  to: number
  deviceId?: string
  sensorId?: string
  type?: SensorType
  limit?: number
}

export const AGGREGATE_FNS = ['mean', 'min', 'max', 'sum', 'last', 'count'] as const
export type AggregateFn = (typeof AGGREGATE_FNS)[number]

export interface AggregateQuery extends RangeQuery {
  everyMs: number
  fn: AggregateFn
}

export interface AggregatePoint {
  /** Window start, epoch ms. */
  ts: number
  deviceId: string
  sensorId: string
  type: SensorType
  fields: Record<string, number>
}

/**
 * InfluxDB's time range (nanoseconds in an int64, less its two sentinel values), in epoch ms. Both
 * stores refuse timestamps outside it, so readings can move from one store to the other:
 * 1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z.
 */
export const MIN_TS_MS = -9_223_372_036_854
export const MAX_TS_MS = 9_223_372_036_854

/**
 * Field keys no reading may use: `time` is InfluxQL's time column; the others are the tags and
 * the `seq` field of the InfluxDB schema (README "Readings in InfluxDB"), which a field of that
 * name would shadow. No sensor type's fields (domain SENSOR_FIELDS) use one.
 */
export const RESERVED_FIELD_KEYS: ReadonlySet<string> = new Set(['time', 'region', 'site', 'device', 'sensor', 'type', 'seq'])

/** Why a store can never hold this reading, or undefined when it can. */
export function readingProblem(r: Reading): string | undefined {
  const ts = tsProblem(r.ts)
  if (ts !== undefined) return ts
  let n = 0
  for (const key in r.fields) {
    if (key === '') return 'a field has an empty name'
    if (RESERVED_FIELD_KEYS.has(key)) return `field name ${JSON.stringify(key)} is reserved`
    const v = r.fields[key]
    if (typeof v !== 'number' || !Number.isFinite(v)) return `field ${JSON.stringify(key)} is not a finite number (${String(v)})`
    n++
  }
  if (n === 0) return 'a reading needs at least one field'
  if (r.seq !== undefined && !Number.isSafeInteger(r.seq)) return `seq ${String(r.seq)} is not an integer`
  return undefined
}

/** Why a store can never hold this status, or undefined when it can. */
export function statusProblem(s: DeviceStatus): string | undefined {
  const ts = tsProblem(s.ts)
  if (ts !== undefined) return ts
  for (const [key, v] of Object.entries(s)) {
    if (typeof v === 'number' && key !== 'ts' && !Number.isFinite(v)) return `${key} is not a finite number (${String(v)})`
  }
  for (const [sensor, v] of Object.entries(s.sensorState)) {
    if (!Number.isSafeInteger(v)) return `sensorState.${sensor} is not an integer (${String(v)})`
  }
  return undefined
}

function tsProblem(ts: number): string | undefined {
  if (!Number.isSafeInteger(ts)) return `timestamp ${String(ts)} is not an integer of milliseconds`
  if (ts < MIN_TS_MS || ts > MAX_TS_MS) return `timestamp ${ts} is outside 1677-09-21..2262-04-11`
  return undefined
}

/** The points a store can hold (with their indexes in `points`) and the refused ones, with reasons. */
export function splitPoints<T>(points: readonly T[], problem: (p: T) => string | undefined): { good: T[]; goodIndex: number[]; rejected: RejectedPoint[] } {
  const good: T[] = []
  const goodIndex: number[] = []
  const rejected: RejectedPoint[] = []
  points.forEach((p, index) => {
    const reason = problem(p)
    if (reason === undefined) {
      good.push(p)
      goodIndex.push(index)
    } else rejected.push({ index, reason })
  })
  return { good, goodIndex, rejected }
}

/**
 * GEOWARN_READINGS_RETENTION: how long readings and statuses are kept, as `<n>h`, `<n>d` or
 * `<n>w` (at least 1 h, InfluxDB's smallest retention), or `inf` to keep them for ever. Parsed to
 * milliseconds; undefined stands for `inf`.
 */
export const retentionSchema = z
  .string()
  .trim()
  .regex(/^(inf|\d{1,7}[hdw])$/i, 'a duration like 730d, 104w or 48h, or inf')
  .transform((s) => {
    const m = /^(\d+)([hdw])$/i.exec(s)
    if (m === null) return undefined
    const hours = { h: 1, d: 24, w: 168 }[(m[2] ?? 'h').toLowerCase() as 'h' | 'd' | 'w']
    return Number(m[1]) * hours * 3_600_000
  })
  .refine((ms) => ms === undefined || ms >= 3_600_000, 'at least 1h')
  // InfluxDB holds a duration as int64 nanoseconds (about 292 years).
  .refine((ms) => ms === undefined || ms <= 100 * 365 * 86_400_000, 'at most 100 years (inf keeps readings for ever)')

export const DEFAULT_RETENTION = '730d'
