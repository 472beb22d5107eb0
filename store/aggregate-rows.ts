import type { SensorType } from '../domain/index.js'
import type { AggregateFn, AggregatePoint } from './readings-store.js'

/** One raw reading as the aggregation needs it; each series' rows must arrive oldest first. */
export interface AggregateRow {
  deviceId: string
  sensorId: string
  type: SensorType
  ts: number
  fields: Record<string, number>
}

interface FieldAcc {
  n: number
  sum: number
  min: number
  max: number
  last: number
}

interface WindowAcc {
  point: Omit<AggregatePoint, 'fields'>
  fields: Map<string, FieldAcc>
}

/** Start of the epoch-aligned window of `everyMs` holding `ts` (also right for negative ts). */
export function windowStart(ts: number, everyMs: number): number {
  return Math.floor(ts / everyMs) * everyMs
}

/**
 * Aggregate per (device, sensor, window), each field by name; a field missing from some readings
 * is aggregated over the readings that have it. `last` is the value of the newest reading in the
 * window, so each (device, sensor)'s rows must be in ts order (series may follow one another). Output: window start ascending, then device, sensor.
 */
export function aggregateRows(rows: Iterable<AggregateRow>, everyMs: number, fn: AggregateFn): AggregatePoint[] {
  const windows = new Map<string, WindowAcc>()
  let w: WindowAcc | undefined
  for (const row of rows) {
    const start = windowStart(row.ts, everyMs)
    // Rows come in runs of one series and window: look the window up only when the run changes.
    if (w === undefined || w.point.ts !== start || w.point.deviceId !== row.deviceId || w.point.sensorId !== row.sensorId) {
      const key = `${start}\u0000${row.deviceId}\u0000${row.sensorId}`
      w = windows.get(key)
      if (w === undefined) {
        w = { point: { ts: start, deviceId: row.deviceId, sensorId: row.sensorId, type: row.type }, fields: new Map() }
        windows.set(key, w)
      }
    }
    for (const name in row.fields) {
      const v = row.fields[name]
      if (v === undefined) continue
      const acc = w.fields.get(name)
      if (acc === undefined) w.fields.set(name, { n: 1, sum: v, min: v, max: v, last: v })
      else {
        acc.n += 1
        acc.sum += v
        if (v < acc.min) acc.min = v
        if (v > acc.max) acc.max = v
        acc.last = v
      }
    }
  }
  const out: AggregatePoint[] = []
  for (const w of windows.values()) {
    const fields: Record<string, number> = {}
    for (const [name, acc] of w.fields) fields[name] = finish(acc, fn)
    out.push({ ...w.point, fields })
  }
  return out.sort(
    (a, b) => a.ts - b.ts || compare(a.deviceId, b.deviceId) || compare(a.sensorId, b.sensorId)
  )
}

function finish(acc: FieldAcc, fn: AggregateFn): number {
  switch (fn) {
    case 'mean':
      return acc.sum / acc.n
    case 'min':
      return acc.min
    case 'max':
      return acc.max
    case 'sum':
      return acc.sum
    case 'last':
      return acc.last
    case 'count':
      return acc.n
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
