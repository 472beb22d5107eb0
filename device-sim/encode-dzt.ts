import {
  DP_TOPIC,
  DZT_FRAME_TYPE,
  DZT_MAX_JSON_BYTES,
  DZT_STATUS_POINT,
  SENSOR_FIELDS,
  encodeDpFrame,
  formatDztTimestamp
} from '../domain/index.js'
import type { SensorSample } from './station.js'
import type { StatusSample } from './status.js'

/** One MQTT message as a device sends it. */
export interface OutMessage {
  topic: string
  payload: Buffer
}

export type DztFrameType = typeof DZT_FRAME_TYPE.plain | typeof DZT_FRAME_TYPE.timed

/** Vendor habits that vary between DZ/T devices (domain.md §2: all seen in the field). */
export interface DztVendorStyle {
  /** Tilt meters that send `trend` instead of `AZI`. */
  tiltTrend: boolean
  /** Status leaves spelled `singal_…` (a real firmware typo). */
  signalTypo: boolean
}

export type DztValue = number | string | Record<string, number>

/**
 * A point's value in the encoding its sensor kind uses in the field: a bare number for single-value
 * sensors (crack, mud level), a comma-separated string for GNSS
 * (`gpsInitial,gpsTotalX,gpsTotalY,gpsTotalZ`), an object of leaves for the rest.
 */
export function dztValue(s: SensorSample, style: DztVendorStyle): DztValue {
  const f = s.fields
  switch (s.type) {
    case 'crack':
      return f.openingMm ?? 0
    case 'mud_level':
      return f.levelM ?? 0
    case 'gnss':
      // gpsInitial is raw receiver data, not for alarms: sent as 0 by this simulator.
      return ['0', f.dxMm, f.dyMm, f.dzMm].map((v) => String(v ?? '')).join(',')
    default: {
      const leaves: Record<string, number> = {}
      const map: Record<string, string> = SENSOR_FIELDS[s.type]
      for (const [field, value] of Object.entries(f)) {
        const leaf = map[field]
        if (leaf === undefined) continue
        leaves[leaf === 'AZI' && style.tiltTrend ? 'trend' : leaf] = value
      }
      return leaves
    }
  }
}

/**
 * Data frames. Type 2 (values keyed by UTC timestamp) carries any number of samples; type 1 carries
 * one value per point, so it takes the samples of one instant. Oversized batches are split.
 */
export function encodeDztData(deviceId: string, samples: readonly SensorSample[], frameType: DztFrameType, style: DztVendorStyle): OutMessage[] {
  if (samples.length === 0) return []
  if (frameType === DZT_FRAME_TYPE.plain) {
    const points: Record<string, DztValue> = {}
    for (const s of samples) {
      if (s.sensorId in points) throw new Error(`type-1 frame got two samples of ${s.sensorId}`)
      points[s.sensorId] = dztValue(s, style)
    }
    return [{ topic: DP_TOPIC, payload: encodeDpFrame(frameType, { [deviceId]: points }) }]
  }
  const points: Record<string, Record<string, DztValue>> = {}
  for (const s of samples) {
    const byTime = (points[s.sensorId] ??= {})
    byTime[formatDztTimestamp(s.tMs)] = dztValue(s, style)
  }
  const body = { [deviceId]: points }
  if (Buffer.byteLength(JSON.stringify(body)) > DZT_MAX_JSON_BYTES && samples.length > 1) {
    const half = Math.ceil(samples.length / 2)
    return [...encodeDztData(deviceId, samples.slice(0, half), frameType, style), ...encodeDztData(deviceId, samples.slice(half), frameType, style)]
  }
  return [{ topic: DP_TOPIC, payload: encodeDpFrame(frameType, body) }]
}

/** The `S1_ZT_1` heartbeat; lon and lat are strings, as in real payloads. */
export function dztStatusLeaves(s: StatusSample, style: DztVendorStyle): Record<string, unknown> {
  const signal = style.signalTypo ? 'singal_4g' : 'signal_4g'
  return {
    ext_power_volt: s.extPowerV,
    solar_volt: s.solarV,
    battery_dump_energy: s.batteryPct,
    battery_volt: s.batteryV,
    temp: s.tempC,
    humidity: s.humidityPct,
    lon: s.lon.toFixed(6),
    lat: s.lat.toFixed(6),
    [signal]: s.signal4g,
    sw_version: s.swVersion,
    work_mode: s.workMode,
    sensor_state: s.sensorState
  }
}

export function encodeDztStatus(deviceId: string, s: StatusSample, frameType: DztFrameType, style: DztVendorStyle): OutMessage {
  const leaves = dztStatusLeaves(s, style)
  const value = frameType === DZT_FRAME_TYPE.plain ? leaves : { [formatDztTimestamp(s.tMs)]: leaves }
  return { topic: DP_TOPIC, payload: encodeDpFrame(frameType, { [deviceId]: { [DZT_STATUS_POINT]: value } }) }
}
