import { z } from 'zod'
import { MAX_TS_MS, MIN_TS_MS, type AggregateQuery, type RangeQuery } from './readings-store.js'
import { StoreError } from './store-error.js'

/** The measurements and tag keys of the schema (README "Readings in InfluxDB"). */
export const READING = 'reading'
export const DEVICE_STATUS = 'device_status'

/**
 * An InfluxQL string literal. The scanner knows four escapes (`\\`, `\'`, `\"`, `\n`) and refuses a
 * raw newline, so those are the characters escaped; a site id from a URL cannot end the literal.
 */
export function quoteString(s: string): string {
  return `'${s.replace(/[\\'\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}'`
}

/** An InfluxQL identifier (database, retention policy, measurement, tag key), double-quoted. */
export function quoteIdent(s: string): string {
  return `"${s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`
}

/**
 * `WHERE` for a site's series in [from, to). Bounds are clamped to InfluxDB's time range (it would
 * refuse an epoch past 2262); undefined when the range is empty.
 */
function where(q: RangeQuery): string | undefined {
  if (Number.isNaN(q.from) || Number.isNaN(q.to)) throw new StoreError('GH_ERR_BAD_QUERY', 'from and to must be numbers')
  // Timestamps are whole ms: ts >= 1.5 is ts >= 2, and ts < 2.5 is ts <= 2. InfluxQL refuses a
  // literal past the int64 of nanoseconds, hence the inclusive upper bound.
  const from = Math.max(Math.ceil(q.from), MIN_TS_MS)
  const last = Math.min(Math.ceil(q.to) - 1, MAX_TS_MS)
  if (from > last) return undefined
  let w = `"site" = ${quoteString(q.siteId)} AND time >= ${from}ms AND time <= ${last}ms`
  if (q.deviceId !== undefined) w += ` AND "device" = ${quoteString(q.deviceId)}`
  if (q.sensorId !== undefined) w += ` AND "sensor" = ${quoteString(q.sensorId)}`
  if (q.type !== undefined) w += ` AND "type" = ${quoteString(q.type)}`
  return w
}

/** ` LIMIT n` (per series: the caller merges and cuts), '' without a limit; undefined for limit 0. */
function limitClause(limit: number | undefined): string | undefined {
  if (limit === undefined) return ''
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StoreError('GH_ERR_BAD_QUERY', `limit must be a non-negative integer, got ${limit}`)
  // InfluxQL reads LIMIT 0 as "no limit".
  return limit === 0 ? undefined : ` LIMIT ${limit}`
}

/** Raw readings, one series per (device, sensor, type), each oldest first; undefined when nothing can match. */
export function rangeStatement(q: RangeQuery): string | undefined {
  const w = where(q)
  const limit = limitClause(q.limit)
  if (w === undefined || limit === undefined) return undefined
  return `SELECT * FROM ${quoteIdent(READING)} WHERE ${w} GROUP BY "device", "sensor", "type"${limit}`
}

/**
 * Aggregated per epoch-aligned window (InfluxQL aligns GROUP BY time() to the epoch, not to the
 * range) per series; fill(none) leaves out empty windows. Columns come back as `<fn>_<field>`.
 */
export function aggregateStatement(q: AggregateQuery): string | undefined {
  if (!Number.isSafeInteger(q.everyMs) || q.everyMs <= 0) {
    throw new StoreError('GH_ERR_BAD_QUERY', `everyMs must be a positive integer, got ${q.everyMs}`)
  }
  const w = where(q)
  const limit = limitClause(q.limit)
  if (w === undefined || limit === undefined) return undefined
  return `SELECT ${q.fn}(*) FROM ${quoteIdent(READING)} WHERE ${w} GROUP BY time(${q.everyMs}ms), "device", "sensor", "type" fill(none)${limit}`
}

/** The newest row of each (device, sensor) of a site. */
export function latestStatement(siteId: string): string {
  return `SELECT * FROM ${quoteIdent(READING)} WHERE "site" = ${quoteString(siteId)} GROUP BY "device", "sensor" ORDER BY time DESC LIMIT 1`
}

/** The newest whole status row of each device of a site (not the last value of each field). */
export function latestStatusStatement(siteId: string): string {
  return `SELECT * FROM ${quoteIdent(DEVICE_STATUS)} WHERE "site" = ${quoteString(siteId)} GROUP BY "device" ORDER BY time DESC LIMIT 1`
}

const seriesSchema = z.object({
  name: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).optional(),
  partial: z.boolean().optional()
})
export type Series = z.infer<typeof seriesSchema>

const responseSchema = z.object({
  results: z
    .array(
      z.object({
        series: z.array(seriesSchema).optional(),
        error: z.string().optional(),
        partial: z.boolean().optional()
      })
    )
    .optional(),
  error: z.string().optional()
})

/**
 * The series of a one-statement `/query` response (`epoch=ms`). A statement error or a truncated
 * result (the server's max-row-limit) throws: half an answer would pass for the whole.
 */
export function parseSeries(body: unknown, statement: string): Series[] {
  const parsed = responseSchema.safeParse(body)
  if (!parsed.success) throw new Error(`unexpected /query response to ${statement}: ${parsed.error.message}`)
  const r = parsed.data
  const result = r.results?.[0]
  const error = r.error ?? result?.error
  if (error !== undefined) throw new Error(`InfluxDB refused ${statement}: ${error}`)
  if (result?.partial === true || result?.series?.some((s) => s.partial === true)) {
    throw new Error(`InfluxDB truncated the result of ${statement} (its max-row-limit); narrow the query or raise the limit`)
  }
  return result?.series ?? []
}

/** Each row of a series as column → value. */
export function* rowsOf(series: Series): Generator<Record<string, unknown>> {
  for (const values of series.values ?? []) {
    const row: Record<string, unknown> = {}
    series.columns.forEach((c, i) => {
      row[c] = values[i]
    })
    yield row
  }
}
