import type { DeviceStatus, SensorType } from './types.js'

/** One sensor's line in the device table: registered sensors first, then point codes only the status names. */
export interface SensorHealth {
  id: string
  type?: SensorType
  /** `sensor_state` code (0 normal, −1 power, −2 data, −3 no sample); undefined without a status. */
  code?: number
}

export function sensorHealth(sensors: ReadonlyArray<{ id: string; type: SensorType }>, status: DeviceStatus | undefined): SensorHealth[] {
  const states = status?.sensorState ?? {}
  const known = sensors.map((s) => ({ id: s.id, type: s.type, ...(states[s.id] === undefined ? {} : { code: states[s.id] }) }))
  const extra = Object.entries(states)
    .filter(([id]) => !sensors.some((s) => s.id === id))
    .map(([id, code]) => ({ id, code }))
  return [...known, ...extra]
}

/** Below this the battery is flagged (our choice: a day or two of reports left on a typical pack). */
export const LOW_BATTERY_PCT = 20
