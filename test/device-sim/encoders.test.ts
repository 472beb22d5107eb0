import { describe, expect, test } from 'vitest'
import { decodeDpFrame, decodeUplink, readDpEnvelope, type UplinkTopic } from '../../domain/index.js'
import { dztValue, encodeDztData, encodeDztStatus, type DztVendorStyle } from '../../device-sim/encode-dzt.js'
import { encodeNativeData, encodeNativeStatus } from '../../device-sim/encode-native.js'
import type { SensorSample } from '../../device-sim/station.js'
import type { StatusSample } from '../../device-sim/status.js'

const T0 = Date.parse('2026-07-27T10:00:00.000Z')
const plainStyle: DztVendorStyle = { tiltTrend: false, signalTypo: false }
const quirkyStyle: DztVendorStyle = { tiltTrend: true, signalTypo: true }

function topic(deviceId: string, kind: UplinkTopic['kind']): UplinkTopic {
  return { prov: '51', county: '513223', siteId: 'site-513223-02', deviceId, kind }
}

const samples = (tMs: number, ids: 'dzt' | 'native'): SensorSample[] => [
  { sensorId: ids === 'dzt' ? 'L1_GP_1' : 'gnss1', type: 'gnss', tMs, fields: { dxMm: 12.34, dyMm: -5.6, dzMm: -3.21 } },
  { sensorId: ids === 'dzt' ? 'L1_LF_1' : 'crack1', type: 'crack', tMs, fields: { openingMm: 18.07 } },
  { sensorId: ids === 'dzt' ? 'L3_YL_1' : 'rain1', type: 'rain', tMs, fields: { intervalMm: 4.2, totalMm: 812.6 } },
  { sensorId: ids === 'dzt' ? 'L3_DX_1' : 'gw1', type: 'groundwater', tMs, fields: { levelM: 12.345, tempC: 14.2 } },
  { sensorId: ids === 'dzt' ? 'L1_QJ_1' : 'tilt1', type: 'tilt', tMs, fields: { xDeg: 0.12, yDeg: -0.3, zDeg: 0.01, angleDeg: 0.323, azimuthDeg: 158.2 } },
  { sensorId: ids === 'dzt' ? 'L4_NW_1' : 'mud1', type: 'mud_level', tMs, fields: { levelM: 1.25 } }
]

const status: StatusSample = {
  tMs: T0,
  batteryPct: 77,
  batteryV: 12.48,
  extPowerV: 12.1,
  solarV: 15.2,
  tempC: 21.4,
  humidityPct: 88.5,
  lon: 103.691234,
  lat: 32.031234,
  signal4g: 22,
  swVersion: '1.09.250808.RK00PX.BETA',
  workMode: 2,
  sensorState: { L1_LF_1: 0, L3_YL_1: -3 }
}

const byId = (readings: Array<{ sensorId: string; ts: number; fields: Record<string, number> }>) =>
  Object.fromEntries(readings.map((r) => [`${r.sensorId}@${r.ts}`, r.fields]))

describe('DZ/T 0450 encoder', () => {
  test('uses all three value encodings', () => {
    const [gnss, crack, rain] = samples(T0, 'dzt') as [SensorSample, SensorSample, SensorSample]
    expect(dztValue(gnss, plainStyle)).toBe('0,12.34,-5.6,-3.21')
    expect(dztValue(crack, plainStyle)).toBe(18.07)
    expect(dztValue(rain, plainStyle)).toEqual({ value: 4.2, totalValue: 812.6 })
  })

  test.each([
    ['plain style', plainStyle],
    ['vendor quirks (trend, singal_)', quirkyStyle]
  ])('type-2 frames round-trip through decodeUplink (%s)', (_name, style) => {
    const batch = [...samples(T0, 'dzt'), ...samples(T0 + 300_000, 'dzt')]
    const [msg, ...rest] = encodeDztData('SK00EA0D1308002', batch, 2, style)
    expect(rest).toEqual([])
    expect(msg?.topic).toBe('$dp')
    const up = decodeUplink(topic('SK00EA0D1308002', 'dp'), msg!.payload, 0)
    if (!up.ok) throw new Error(up.reason)
    expect(byId(up.value.readings)).toEqual(Object.fromEntries(batch.map((s) => [`${s.sensorId}@${s.tMs}`, s.fields])))
    const frame = decodeDpFrame(msg!.payload)
    expect(frame.ok && frame.value.skipped).toEqual([])
  })

  test('type-1 frames carry no time: the receiver dates them', () => {
    const one = samples(T0, 'dzt')
    const [msg] = encodeDztData('SK00EA0D1308002', one, 1, plainStyle)
    const env = readDpEnvelope(msg!.payload)
    expect(env.ok && env.value.frameType).toBe(1)
    const up = decodeUplink(topic('SK00EA0D1308002', 'dp'), msg!.payload, T0 + 42)
    if (!up.ok) throw new Error(up.reason)
    expect(byId(up.value.readings)).toEqual(Object.fromEntries(one.map((s) => [`${s.sensorId}@${T0 + 42}`, s.fields])))
    expect(() => encodeDztData('X', [...one, ...one], 1, plainStyle)).toThrow(/two samples/)
  })

  test.each([1, 2] as const)('status frames (type %s) round-trip, typo and string lon/lat included', (frameType) => {
    for (const style of [plainStyle, quirkyStyle]) {
      const msg = encodeDztStatus('SK00EA0D1308002', status, frameType, style)
      const up = decodeUplink(topic('SK00EA0D1308002', 'dp'), msg.payload, T0 + 7)
      if (!up.ok) throw new Error(up.reason)
      const [s] = up.value.statuses
      expect(s).toMatchObject({
        ts: frameType === 2 ? T0 : T0 + 7,
        batteryPct: 77,
        batteryV: 12.48,
        extPowerV: 12.1,
        solarV: 15.2,
        tempC: 21.4,
        humidityPct: 88.5,
        lon: 103.691234,
        lat: 32.031234,
        signal4g: 22,
        swVersion: status.swVersion,
        workMode: 2,
        sensorState: status.sensorState
      })
    }
  })

  test('an oversized batch is split into frames under the 16-bit length', () => {
    const many = Array.from({ length: 800 }, (_, i) => samples(T0 + i * 300_000, 'dzt')).flat()
    const msgs = encodeDztData('SK00EA0D1308002', many, 2, plainStyle)
    expect(msgs.length).toBeGreaterThan(1)
    let readings = 0
    for (const m of msgs) {
      expect(m.payload.length).toBeLessThanOrEqual(3 + 0xffff)
      const up = decodeUplink(topic('SK00EA0D1308002', 'dp'), m.payload, 0)
      if (!up.ok) throw new Error(up.reason)
      readings += up.value.readings.length
    }
    expect(readings).toBe(many.length)
  })
})

describe('native JSON v1 encoder', () => {
  test('data round-trips through decodeUplink', () => {
    const batch = [...samples(T0, 'native'), ...samples(T0 + 10_000, 'native')]
    const [msg] = encodeNativeData('GW-513223-0201', batch, 17)
    expect(msg?.topic).toBe('gh/dev/GW-513223-0201/data')
    const up = decodeUplink(topic('GW-513223-0201', 'data'), msg!.payload, 0)
    if (!up.ok) throw new Error(up.reason)
    expect(byId(up.value.readings)).toEqual(Object.fromEntries(batch.map((s) => [`${s.sensorId}@${s.tMs}`, s.fields])))
    expect(up.value.readings.every((r) => r.seq === 17)).toBe(true)
  })

  test('status round-trips through decodeUplink', () => {
    const msg = encodeNativeStatus('GW-513223-0201', status)
    expect(msg.topic).toBe('gh/dev/GW-513223-0201/status')
    const up = decodeUplink(topic('GW-513223-0201', 'status'), msg.payload, 0)
    if (!up.ok) throw new Error(up.reason)
    const { tMs, ...rest } = status
    expect(up.value.statuses).toEqual([{ ...rest, ts: tMs, deviceId: 'GW-513223-0201', siteId: 'site-513223-02', county: '513223' }])
  })
})
