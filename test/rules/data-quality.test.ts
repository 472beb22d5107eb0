import { describe, expect, test } from 'vitest'
import type { DeviceStatus } from '../../domain/index.js'
import { offlineDevices, onlineRate, periodOnlineRate, OFFLINE_LIMIT_MS } from '../../rules/device-health.js'
import { createEngine, type Transition } from '../../rules/engine.js'
import { defaultTables, H, MIN, rain, reading, T0 } from './helpers.js'

const SITE = { id: 'S-JH-001', county: '431129' }

function status(ts: number, sensorState: Record<string, number>, deviceId = 'RG1'): DeviceStatus {
  return { deviceId, siteId: SITE.id, county: SITE.county, ts, sensorState }
}

describe('physical ranges: out-of-range readings are invalid and rate nothing', () => {
  test.each<[string, boolean, ReturnType<typeof reading>]>([
    ['rain −1 mm', false, rain(T0, -1)],
    ['rain 600 mm in one report', false, rain(T0, 600)],
    ['rain 120 mm', true, rain(T0, 120)],
    ['crack 9999 mm', false, reading('crack', T0, { openingMm: 9999 })],
    ['GNSS dy 1 km', false, reading('gnss', T0, { dxMm: 0, dyMm: 1_000_000 })],
    ['mud 80 m', false, reading('mud_level', T0, { levelM: 80 })],
    ['tilt 120°', false, reading('tilt', T0, { xDeg: 120, yDeg: 0 })]
  ])('%s → in range: %s', (_name, ok, r) => {
    const engine = createEngine(defaultTables(), [SITE])
    engine.ingest(r)
    expect(engine.stats().outOfRange).toBe(ok ? 0 : 1)
  })

  test("the sensor record's range overrides the table's", () => {
    const engine = createEngine(defaultTables(), [{ ...SITE, sensors: [{ deviceId: 'CR1', sensorId: 'L1_LF_1', range: { min: 0, max: 100 } }] }])
    engine.ingest(reading('crack', T0, { openingMm: 150 }, { deviceId: 'CR1', sensorId: 'L1_LF_1' }))
    engine.ingest(reading('crack', T0, { openingMm: 150 }, { deviceId: 'CR2', sensorId: 'L1_LF_1' }))
    expect(engine.stats()).toMatchObject({ outOfRange: 1, invalid: 1 })
  })

  test('a faulty gauge spiking out of range for hours raises nothing', () => {
    const engine = createEngine(defaultTables(), [SITE])
    const out: Array<Transition | null> = []
    for (let h = 0; h < 12; h++) out.push(engine.ingest(rain(T0 + h * H, 9999)))
    expect(out.every((t) => t === null)).toBe(true)
    expect(engine.level(SITE.id)).toBe('none')
  })
})

describe('sensor_state ≠ 0 suspends the channel and opens a maintenance item', () => {
  test('opened, readings held back, closed by a 0, then rated again from a fresh count', () => {
    const engine = createEngine(defaultTables(), [SITE])
    // Yellow rain (1 h ≥ 45 mm) twice, then the gauge reports a data fault.
    engine.ingest(rain(T0, 50))
    engine.ingest(rain(T0 + H, 50))
    expect(engine.ingestStatus(status(T0 + H + MIN, { YL1: -2 }))).toEqual([
      { siteId: SITE.id, deviceId: 'RG1', sensorId: 'YL1', code: -2, at: T0 + H + MIN, kind: 'opened' }
    ])
    // The same fault again opens nothing new; readings while suspended rate nothing.
    expect(engine.ingestStatus(status(T0 + 2 * H, { YL1: -2 }))).toEqual([])
    expect(engine.ingest(rain(T0 + 2 * H, 50))).toBeNull()
    expect(engine.stats().suspended).toBe(1)
    expect(engine.ingestStatus(status(T0 + 3 * H, { YL1: 0 }))).toEqual([
      { siteId: SITE.id, deviceId: 'RG1', sensorId: 'YL1', code: -2, at: T0 + 3 * H, kind: 'closed' }
    ])
    // The two ratings before the fault no longer count: three fresh ones are needed.
    expect(engine.ingest(rain(T0 + 4 * H, 50))).toBeNull()
    expect(engine.ingest(rain(T0 + 5 * H, 50))).toBeNull()
    expect(engine.ingest(rain(T0 + 6 * H, 50))?.to).toBe('yellow')
  })

  test('a fault reported before the first reading suspends the channel when it appears; another code reopens', () => {
    const engine = createEngine(defaultTables(), [SITE])
    expect(engine.ingestStatus(status(T0, { L1_LF_1: -1, L3_YL_1: 0 }, 'DEV1')).map((i) => [i.sensorId, i.code, i.kind])).toEqual([['L1_LF_1', -1, 'opened']])
    engine.ingest(reading('crack', T0 + MIN, { openingMm: 1 }, { deviceId: 'DEV1', sensorId: 'L1_LF_1' }))
    expect(engine.stats()).toMatchObject({ suspended: 1, evaluated: 0 })
    expect(engine.ingestStatus(status(T0 + H, { L1_LF_1: -3 }, 'DEV1')).map((i) => [i.code, i.kind])).toEqual([
      [-1, 'closed'],
      [-3, 'opened']
    ])
    // An older status than the open item says nothing about now.
    expect(engine.ingestStatus(status(T0, { L1_LF_1: 0 }, 'DEV1'))).toEqual([])
  })

  test('a fault never raises a level', () => {
    const engine = createEngine(defaultTables(), [SITE])
    for (let h = 0; h < 5; h++) engine.ingestStatus(status(T0 + h * H, { YL1: -2 }))
    expect(engine.level(SITE.id)).toBe('none')
    expect(engine.stats().transitions).toBe(0)
  })
})

describe('offline devices and the online rate (125 min; 70 %, Guangdong draft standard)', () => {
  const now = T0 + 10 * H
  const lastSeen = new Map([
    ['A', now - 10 * MIN],
    ['B', now - OFFLINE_LIMIT_MS],
    ['C', now - OFFLINE_LIMIT_MS + 1],
    ['D', now - 5 * H]
  ])

  test('offline at 125 min without data, in id order', () => {
    expect(offlineDevices(lastSeen, now)).toEqual(['B', 'D'])
    expect(offlineDevices(lastSeen, now, 6 * H)).toEqual([])
  })

  test.each<[string[], number, boolean]>([
    [['A', 'C'], 1, true],
    [['A', 'B', 'C'], 2 / 3, false],
    [['A', 'C', 'B', 'X'], 0.5, false],
    [[], 1, true]
  ])('online rate of %j is %f (compliant %s)', (ids, rate, compliant) => {
    expect(onlineRate(ids, lastSeen, now)).toMatchObject({ rate, compliant })
  })

  test('over a period: the device-time covered by 125 min after each report', () => {
    // A reports hourly all day: covered; B only during the first 6 h: 6 h + 125 min of 24 h.
    const hourly = (hours: number): number[] => Array.from({ length: hours }, (_, h) => T0 + h * H)
    const seen = new Map([
      ['A', hourly(24)],
      ['B', hourly(6)]
    ])
    const r = periodOnlineRate(['A', 'B'], seen, T0, T0 + 24 * H)
    expect(r.rate).toBeCloseTo((24 + 5 + 125 / 60) / 48, 9)
    expect(r).toMatchObject({ online: 1, total: 2, compliant: false })
  })
})
