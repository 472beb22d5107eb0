import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { registryFileSchema, type DeviceStatus } from '../../domain/index.js'
import { createDeviceWatch, type DeviceWatch } from '../../rules/device-watch.js'
import { createEngine } from '../../rules/engine.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { defaultTables, MIN, T0 } from './helpers.js'

/** Offline detection and sensor faults in the shell: maintenance items, never hazard alerts. */

const SITE = 'S-JH-001'
const COUNTY = '431129'
const registry = registryFileSchema.parse({
  version: 1,
  sites: [{ id: SITE, name: '江华 test slope', hazardType: 'landslide', county: COUNTY, location: { lon: 111.58, lat: 25.18 } }],
  devices: [
    { id: 'RG1', siteId: SITE, dialect: 'native', sensors: [{ id: 'YL1', type: 'rain' }] },
    { id: 'GN1', siteId: SITE, dialect: 'native', sensors: [{ id: 'S1', type: 'gnss' }] }
  ]
})

describe('device watch, fake timers', () => {
  let db: PlatformDb
  let watch: DeviceWatch
  let lines: Array<Record<string, unknown>>

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
    db = openPlatformDb(':memory:')
    db.importRegistry(registry)
    lines = []
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
    // 125 min: Guangdong draft standard (domain.md §3); a sweep every 5 min.
    watch = createDeviceWatch({ db, log, now: Date.now, offlineAfterMs: 125 * MIN, sweepMs: 5 * MIN })
  })

  afterEach(() => {
    watch.close()
    db.close()
    vi.useRealTimers()
  })

  const offlineLines = (deviceId: string) => lines.filter((l) => l.msg === 'device offline: maintenance item opened' && l.deviceId === deviceId)

  test('silent for 125 min → offline once, recorded; a report closes the item', () => {
    vi.advanceTimersByTime(60 * MIN)
    watch.seen('RG1', SITE, Date.now())
    vi.advanceTimersByTime(65 * MIN - 1)
    expect(watch.stats()).toMatchObject({ devicesWatched: 2, devicesOffline: 0 })
    vi.advanceTimersByTime(1)
    // GN1 never reported: offline 125 min after the start; RG1 (heard at +60) still online.
    expect(watch.stats()).toMatchObject({ devicesOffline: 1, maintenanceOpened: 1, sitesNonCompliant: 1 })
    vi.advanceTimersByTime(4 * 60 * MIN)
    expect(watch.stats()).toMatchObject({ devicesOffline: 2, maintenanceOpened: 2 })
    // Logged once per transition, however many sweeps see it offline.
    expect(offlineLines('GN1')).toHaveLength(1)
    expect(offlineLines('RG1')).toHaveLength(1)

    watch.seen('GN1', SITE, Date.now())
    expect(watch.stats()).toMatchObject({ devicesOffline: 1, maintenanceClosed: 1 })
    expect(db.listAudit(10).map((a) => [a.action, a.target, a.detail.reason])).toEqual([
      ['maintenance.close', 'device:GN1', 'offline'],
      ['maintenance.open', 'device:RG1', 'offline'],
      ['maintenance.open', 'device:GN1', 'offline']
    ])
    expect(db.listAlerts()).toEqual([])
  })

  test('a device unknown to the registry is watched from its first report', () => {
    watch.seen('NEW1', SITE, Date.now())
    expect(watch.stats().devicesWatched).toBe(3)
    vi.advanceTimersByTime(125 * MIN)
    expect(offlineLines('NEW1')).toHaveLength(1)
  })

  test('sensor_state faults from the engine open and close maintenance items', () => {
    const engine = createEngine(defaultTables(), db.listSites())
    const status = (ts: number, state: number): DeviceStatus => ({ deviceId: 'RG1', siteId: SITE, county: COUNTY, ts, sensorState: { YL1: state } })
    watch.maintenance(engine.ingestStatus(status(T0, -2)))
    watch.maintenance(engine.ingestStatus(status(T0 + MIN, -2)))
    watch.maintenance(engine.ingestStatus(status(T0 + 2 * MIN, 0)))
    expect(watch.stats()).toMatchObject({ maintenanceOpened: 1, maintenanceClosed: 1 })
    expect(db.listAudit(10).map((a) => [a.action, a.detail.sensorId, a.detail.sensorState])).toEqual([
      ['maintenance.close', 'YL1', -2],
      ['maintenance.open', 'YL1', -2]
    ])
    expect(lines.filter((l) => l.msg === 'sensor fault: maintenance item opened')).toHaveLength(1)
  })
})
