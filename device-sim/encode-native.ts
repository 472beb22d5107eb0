import { topics, type NativeData, type NativeStatus } from '../domain/index.js'
import type { OutMessage } from './encode-dzt.js'
import type { SensorSample } from './station.js'
import type { StatusSample } from './status.js'

/** Native JSON v1 data (domain/native.ts): one message carries up to 1000 readings. */
export const NATIVE_MAX_READINGS = 1000

export function encodeNativeData(deviceId: string, samples: readonly SensorSample[], seq: number): OutMessage[] {
  const out: OutMessage[] = []
  for (let i = 0; i < samples.length; i += NATIVE_MAX_READINGS) {
    const body: NativeData = {
      v: 1,
      seq: seq + out.length,
      readings: samples.slice(i, i + NATIVE_MAX_READINGS).map((s) => ({
        sensor: s.sensorId,
        type: s.type,
        ts: new Date(s.tMs).toISOString(),
        fields: s.fields
      }))
    }
    out.push({ topic: topics.nativeData(deviceId), payload: Buffer.from(JSON.stringify(body)) })
  }
  return out
}

export function encodeNativeStatus(deviceId: string, s: StatusSample): OutMessage {
  const body: NativeStatus = {
    v: 1,
    ts: new Date(s.tMs).toISOString(),
    batteryPct: s.batteryPct,
    batteryV: s.batteryV,
    extPowerV: s.extPowerV,
    solarV: s.solarV,
    tempC: s.tempC,
    humidityPct: s.humidityPct,
    lon: s.lon,
    lat: s.lat,
    signal4g: s.signal4g,
    swVersion: s.swVersion,
    workMode: s.workMode,
    sensorState: s.sensorState
  }
  return { topic: topics.nativeStatus(deviceId), payload: Buffer.from(JSON.stringify(body)) }
}
