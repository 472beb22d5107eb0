import { escape } from '@influxdata/influxdb-client'
import { deviceStatusSchema, type DeviceStatus, type Reading } from '../domain/index.js'
import { DEVICE_STATUS, READING } from './influx-ql.js'

const READING_PREFIX = escape.measurement(READING)
const STATUS_PREFIX = escape.measurement(DEVICE_STATUS)
const tag = escape.tag

/** The numeric fields of a status, from the domain schema; swVersion and sensorState are written apart. */
export const STATUS_NUMBER_FIELDS: readonly string[] = Object.keys(deviceStatusSchema.shape).filter(
  (k) => !['deviceId', 'siteId', 'county', 'ts', 'swVersion', 'sensorState'].includes(k)
)

/**
 * One reading as a line of line protocol, ms precision. Tags in key order (InfluxDB sorts them
 * anyway; sorted input spares it the work); every field a float, `seq` an integer.
 * The point must have passed readingProblem().
 */
export function readingLine(r: Reading): string {
  let fields = ''
  for (const name in r.fields) fields += `${fields === '' ? '' : ','}${tag(name)}=${String(r.fields[name])}`
  if (r.seq !== undefined) fields += `,seq=${r.seq}i`
  return `${READING_PREFIX},device=${tag(r.deviceId)},region=${tag(r.county)},sensor=${tag(r.sensorId)},site=${tag(r.siteId)},type=${tag(r.type)} ${fields} ${r.ts}`
}

/** One status: numeric fields as floats, swVersion as a string, sensorState as a JSON string. */
export function statusLine(s: DeviceStatus): string {
  let fields = `sensorState=${escape.quoted(JSON.stringify(s.sensorState))}`
  for (const name of STATUS_NUMBER_FIELDS) {
    const v = s[name as keyof DeviceStatus]
    if (typeof v === 'number') fields += `,${name}=${String(v)}`
  }
  if (s.swVersion !== undefined) fields += `,swVersion=${escape.quoted(s.swVersion)}`
  return `${STATUS_PREFIX},device=${tag(s.deviceId)},region=${tag(s.county)},site=${tag(s.siteId)} ${fields} ${s.ts}`
}
