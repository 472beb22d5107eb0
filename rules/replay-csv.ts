import { idSchema, sensorTypeSchema, type SensorType } from '../domain/index.js'

/**
 * Recorded series for `geowarn replay`: CSV with a header row naming the columns (any order,
 * case-insensitive): `time`, `site`, `type`, `value` and optionally `sensor`. Pure: text in, rows
 * and the bad lines out; a bad line is reported with its number and skipped, the rest goes on.
 *
 * - time: ISO-8601 with `Z` or an offset (`2026-07-01T08:00:00+08:00`), or epoch milliseconds.
 *   A time without an offset is refused: it would mean a different instant on every machine.
 * - type: a sensor type (domain/sensors.ts) or `failure`, a marker for the time the slope failed
 *   (its value is ignored): lead times are measured to it.
 * - value: the sensor type's main quantity (REPLAY_FIELDS).
 * - sensor: the device of the reading (sites with several sensors of a type); default `<type>-1`.
 * Lines starting with `#` and blank lines are skipped.
 */

export const FAILURE_TYPE = 'failure'

/**
 * The reading field a CSV value fills, per sensor type. GNSS: the value is the cumulative
 * horizontal displacement, so it goes to dxMm with dyMm = 0 (the engine rates the resultant
 * √(dx² + dy²), which is then the value itself). Rain: the amount fallen since the previous row.
 */
export const REPLAY_FIELDS: Readonly<Record<SensorType, string>> = Object.freeze({
  crack: 'openingMm',
  gnss: 'dxMm',
  deep_disp: 'dispXMm',
  tilt: 'angleDeg',
  accel: 'gX',
  vibration: 'valueMm',
  ground_sound: 'osp',
  infrasound: 'osp',
  rain: 'intervalMm',
  soil_moisture: 'moisturePct',
  groundwater: 'levelM',
  pore_pressure: 'pressureKpa',
  surface_water: 'levelM',
  mud_level: 'levelM',
  radar: 'xM'
})

/** Fields set to zero beside the main one, so the reading is complete. */
const COMPANION_ZEROS: Readonly<Partial<Record<SensorType, readonly string[]>>> = Object.freeze({ gnss: ['dyMm', 'dzMm'], deep_disp: ['dispYMm'] })

export interface ReplayRow {
  /** 1-based line number in the file. */
  line: number
  ts: number
  siteId: string
  /** A sensor type, or `failure`. */
  type: SensorType | typeof FAILURE_TYPE
  value: number
  deviceId: string
}

export interface BadRow {
  line: number
  reason: string
}

export interface ParsedReplay {
  rows: ReplayRow[]
  bad: BadRow[]
}

const COLUMN_NAMES = {
  time: ['time', 'ts', 'timestamp', 'datetime'],
  site: ['site', 'site_id', 'siteid'],
  type: ['type', 'sensor_type', 'sensortype'],
  value: ['value', 'val'],
  sensor: ['sensor', 'sensor_id', 'sensorid', 'device', 'device_id']
} as const
type Column = keyof typeof COLUMN_NAMES

// ISO-8601 date-time with seconds optional and a mandatory Z or ±hh:mm offset.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i

export function parseTime(text: string): number | undefined {
  if (/^\d{1,15}$/.test(text)) return Number(text)
  if (!ISO_WITH_OFFSET.test(text)) return undefined
  const ms = Date.parse(text.replace(' ', 'T'))
  return Number.isFinite(ms) ? ms : undefined
}

/** One CSV line into fields; double quotes may wrap a field, `""` inside is a quote. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(field.trim())
      field = ''
    } else field += c
  }
  out.push(field.trim())
  return out
}

export function parseReplayCsv(text: string): ParsedReplay {
  const rows: ReplayRow[] = []
  const bad: BadRow[] = []
  const lines = text.split(/\r?\n/)
  let columns: Partial<Record<Column, number>> | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    const raw = (lines[i] as string).trim()
    if (raw === '' || raw.startsWith('#')) continue
    const fields = splitCsvLine(raw)
    if (columns === undefined) {
      const header = headerColumns(fields)
      if (!header.ok) return { rows, bad: [{ line, reason: header.reason }] }
      columns = header.columns
      continue
    }
    const row = parseRow(fields, columns, line)
    if ('reason' in row) bad.push(row)
    else rows.push(row)
  }
  if (columns === undefined) bad.push({ line: lines.length, reason: 'no header row (time,site,type,value[,sensor])' })
  return { rows, bad }
}

function headerColumns(fields: string[]): { ok: true; columns: Partial<Record<Column, number>> } | { ok: false; reason: string } {
  const columns: Partial<Record<Column, number>> = {}
  fields.forEach((name, index) => {
    const n = name.toLowerCase().replace(/[\s-]/g, '_')
    for (const [column, names] of Object.entries(COLUMN_NAMES) as Array<[Column, readonly string[]]>) {
      if (names.includes(n) && columns[column] === undefined) columns[column] = index
    }
  })
  const missing = (['time', 'site', 'type', 'value'] as const).filter((c) => columns[c] === undefined)
  if (missing.length > 0) return { ok: false, reason: `header lacks ${missing.join(', ')} (columns: time,site,type,value[,sensor])` }
  return { ok: true, columns }
}

function parseRow(fields: string[], columns: Partial<Record<Column, number>>, line: number): ReplayRow | BadRow {
  const cell = (c: Column): string => (columns[c] === undefined ? '' : (fields[columns[c]] ?? ''))
  const ts = parseTime(cell('time'))
  if (ts === undefined) return { line, reason: `time ${JSON.stringify(cell('time'))}: ISO-8601 with Z or an offset, or epoch ms` }
  const siteId = cell('site')
  if (!idSchema.safeParse(siteId).success) return { line, reason: `site ${JSON.stringify(siteId)}: not an id (1–64 of A–Z a–z 0–9 _ . : -)` }
  const typeText = cell('type').toLowerCase()
  const type = typeText === FAILURE_TYPE ? FAILURE_TYPE : sensorTypeSchema.safeParse(typeText).data
  if (type === undefined) return { line, reason: `type ${JSON.stringify(cell('type'))}: not a sensor type or "failure"` }
  const valueText = cell('value')
  const value = type === FAILURE_TYPE && valueText === '' ? 0 : Number(valueText)
  if (valueText !== '' && !Number.isFinite(value)) return { line, reason: `value ${JSON.stringify(valueText)}: not a number` }
  if (valueText === '' && type !== FAILURE_TYPE) return { line, reason: 'value missing' }
  const sensor = cell('sensor')
  const deviceId = sensor === '' ? `${type}-1` : sensor
  if (!idSchema.safeParse(deviceId).success) return { line, reason: `sensor ${JSON.stringify(sensor)}: not an id` }
  return { line, ts, siteId, type, value, deviceId }
}

/** The reading fields of a row (sensor rows only). */
export function rowFields(type: SensorType, value: number): Record<string, number> {
  const fields: Record<string, number> = { [REPLAY_FIELDS[type]]: value }
  for (const f of COMPANION_ZEROS[type] ?? []) fields[f] = 0
  return fields
}
