import { fail, ok, type Result } from './result.js'
import { DZT_CSV_LEAVES, DZT_LEAF_ALIASES, SENSOR_FIELDS, dztPointType, type SensorType } from './sensors.js'

/**
 * DZ/T 0450-2023 `$dp` uplink frames (domain.md §2): 1 byte data-format type, 2 bytes big-endian
 * length, then JSON whose outermost key is the device code. Types 1 (plain values) and 2 (values
 * keyed by UTC timestamp) carry readings; 3 (file) and 4 (firmware block) are refused here.
 */
export const DZT_FRAME_TYPE = Object.freeze({ plain: 1, timed: 2, file: 3, firmware: 4 })
export const DZT_STATUS_POINT = 'S1_ZT_1'
export const DZT_HEADER_BYTES = 3
/** The length field is 16 bits. */
export const DZT_MAX_JSON_BYTES = 0xffff

export interface DpPoint {
  pointCode: string
  type: SensorType
  /** Epoch ms from a type-2 frame; undefined in a type-1 frame. */
  ts: number | undefined
  /** Canonical field names (SENSOR_FIELDS) → value. */
  fields: Record<string, number>
}

export interface DpStatus {
  ts: number | undefined
  values: DpStatusValues
  sensorState: Record<string, number>
}

export interface DpStatusValues {
  extPowerV?: number
  solarV?: number
  batteryPct?: number
  batteryV?: number
  tempC?: number
  humidityPct?: number
  lon?: number
  lat?: number
  signal4g?: number
  signalNb?: number
  signalBd?: number
  swVersion?: string
  workMode?: number
}

export interface DpFrame {
  frameType: 1 | 2
  deviceKey: string
  points: DpPoint[]
  statuses: DpStatus[]
  /** Points the decoder passed over, each with why (unknown point code, unusable value). */
  skipped: Array<{ pointCode: string; reason: string }>
}

export function encodeDpFrame(frameType: number, body: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(body), 'utf8')
  if (json.length > DZT_MAX_JSON_BYTES) throw new RangeError(`DZ/T frame body of ${json.length} bytes exceeds 65535`)
  const header = Buffer.alloc(DZT_HEADER_BYTES)
  header.writeUInt8(frameType, 0)
  header.writeUInt16BE(json.length, 1)
  return Buffer.concat([header, json])
}

/** Read the header and JSON of a frame without interpreting the points. */
export function readDpEnvelope(buf: Uint8Array): Result<{ frameType: number; body: unknown }> {
  if (buf.length < DZT_HEADER_BYTES) return fail(`frame of ${buf.length} bytes is shorter than the 3-byte header`)
  const frameType = buf[0] as number
  const declared = ((buf[1] as number) << 8) | (buf[2] as number)
  const carried = buf.length - DZT_HEADER_BYTES
  if (declared !== carried) return fail(`length field says ${declared} bytes, frame carries ${carried}`)
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + DZT_HEADER_BYTES, carried).toString('utf8'))
  } catch (err) {
    return fail(`frame body is not JSON: ${(err as Error).message}`)
  }
  return ok({ frameType, body })
}

/** The device key of a frame, for the broker's identity check; nothing else is interpreted. */
export function dpDeviceKey(buf: Uint8Array): Result<string> {
  const env = readDpEnvelope(buf)
  if (!env.ok) return env
  const keys = isPlainObject(env.value.body) ? Object.keys(env.value.body) : []
  if (keys.length !== 1) return fail(`frame body must have exactly one device key, has ${keys.length}`)
  return ok(keys[0] as string)
}

export function decodeDpFrame(buf: Uint8Array): Result<DpFrame> {
  const env = readDpEnvelope(buf)
  if (!env.ok) return env
  const { frameType, body } = env.value
  if (frameType !== DZT_FRAME_TYPE.plain && frameType !== DZT_FRAME_TYPE.timed) {
    return fail(`frame type ${frameType} is not a data frame (1 plain, 2 timed)`)
  }
  if (!isPlainObject(body)) return fail('frame body must be a JSON object')
  if ('header' in body && 'bodies' in body) return fail('encrypted frame (header/bodies wrapper): no decryption key is configured')
  const keys = Object.keys(body)
  if (keys.length !== 1) return fail(`frame body must have exactly one device key, has ${keys.length}`)
  const deviceKey = keys[0] as string
  const pointsObj = body[deviceKey]
  if (!isPlainObject(pointsObj)) return fail(`device ${deviceKey}: points must be an object`)

  const frame: DpFrame = { frameType, deviceKey, points: [], statuses: [], skipped: [] }
  for (const [pointCode, raw] of Object.entries(pointsObj)) {
    if (frameType === DZT_FRAME_TYPE.plain) {
      decodePointValue(frame, pointCode, raw, undefined)
      continue
    }
    if (!isPlainObject(raw)) {
      frame.skipped.push({ pointCode, reason: 'a type-2 point must map timestamps to values' })
      continue
    }
    for (const [stamp, value] of Object.entries(raw)) {
      const ts = parseDztTimestamp(stamp)
      if (ts === undefined) {
        frame.skipped.push({ pointCode, reason: `timestamp ${JSON.stringify(stamp.slice(0, 40))} is not ISO-8601 UTC` })
        continue
      }
      decodePointValue(frame, pointCode, value, ts)
    }
  }
  if (frame.points.length === 0 && frame.statuses.length === 0) {
    const why = frame.skipped[0] ? `; first: ${frame.skipped[0].pointCode}: ${frame.skipped[0].reason}` : ''
    return fail(`frame carries no usable point${why}`)
  }
  return ok(frame)
}

function decodePointValue(frame: DpFrame, pointCode: string, raw: unknown, ts: number | undefined): void {
  if (pointCode === DZT_STATUS_POINT) {
    const status = decodeStatus(raw, ts)
    if (status.ok) frame.statuses.push(status.value)
    else frame.skipped.push({ pointCode, reason: status.reason })
    return
  }
  const type = dztPointType(pointCode)
  if (type === undefined) {
    frame.skipped.push({ pointCode, reason: 'unknown point code' })
    return
  }
  const leaves = decodeLeaves(type, raw)
  if (!leaves.ok) {
    frame.skipped.push({ pointCode, reason: leaves.reason })
    return
  }
  const fields: Record<string, number> = {}
  for (const [field, leaf] of Object.entries(SENSOR_FIELDS[type] as Record<string, string>)) {
    const v = leaves.value[leaf]
    if (v !== undefined) fields[field] = v
  }
  if (Object.keys(fields).length === 0) {
    frame.skipped.push({ pointCode, reason: `no ${type} leaf among ${Object.keys(leaves.value).join(', ') || 'none'}` })
    return
  }
  frame.points.push({ pointCode, type, ts, fields })
}

/** The three value encodings seen in the field: number, object of leaves, comma-separated string. */
function decodeLeaves(type: SensorType, raw: unknown): Result<Record<string, number>> {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail('value is not finite')
    if (!('value' in invert(SENSOR_FIELDS[type]))) return fail(`a bare number is ambiguous for ${type}`)
    return ok({ value: raw })
  }
  if (typeof raw === 'string') {
    const parts = raw.split(',').map((p) => p.trim())
    const order = DZT_CSV_LEAVES[type] ?? ['value']
    if (parts.length > order.length) return fail(`${parts.length} comma-separated values, ${type} has ${order.length}`)
    const leaves: Record<string, number> = {}
    for (const [i, part] of parts.entries()) {
      if (part === '') continue
      const n = toNumber(part)
      if (n === undefined) return fail(`value ${JSON.stringify(part.slice(0, 20))} is not a number`)
      leaves[order[i] as string] = n
    }
    return ok(leaves)
  }
  if (isPlainObject(raw)) {
    const leaves: Record<string, number> = {}
    for (const [key, v] of Object.entries(raw)) {
      const n = toNumber(v)
      if (n !== undefined) leaves[DZT_LEAF_ALIASES[key] ?? key] = n
    }
    return ok(leaves)
  }
  return fail(`value of type ${raw === null ? 'null' : typeof raw} is not a number, object or string`)
}

/** `S1_ZT_1` leaves → canonical names. Vendor typos (`singal_NB`, `singal_db`) are real (domain.md §2). */
const STATUS_LEAVES: Readonly<Record<string, keyof DpStatusValues>> = Object.freeze({
  ext_power_volt: 'extPowerV',
  solar_volt: 'solarV',
  battery_dump_energy: 'batteryPct',
  battery_volt: 'batteryV',
  temp: 'tempC',
  humidity: 'humidityPct',
  lon: 'lon',
  lat: 'lat',
  signal_4g: 'signal4g',
  singal_4g: 'signal4g',
  signal_NB: 'signalNb',
  singal_NB: 'signalNb',
  signal_nb: 'signalNb',
  signal_bd: 'signalBd',
  singal_bd: 'signalBd',
  singal_db: 'signalBd',
  signal_db: 'signalBd',
  work_mode: 'workMode'
})

function decodeStatus(raw: unknown, ts: number | undefined): Result<DpStatus> {
  if (!isPlainObject(raw)) return fail('status must be an object of leaves')
  const values: DpStatusValues = {}
  const sensorState: Record<string, number> = {}
  for (const [key, v] of Object.entries(raw)) {
    if (key === 'sw_version') {
      if (typeof v === 'string') values.swVersion = v.slice(0, 64)
      continue
    }
    if (key === 'sensor_state') {
      if (isPlainObject(v)) {
        for (const [point, code] of Object.entries(v)) {
          const n = toNumber(code)
          if (n !== undefined && Number.isInteger(n)) sensorState[point] = n
        }
      }
      continue
    }
    const name = STATUS_LEAVES[key]
    const n = toNumber(v)
    if (name === undefined || n === undefined) continue
    if (name === 'swVersion') continue
    values[name] = n
  }
  // "0.000000","0.000000" is what a receiver without a fix sends: not a position.
  if (values.lon === 0 && values.lat === 0) {
    delete values.lon
    delete values.lat
  }
  return ok({ ts, values, sensorState })
}

/** Type-2 keys: UTC ISO-8601, as `2026-04-13T17:34:04.000Z`; an explicit offset is accepted too. */
export function parseDztTimestamp(stamp: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(stamp)) return undefined
  const ms = Date.parse(stamp)
  return Number.isNaN(ms) ? undefined : ms
}

export function formatDztTimestamp(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * A type-1 frame carries no time. The broker, which is the first to see it, stamps it with its
 * receipt time by re-encoding it as type 2, so that every consumer agrees on the reading's time and
 * a redelivery dedupes.
 */
export function stampPlainFrame(buf: Uint8Array, receivedAtMs: number): Result<Buffer> {
  const env = readDpEnvelope(buf)
  if (!env.ok) return env
  if (env.value.frameType !== DZT_FRAME_TYPE.plain) return ok(Buffer.from(buf))
  const body = env.value.body
  if (!isPlainObject(body)) return fail('frame body must be a JSON object')
  const stamp = formatDztTimestamp(receivedAtMs)
  const timed: Record<string, Record<string, Record<string, unknown>>> = {}
  for (const [deviceKey, points] of Object.entries(body)) {
    if (!isPlainObject(points)) return fail(`device ${deviceKey}: points must be an object`)
    const out: Record<string, Record<string, unknown>> = {}
    for (const [pointCode, value] of Object.entries(points)) out[pointCode] = { [stamp]: value }
    timed[deviceKey] = out
  }
  return ok(encodeDpFrame(DZT_FRAME_TYPE.timed, timed))
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v)
  return undefined
}

function invert(map: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(map)) out[v] = k
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
