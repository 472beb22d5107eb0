import type { SensorType } from '../domain/index.js'
import type { SensorInfo } from './evaluator.js'
import type { SiteRules } from './site-rules.js'

/**
 * Data quality (domain.md §3 "Device health"): a value outside the physical range of its sensor
 * is `invalid` and rates nothing; `sensor_state` ≠ 0 suspends the channel until a 0 arrives and
 * opens a maintenance item. Data faults never raise hazard warnings: they only hold ratings back.
 */

export interface CompiledRange {
  readonly fields: readonly string[]
  readonly min: number
  readonly max: number
}

/** The range of a channel: the sensor record's `range` on the type's fields, else the table's. */
export function channelRange(rules: SiteRules, type: SensorType, sensor?: SensorInfo): CompiledRange | undefined {
  const table = rules.other.ranges[type]
  if (table === undefined) return undefined
  const own = sensor?.range
  return own === undefined ? table : { fields: table.fields, min: own.min, max: own.max }
}

/** False when a present field lies outside the range (absent fields are the evaluator's concern). */
export function inRange(fields: Readonly<Record<string, number>>, range: CompiledRange): boolean {
  const names = range.fields
  for (let i = 0; i < names.length; i++) {
    const v = fields[names[i] as string]
    if (v !== undefined && !(v >= range.min && v <= range.max)) return false
  }
  return true
}

/** A maintenance item opened by a sensor_state ≠ 0 and closed by the next 0 (domain.md §3). */
export interface MaintenanceItem {
  siteId: string
  deviceId: string
  sensorId: string
  /** DZ/T sensor_state: −1 power fault, −2 sensor data fault, −3 no sample (domain.md §2). */
  code: number
  /** Status time, epoch ms. */
  at: number
  kind: 'opened' | 'closed'
}
