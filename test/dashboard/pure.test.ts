import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { boundariesIn, loadBoundaries, parseBoundaries } from '../../dashboard/boundaries.js'
import { boundsOf, pickBoundaries } from '../../dashboard/web/src/map-view.js'
import { ConfigError } from '../../domain/config.js'
import { applyAlertCommand, nextRegionUp } from '../../dashboard/alert-actions.js'
import { loadConfig } from '../../dashboard/config.js'
import { parseLiveMessage } from '../../dashboard/live-messages.js'
import { LoginLimiter } from '../../dashboard/login-limiter.js'
import { buildRegionTree } from '../../dashboard/region-tree.js'
import { SessionStore } from '../../dashboard/sessions.js'
import { narrowScope } from '../../dashboard/site-views.js'
import { topics } from '../../domain/index.js'
import { COUNTY_A, COUNTY_B, makeAlert, T0 } from './fixture.js'

describe('alert commands', () => {
  test.each([
    ['open', 'acknowledge', 'acknowledged'],
    ['acknowledged', 'acknowledge', null],
    ['resolved', 'acknowledge', null],
    ['open', 'escalate', 'open'],
    ['acknowledged', 'escalate', 'acknowledged'],
    ['resolved', 'escalate', null],
    ['open', 'resolve', 'resolved'],
    ['acknowledged', 'resolve', 'resolved'],
    ['resolved', 'resolve', null]
  ] as const)('%s + %s → %s', (from, action, to) => {
    const cmd = action === 'resolve' ? { action, disposition: 'confirmed' as const } : { action }
    const r = applyAlertCommand(makeAlert('x', 'site-a', { state: from }), cmd, 'duty', T0 + 1)
    if (to === null) expect(r.ok).toBe(false)
    else expect(r).toMatchObject({ ok: true, value: { state: to, updatedAt: T0 + 1, actions: [{ at: T0 + 1, by: 'duty', action }] } })
  })

  test.each([
    [[], '431100'],
    [['431100'], '430000'],
    [['431100', '430000'], '000000'],
    [['431100', '430000', '000000'], undefined]
  ])('escalated to %j → next %s', (done, next) => {
    const alert = makeAlert('x', 'site-a', { escalations: done.map((toRegion) => ({ at: T0, toRegion, reason: 'r' })) })
    expect(nextRegionUp(alert)).toBe(next)
  })

  test('resolve records the disposition and time', () => {
    const r = applyAlertCommand(makeAlert('x', 'site-a'), { action: 'resolve', disposition: 'sensor_fault', note: '传感器故障' }, 'duty', T0 + 9)
    expect(r).toMatchObject({ ok: true, value: { resolvedAt: T0 + 9, disposition: 'sensor_fault', actions: [{ note: '传感器故障', disposition: 'sensor_fault' }] } })
  })
})

describe('region tree', () => {
  const names = (code: string): string => `n${code}`
  const sites = [
    { county: COUNTY_A, level: 'orange' as const },
    { county: COUNTY_A, level: 'none' as const },
    { county: '431102', level: 'blue' as const },
    { county: COUNTY_B, level: 'red' as const }
  ]
  const alerts = [
    { county: COUNTY_A, level: 'orange' as const },
    { county: COUNTY_B, level: 'red' as const }
  ]

  test('the nation sees both provinces, each level the max below it', () => {
    const root = buildRegionTree('000000', sites, alerts, names)
    expect(root).toMatchObject({ code: '000000', level: 'nation', activeLevel: 'red', siteCount: 4, alertCounts: { orange: 1, red: 1 } })
    expect(root.children.map((c) => [c.code, c.activeLevel, c.siteCount])).toEqual([
      ['430000', 'orange', 3],
      ['510000', 'red', 1]
    ])
    const yongzhou = root.children[0]?.children[0]
    expect(yongzhou).toMatchObject({ code: '431100', name: 'n431100', level: 'city' })
    expect(yongzhou?.children.map((c) => [c.code, c.activeLevel])).toEqual([
      ['431102', 'blue'],
      [COUNTY_A, 'orange']
    ])
  })

  test.each([
    ['430000', 3, 'orange'],
    [COUNTY_A, 2, 'orange'],
    [COUNTY_B, 1, 'red'],
    ['650000', 0, 'none']
  ] as const)('rooted at %s: %i sites, %s', (root, count, level) => {
    const tree = buildRegionTree(root, sites, alerts, names)
    expect([tree.code, tree.siteCount, tree.activeLevel]).toEqual([root, count, level])
  })
})

describe('scope narrowing', () => {
  test.each([
    ['000000', undefined, '000000'],
    ['000000', '430000', '430000'],
    ['430000', COUNTY_A, COUNTY_A],
    [COUNTY_A, '430000', COUNTY_A],
    [COUNTY_A, COUNTY_B, undefined],
    ['430000', '510000', undefined]
  ])('user %s asking %s → %s', (user, asked, scope) => {
    expect(narrowScope(user, asked)).toBe(scope)
  })
})

describe('login limiter and sessions (time is an input)', () => {
  test('failures slide out of the window', () => {
    let t = 0
    const limiter = new LoginLimiter({ maxFailures: 3, windowMs: 1000, now: () => t })
    for (let i = 0; i < 3; i++) limiter.fail('ip|u')
    expect(limiter.blocked('ip|u')).toBe(true)
    expect(limiter.blocked('ip|other')).toBe(false)
    t = 1001
    expect(limiter.blocked('ip|u')).toBe(false)
    limiter.fail('ip|u')
    limiter.succeed('ip|u')
    expect(limiter.blocked('ip|u')).toBe(false)
  })

  test('sessions expire after their TTL', () => {
    let t = 0
    const store = new SessionStore(1000, () => t)
    const { token, session } = store.create('u1')
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(store.get(token)).toEqual(session)
    t = 1000
    expect(store.get(token)).toBeUndefined()
    expect(store.size).toBe(0)
  })
})

describe('live messages', () => {
  const enc = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
  const never = (): boolean => false

  test.each([
    ['an alert that is not JSON', topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-a' }), enc('{'), 'not JSON'],
    ['an alert missing fields', topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-a' }), enc({ kind: 'opened' }), 'at'],
    ['an alert for another site', topics.alert({ prov: '43', county: COUNTY_A, siteId: 'site-x' }), enc({ kind: 'opened', at: T0, alert: makeAlert('x', 'site-a') }), 'on topic'],
    ['a bad site level', topics.alertState({ prov: '43', county: COUNTY_A, siteId: 'site-a' }), enc({ siteId: 'site-a', county: COUNTY_A, level: 'purple', alertId: null, since: 0 }), 'level'],
    ['bad presence', topics.presence({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'd' }), enc({ online: 'yes', since: 0 }), 'online'],
    ['a foreign topic', 'gh/other/x', enc({}), 'unexpected topic']
  ])('%s is rejected with a reason', (_what, topic, payload, reason) => {
    const r = parseLiveMessage(topic, payload, T0, never)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toContain(reason)
  })

  test('uplinks of unwatched sites are not decoded, watched ones are', () => {
    const topic = topics.uplink({ prov: '43', county: COUNTY_A, siteId: 'site-a', deviceId: 'd1', kind: 'data' })
    const payload = enc({ v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: T0, fields: { intervalMm: 1 } }] })
    expect(parseLiveMessage(topic, enc('garbage'), T0, never)).toEqual({ ok: true, value: { kind: 'uplink', siteId: 'site-a', deviceId: 'd1', readings: undefined } })
    expect(parseLiveMessage(topic, payload, T0, () => true)).toMatchObject({ ok: true, value: { readings: [{ sensorId: 'YL1', fields: { intervalMm: 1 } }] } })
  })
})

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ httpHost: '0.0.0.0', httpPort: 3000, mqttUrl: 'mqtt://127.0.0.1:1883', mqttUsername: 'svc:dashboard', cookieSecure: false })
    expect(c.mqttPassword).toBeUndefined()
    expect(c.webRoot).toMatch(/dist[/\\]web$/)
    expect(Object.isFrozen(c)).toBe(true)
  })

  test('environment', () => {
    const c = loadConfig({ GEOWARN_HTTP_PORT: '0', GEOWARN_MQTT_PORT: '11883', GEOWARN_SERVICE_SECRET: 'dashboard-s3cret-0001', GEOWARN_COOKIE_SECURE: 'true' })
    expect(c).toMatchObject({ httpPort: 0, mqttUrl: 'mqtt://127.0.0.1:11883', mqttPassword: 'dashboard-s3cret-0001', cookieSecure: true })
  })

  test.each([['GEOWARN_HTTP_PORT', 'abc'], ['GEOWARN_HTTP_PORT', '70000'], ['GEOWARN_MQTT_URL', 'http://x']])('%s=%s is refused', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow()
  })
})

describe('region boundaries (GEOWARN_MAP_GEOJSON)', () => {
  const square = (props: Record<string, unknown> | null, lon: number, lat: number): unknown => ({
    type: 'Feature',
    properties: props,
    geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]] }
  })
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geowarn-geojson-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('unset: no map; set to a file: kept', async () => {
    expect(loadConfig({}).mapGeoJsonFile).toBeUndefined()
    const file = join(dir, 'ok.geojson')
    await writeFile(file, '{}')
    expect(loadConfig({ GEOWARN_MAP_GEOJSON: file }).mapGeoJsonFile).toBe(file)
  })

  test.each([['a missing file', 'missing.geojson'], ['a folder', '.']])('%s is a ConfigError naming the variable', (_what, name) => {
    const path = join(dir, name)
    let err: unknown
    try {
      loadConfig({ GEOWARN_MAP_GEOJSON: path })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).problems).toEqual([expect.stringContaining(`GEOWARN_MAP_GEOJSON: no readable file at ${path}`)])
  })

  test('features keep their code (adcode or code, number or text) and name; others are skipped', () => {
    const r = parseBoundaries(
      {
        type: 'FeatureCollection',
        features: [
          square({ adcode: Number(COUNTY_A), name: '江华' }, 111, 25),
          square({ code: COUNTY_B }, 104, 31),
          square({ adcode: '100000_JD', name: '九段线' }, 110, 10),
          square({ adcode: 100000, name: '中华人民共和国' }, 73, 18),
          square(null, 0, 0),
          { type: 'Feature', properties: { adcode: '430000' }, geometry: { type: 'Point', coordinates: [112, 28] } }
        ]
      },
      (code) => `name-of-${code}`
    )
    expect(r.ok && r.value.skipped).toBe(4)
    expect(r.ok && r.value.features.map((f) => f.properties)).toEqual([{ code: COUNTY_A, name: '江华' }, { code: COUNTY_B, name: `name-of-${COUNTY_B}` }])
    expect(r.ok && boundariesIn(r.value, '430000').map((f) => f.properties.code)).toEqual([COUNTY_A])
    expect(r.ok && boundariesIn(r.value, '000000')).toHaveLength(2)
  })

  test.each([
    ['not JSON', 'nope', /cannot read .* as JSON/],
    ['not a FeatureCollection', JSON.stringify({ type: 'Feature' }), /not a GeoJSON FeatureCollection/],
    ['no coded polygon', JSON.stringify({ type: 'FeatureCollection', features: [square({ name: 'x' }, 1, 1)] }), /no polygon feature carries a 6-digit GB\/T 2260 code/]
  ])('a file with %s stops the dashboard with a ConfigError', async (_what, content, message) => {
    const file = join(dir, 'bad.geojson')
    await writeFile(file, content)
    expect(() => loadBoundaries(file, (c) => c)).toThrow(ConfigError)
    expect(() => loadBoundaries(file, (c) => c)).toThrow(message)
  })

  const b = (code: string) => ({ properties: { code, name: code }, geometry: { type: 'Polygon' as const, coordinates: [] } })
  test.each([
    ['000000', ['430000', '431100', COUNTY_A, '431102'], ['430000']],
    ['430000', ['430000', '431100', COUNTY_A, '431102', COUNTY_B], ['431100']],
    ['430000', [COUNTY_A, '431102', COUNTY_B], [COUNTY_A, '431102']],
    ['431100', ['431100', COUNTY_A, '431102'], [COUNTY_A, '431102']],
    [COUNTY_A, ['431100', COUNTY_A, '431102'], [COUNTY_A]],
    [COUNTY_B, ['431100', COUNTY_A], []]
  ])('at %s, of %j the map draws %j (one level, inside the region)', (region, all, drawn) => {
    expect(pickBoundaries(all.map(b), region).map((x) => x.properties.code)).toEqual(drawn)
  })

  test('bounds of nested polygon coordinates', () => {
    expect(boundsOf([{ properties: { code: COUNTY_A, name: '' }, geometry: { type: 'MultiPolygon', coordinates: [[[[111, 25], [112, 26.5]]], [[[110.5, 25.2]]]] } }])).toEqual([110.5, 25, 112, 26.5])
    expect(boundsOf([b(COUNTY_A)])).toBeNull()
  })
})
