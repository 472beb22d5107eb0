import mqtt from 'mqtt'
import { io as connectSocket, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { topics, type Alert, type ClientToServerEvents, type DevicePresence, type ServerToClientEvents } from '../../domain/index.js'
import type { OfflineDevicesResponse, StatsResponse } from '../../dashboard/schemas-stats.js'
import { childRegionOf, computeStats, dayKey, firstAck, median, percentile, CHINA_UTC_OFFSET_MS } from '../../dashboard/stats.js'
import { COUNTY_A, COUNTY_B, login, makeAlert, startHarness, T0, type Harness, type UserKey } from './fixture.js'

const MIN = 60_000
const DAY = 86_400_000
const nameOf = (code: string): string => `n${code}`

/** An alert of county A opened at `openedAt`, acknowledged `ackAfterMs` later (never if undefined). */
function alertAt(id: string, openedAt: number, level: Alert['level'], ackAfterMs?: number, county = COUNTY_A): Alert {
  return makeAlert(id, county === COUNTY_A ? 'site-a' : 'site-b', {
    county,
    openedAt,
    updatedAt: openedAt,
    level,
    peakLevel: level,
    state: ackAfterMs === undefined ? 'open' : 'acknowledged',
    history: [{ at: openedAt, from: 'none', to: level, evidence: [] }],
    actions: ackAfterMs === undefined ? [] : [{ at: openedAt + ackAfterMs, by: 'officer-a', action: 'acknowledge' }]
  })
}

describe('pure statistics', () => {
  test.each([
    [[], null, null],
    [[5], 5, 5],
    [[1, 3], 2, 3],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, 10]
  ])('median and nearest-rank p90 of %j → %s, %s', (values, med, p90) => {
    expect(median(values)).toBe(med)
    expect(percentile(values, 0.9)).toBe(p90)
  })

  test.each([
    ['000000', COUNTY_A, '430000'],
    ['430000', COUNTY_A, '431100'],
    ['431100', COUNTY_A, COUNTY_A],
    [COUNTY_A, COUNTY_A, COUNTY_A]
  ])('child region of %s on the way to %s is %s', (scope, county, child) => {
    expect(childRegionOf(scope, county)).toBe(child)
  })

  test('days begin at midnight in China (UTC+8)', () => {
    // 2026-07-27T16:30Z is 00:30 on the 28th in Beijing.
    expect(dayKey(Date.parse('2026-07-27T16:30:00Z'), CHINA_UTC_OFFSET_MS)).toBe('2026-07-28')
    expect(dayKey(Date.parse('2026-07-27T15:59:59Z'), CHINA_UTC_OFFSET_MS)).toBe('2026-07-27')
  })

  test('time to acknowledge is taken at the level the alert had when acknowledged', () => {
    const a = alertAt('x', T0, 'yellow', 30 * MIN)
    a.history.push({ at: T0 + 10 * MIN, from: 'yellow', to: 'red', evidence: [] }, { at: T0 + 40 * MIN, from: 'red', to: 'orange', evidence: [] })
    expect(firstAck(a)).toEqual({ afterMs: 30 * MIN, level: 'red' })
    expect(firstAck(alertAt('y', T0, 'red'))).toBeUndefined()
  })

  test('by level, region, day; acknowledgement times; device online rate', () => {
    const from = Date.parse('2026-07-25T16:00:00Z') // 2026-07-26 00:00 in Beijing
    const to = from + 3 * DAY
    const alerts = [
      alertAt('a1', from + 1 * MIN, 'red', 5 * MIN),
      alertAt('a2', from + DAY + MIN, 'orange', 20 * MIN),
      alertAt('a3', from + DAY + 2 * MIN, 'orange', 10 * MIN),
      alertAt('a4', from + 2 * DAY, 'blue'),
      alertAt('b1', from + 2 * DAY + MIN, 'yellow', 60 * MIN, COUNTY_B),
      // Outside the range on both sides: not counted.
      alertAt('early', from - 1, 'red', MIN),
      alertAt('late', to, 'red', MIN)
    ]
    const devices = [
      { county: COUNTY_A, online: true },
      { county: COUNTY_A, online: false },
      { county: COUNTY_A, online: null },
      { county: COUNTY_A, online: true },
      { county: COUNTY_B, online: true }
    ]
    const s = computeStats({ scope: '000000', from, to, alerts, devices, nameOf })
    expect(s.total).toBe(5)
    expect(s.byLevel).toEqual({ blue: 1, yellow: 1, orange: 2, red: 1 })
    expect(s.byRegion).toEqual([
      { code: '430000', name: 'n430000', total: 4, counts: { blue: 1, yellow: 0, orange: 2, red: 1 } },
      { code: '510000', name: 'n510000', total: 1, counts: { blue: 0, yellow: 1, orange: 0, red: 0 } }
    ])
    expect(s.byDay).toEqual([
      { day: '2026-07-26', counts: { blue: 0, yellow: 0, orange: 0, red: 1 } },
      { day: '2026-07-27', counts: { blue: 0, yellow: 0, orange: 2, red: 0 } },
      { day: '2026-07-28', counts: { blue: 1, yellow: 1, orange: 0, red: 0 } }
    ])
    expect(s.ack).toMatchObject({ count: 4, unacknowledged: 1, medianMs: 15 * MIN, p90Ms: 60 * MIN, maxMs: 60 * MIN })
    expect(s.ack.byLevel.orange).toEqual({ count: 2, unacknowledged: 0, medianMs: 15 * MIN, p90Ms: 20 * MIN, maxMs: 20 * MIN })
    expect(s.ack.byLevel.blue).toEqual({ count: 0, unacknowledged: 1, medianMs: null, p90Ms: null, maxMs: null })
    expect(s.devices).toEqual({
      total: 5,
      online: 3,
      offline: 1,
      unknown: 1,
      rate: 0.6,
      byCounty: [
        { county: COUNTY_A, name: `n${COUNTY_A}`, total: 4, online: 2, offline: 1, unknown: 1, rate: 0.5 },
        { county: COUNTY_B, name: `n${COUNTY_B}`, total: 1, online: 1, offline: 0, unknown: 0, rate: 1 }
      ]
    })

    // A county scope sees only its own alerts and devices, even if handed others.
    const a = computeStats({ scope: COUNTY_A, from, to, alerts, devices, nameOf })
    expect(a.total).toBe(4)
    expect(a.byRegion.map((r) => r.code)).toEqual([COUNTY_A])
    expect(a.devices.byCounty.map((r) => r.county)).toEqual([COUNTY_A])
  })

  test('an empty range has zero days of nothing, and no rates', () => {
    const s = computeStats({ scope: COUNTY_A, from: T0, to: T0 + 1, alerts: [], devices: [], nameOf })
    expect(s).toMatchObject({ total: 0, byRegion: [], ack: { count: 0, medianMs: null }, devices: { total: 0, rate: null, byCounty: [] } })
    expect(s.byDay).toHaveLength(1)
  })
})

describe('GET /api/stats and /api/devices/offline', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
    // The fixture's alert-a and alert-b (opened at T0, unacknowledged) plus acknowledged ones in both counties.
    h.db.saveAlert(alertAt('ack-a', T0 - DAY, 'red', 4 * MIN))
    h.db.saveAlert(alertAt('ack-b', T0 - DAY, 'yellow', 90 * MIN, COUNTY_B))
    // The dashboard hears dev-a1 online and dev-b1 offline; a nation socket tells us when both are in.
    const { token } = await login(h, 'nation')
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = connectSocket(h.dashboard.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } })
    await new Promise<void>((resolve) => s.once('session', () => resolve()))
    const heard: DevicePresence[] = []
    const both = new Promise<void>((resolve) => s.on('presence', (p) => heard.push(p) === 2 && resolve()))
    const rules = await mqtt.connectAsync(h.mqttUrl, { clientId: 'test-stats', clean: true, reconnectPeriod: 0 })
    await rules.publishAsync(topics.presence({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'dev-a1' }), JSON.stringify({ online: true, since: T0 }), { qos: 1 })
    await rules.publishAsync(topics.presence({ prov: '51', county: COUNTY_B, siteId: 'site-b', deviceId: 'dev-b1' }), JSON.stringify({ online: false, since: T0 - 600_000 }), { qos: 1 })
    await both
    await rules.endAsync()
    s.disconnect()
  })
  afterAll(async () => {
    await h.close()
  })

  const get = async <T>(user: UserKey, url: string): Promise<{ status: number; body: T }> => {
    const { token } = await login(h, user)
    const res = await h.dashboard.fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.json() as T }
  }

  test('the nation sees both counties; each county officer only their own numbers', async () => {
    const nation = await get<StatsResponse>('nation', '/api/stats')
    expect(nation.status).toBe(200)
    expect(nation.body).toMatchObject({ scope: '000000', total: 4, byLevel: { red: 1, orange: 2, yellow: 1, blue: 0 }, devices: { total: 2, online: 1, offline: 1 } })
    expect(nation.body.byRegion.map((r) => r.code).sort()).toEqual(['430000', '510000'])

    const a = await get<StatsResponse>('officerA', '/api/stats')
    expect(a.body).toMatchObject({ scope: COUNTY_A, total: 2, byLevel: { red: 1, orange: 1, yellow: 0, blue: 0 } })
    expect(a.body.ack).toMatchObject({ count: 1, unacknowledged: 1, medianMs: 4 * MIN, maxMs: 4 * MIN })
    expect(a.body.devices).toEqual({ total: 1, online: 1, offline: 0, unknown: 0, rate: 1, byCounty: [{ county: COUNTY_A, name: expect.any(String) as string, total: 1, online: 1, offline: 0, unknown: 0, rate: 1 }] })
    expect(JSON.stringify(a.body)).not.toContain(COUNTY_B)

    const b = await get<StatsResponse>('officerB', '/api/stats')
    expect(b.body).toMatchObject({ scope: COUNTY_B, total: 2, ack: { maxMs: 90 * MIN }, devices: { total: 1, online: 0, offline: 1, rate: 0 } })
    expect(JSON.stringify(b.body)).not.toContain(COUNTY_A)
  })

  test('asking for another county gives nothing of it; a province narrows to a region inside it', async () => {
    const a = await get<StatsResponse>('officerA', `/api/stats?region=${COUNTY_B}`)
    expect(a.status).toBe(200)
    expect(a.body).toMatchObject({ total: 0, byRegion: [], devices: { total: 0 } })
    expect(JSON.stringify(a.body)).not.toContain(COUNTY_B)
    const hunan = await get<StatsResponse>('hunan', `/api/stats?region=${COUNTY_A}`)
    expect(hunan.body).toMatchObject({ scope: COUNTY_A, total: 2 })
  })

  test('the range: from/to as epoch ms or ISO; bad ranges are refused', async () => {
    const only = await get<StatsResponse>('nation', `/api/stats?from=${T0 - 2 * DAY}&to=${new Date(T0 - DAY + 1).toISOString()}`)
    expect(only.body.total).toBe(2)
    expect((await get('nation', `/api/stats?from=${T0}&to=${T0}`)).status).toBe(400)
    expect((await get('nation', `/api/stats?from=0&to=${T0}`)).status).toBe(400)
    expect((await get('nation', '/api/stats?from=yesterday')).status).toBe(400)
    expect((await h.dashboard.fastify.inject({ method: 'GET', url: '/api/stats' })).statusCode).toBe(401)
  })

  test('the OpenAPI document describes the new routes', async () => {
    const res = await h.dashboard.fastify.inject({ method: 'GET', url: '/api/docs' })
    expect(res.statusCode).toBe(200)
    expect(Object.keys((res.json() as { paths: Record<string, unknown> }).paths)).toEqual(expect.arrayContaining(['/api/stats', '/api/devices/offline', '/api/regions/map']))
  })

  test('without GEOWARN_MAP_GEOJSON the map route says so: the browser keeps the plain plot', async () => {
    expect(await get('officerA', '/api/regions/map')).toEqual({ status: 200, body: { map: null } })
  })

  test('offline devices: in scope only, with their site', async () => {
    const b = await get<OfflineDevicesResponse>('officerB', '/api/devices/offline')
    expect(b.body).toEqual({ total: 1, devices: [{ id: 'dev-b1', siteId: 'site-b', siteName: '游仙崩塌一号', county: COUNTY_B, countyName: expect.any(String) as string, online: false, lastSeen: T0 - 600_000 }] })
    expect(await get('officerA', '/api/devices/offline')).toEqual({ status: 200, body: { total: 1, devices: [] } })
    expect((await get<OfflineDevicesResponse>('officerA', `/api/devices/offline?region=${COUNTY_B}`)).body).toEqual({ total: 0, devices: [] })
    expect((await get<OfflineDevicesResponse>('nation', '/api/devices/offline')).body.devices.map((d) => d.id)).toEqual(['dev-b1'])
  })
})
