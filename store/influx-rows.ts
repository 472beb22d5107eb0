import { deviceStatusSchema, sensorTypeSchema, type DeviceStatus, type Reading, type SensorType } from '../domain/index.js'
import type { Series } from './influx-ql.js'
import { STATUS_NUMBER_FIELDS } from './influx-lines.js'
import type { AggregateFn, AggregatePoint } from './readings-store.js'

/** Columns of the schema that are not reading fields. */
const NOT_FIELDS: ReadonlySet<string> = new Set(['time', 'region', 'site', 'device', 'sensor', 'type', 'seq'])

/** A series or row that is not ours (written by another tool into our measurement), and why. */
export type Foreign = (what: string, series: Series) => void

interface Columns {
  time: number
  region: number
  type: number
  seq: number
  /** [column index, field name] */
  fields: Array<[number, string]>
}

/** Where each column is; `prefix` strips an aggregate's `<fn>_` from field columns. */
function columnsOf(series: Series, prefix = ''): Columns {
  const c: Columns = { time: -1, region: -1, type: -1, seq: -1, fields: [] }
  series.columns.forEach((name, i) => {
    const field = prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name
    if (name === 'time') c.time = i
    else if (name === 'region') c.region = i
    else if (name === 'type') c.type = i
    else if (field === 'seq') c.seq = i
    else if (!NOT_FIELDS.has(field)) c.fields.push([i, field])
  })
  return c
}

function fieldsOf(values: readonly unknown[], c: Columns): Record<string, number> | undefined {
  let fields: Record<string, number> | undefined
  for (const [i, name] of c.fields) {
    const v = values[i]
    if (typeof v === 'number') (fields ??= {})[name] = v
  }
  return fields
}

/** Device, sensor and type of a series grouped by them; undefined (reported) when a tag is missing. */
function seriesId(s: Series, foreign: Foreign): { deviceId: string; sensorId: string; type: SensorType } | undefined {
  const deviceId = s.tags?.device
  const sensorId = s.tags?.sensor
  const type = sensorTypeSchema.safeParse(s.tags?.type)
  if (deviceId !== undefined && sensorId !== undefined && type.success) return { deviceId, sensorId, type: type.data }
  foreign('series without device, sensor or a known type', s)
  return undefined
}

/** Raw rows of series grouped by device, sensor, type. */
export function readingsOf(series: readonly Series[], siteId: string, foreign: Foreign): Reading[] {
  const out: Reading[] = []
  for (const s of series) {
    const id = seriesId(s, foreign)
    if (id === undefined) continue
    const c = columnsOf(s)
    for (const values of s.values ?? []) {
      const r = reading(values, c, { ...id, siteId })
      if (r === undefined) foreign('row without time, region or fields', s)
      else out.push(r)
    }
  }
  return out
}

/** The newest row of each series grouped by device, sensor (type is a column there). */
export function latestOf(series: readonly Series[], siteId: string, foreign: Foreign): Reading[] {
  const out: Reading[] = []
  for (const s of series) {
    const deviceId = s.tags?.device
    const sensorId = s.tags?.sensor
    const c = columnsOf(s)
    const values = s.values?.[0]
    const type = sensorTypeSchema.safeParse(values?.[c.type])
    const r = deviceId === undefined || sensorId === undefined || values === undefined || !type.success ? undefined : reading(values, c, { deviceId, sensorId, type: type.data, siteId })
    if (r === undefined) foreign('latest row without device, sensor, a known type, time, region or fields', s)
    else out.push(r)
  }
  return out
}

function reading(values: readonly unknown[], c: Columns, id: Pick<Reading, 'deviceId' | 'sensorId' | 'type' | 'siteId'>): Reading | undefined {
  const ts = values[c.time]
  const county = values[c.region]
  const fields = fieldsOf(values, c)
  if (typeof ts !== 'number' || typeof county !== 'string' || fields === undefined) return undefined
  const r: Reading = { ...id, county, ts, fields }
  const seq = values[c.seq]
  if (typeof seq === 'number') r.seq = seq
  return r
}

/** Rows of `SELECT <fn>(*) … GROUP BY time(), device, sensor, type`: window start and `<fn>_<field>` columns. */
export function aggregatesOf(series: readonly Series[], fn: AggregateFn, foreign: Foreign): AggregatePoint[] {
  const out: AggregatePoint[] = []
  for (const s of series) {
    const id = seriesId(s, foreign)
    if (id === undefined) continue
    const c = columnsOf(s, `${fn}_`)
    for (const values of s.values ?? []) {
      const ts = values[c.time]
      const fields = fieldsOf(values, c)
      // fill(none) already drops empty windows; a window with only `seq` has no field to show.
      if (typeof ts === 'number' && fields !== undefined) out.push({ ts, ...id, fields })
    }
  }
  return out
}

/** The newest whole row of each device's status series. */
export function statusesOf(series: readonly Series[], siteId: string, foreign: Foreign): DeviceStatus[] {
  const out: DeviceStatus[] = []
  for (const s of series) {
    const values = s.values?.[0]
    const row: Record<string, unknown> = {}
    s.columns.forEach((name, i) => {
      if (values?.[i] !== null) row[name] = values?.[i]
    })
    const status: Record<string, unknown> = { deviceId: s.tags?.device, siteId, county: row.region, ts: row.time, sensorState: parseJson(row.sensorState) }
    for (const name of STATUS_NUMBER_FIELDS) if (row[name] !== undefined) status[name] = row[name]
    if (row.swVersion !== undefined) status.swVersion = row.swVersion
    const parsed = deviceStatusSchema.safeParse(status)
    if (parsed.success) out.push(parsed.data)
    else foreign(`status row that is not a device status: ${parsed.error.issues[0]?.message ?? ''}`, s)
  }
  return out
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return undefined
  try {
    return JSON.parse(v)
  } catch {
    return undefined
  }
}
