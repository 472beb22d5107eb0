import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Alert } from '../../domain/index.js'
import { COUNTY_A, COUNTY_B, login, makeAlert, PASSWORD, startHarness, T0, USERS, type Harness, type UserKey } from './fixture.js'

let h: Harness
const tokens = new Map<UserKey, string>()

beforeAll(async () => {
  h = await startHarness()
  for (const u of Object.keys(USERS) as UserKey[]) tokens.set(u, (await login(h, u)).token)
})
afterAll(async () => {
  await h.close()
})

function get(user: UserKey, url: string) {
  return h.dashboard.fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.get(user)}` } })
}
function post(user: UserKey, url: string, payload?: object) {
  return h.dashboard.fastify.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens.get(user)}` }, ...(payload === undefined ? {} : { payload }) })
}

describe('login and sessions', () => {
  test('login sets an HttpOnly SameSite=Lax cookie that opens /api/me', async () => {
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: 'officer-a', password: PASSWORD } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { username: 'officer-a', region: COUNTY_A, role: 'duty_officer' } })
    const cookie = res.cookies.find((c) => c.name === 'gw_session')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    const me = await h.dashboard.fastify.inject({ method: 'GET', url: '/api/me', cookies: { gw_session: cookie?.value ?? '' } })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toEqual({ user: { username: 'officer-a', displayName: '江华值班', role: 'duty_officer', region: COUNTY_A } })
  })

  test('the token works as a bearer token; logout ends it', async () => {
    const { token } = await login(h, 'officerB')
    const auth = { authorization: `Bearer ${token}` }
    expect((await h.dashboard.fastify.inject({ method: 'GET', url: '/api/me', headers: auth })).statusCode).toBe(200)
    const out = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/logout', headers: auth })
    expect(out.json()).toEqual({ ok: true })
    const after = await h.dashboard.fastify.inject({ method: 'GET', url: '/api/me', headers: auth })
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ code: 'GH_ERR_UNAUTHORIZED' })
  })

  test('a wrong password is 401 with a stable code', async () => {
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: 'officer-a', password: 'wrong' } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_BAD_CREDENTIALS' })
    expect(res.cookies).toHaveLength(0)
  })

  test('ten failures from one address for one user: the next attempt is 429, even with the right password', async () => {
    const attempt = (password: string, remoteAddress = '10.0.0.9') =>
      h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', remoteAddress, payload: { username: 'viewer-a', password } })
    for (let i = 0; i < 10; i++) expect((await attempt('nope')).statusCode).toBe(401)
    const limited = await attempt(PASSWORD)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'GH_ERR_RATE_LIMITED' })
    expect((await attempt(PASSWORD, '10.0.0.10')).statusCode).toBe(200)
  })

  test.each(['/api/regions', '/api/sites', '/api/sites/site-a', '/api/alerts', '/api/me', '/api/stats', '/api/devices/offline', '/api/regions/map'])('%s without a session is 401', async (url) => {
    const res = await h.dashboard.fastify.inject({ method: 'GET', url })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_UNAUTHORIZED' })
  })

  test('health needs no session', async () => {
    const res = await h.dashboard.fastify.inject({ method: 'GET', url: '/api/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', broker: { connected: true }, readingsStore: { kind: 'sqlite', ok: true }, platformDb: { ok: true } })
  })
})

describe('jurisdiction scope', () => {
  /** Every county code in a region tree. */
  function counties(node: { code: string; level: string; children: unknown[] }): string[] {
    if (node.level === 'county') return [node.code]
    return (node.children as Array<typeof node>).flatMap(counties)
  }

  test.each([
    { user: 'nation', root: '000000', sees: ['a', 'b'] },
    { user: 'hunan', root: '430000', sees: ['a'] },
    { user: 'officerA', root: COUNTY_A, sees: ['a'] },
    { user: 'officerB', root: COUNTY_B, sees: ['b'] }
  ] as const)('$user sees sites $sees', async ({ user, root, sees }) => {
    const county = { a: COUNTY_A, b: COUNTY_B }
    const regions = await get(user, '/api/regions')
    expect(regions.statusCode).toBe(200)
    const tree = (regions.json() as { root: { code: string; level: string; siteCount: number; children: unknown[] } }).root
    expect(tree.code).toBe(root)
    expect(tree.siteCount).toBe(sees.length)
    expect(counties(tree).sort()).toEqual(sees.map((s) => county[s]).sort())

    const sites = (await get(user, '/api/sites')).json() as { sites: Array<{ id: string }> }
    expect(sites.sites.map((s) => s.id)).toEqual(sees.map((s) => `site-${s}`))

    const alerts = (await get(user, '/api/alerts?state=active')).json() as { alerts: Alert[] }
    const seeded = alerts.alerts.map((a) => a.id).filter((id) => id.startsWith('alert-'))
    expect(seeded.sort()).toEqual(sees.map((s) => `alert-${s}`))
    expect(alerts.alerts.every((a) => sees.some((s) => a.county === county[s]))).toBe(true)

    // Statistics, the offline-device list and the boundary map: only the jurisdiction's.
    const stats = await get(user, '/api/stats')
    const offline = await get(user, '/api/devices/offline')
    const map = await get(user, '/api/regions/map')
    expect([stats.statusCode, offline.statusCode, map.statusCode]).toEqual([200, 200, 200])
    const offlineCounties = (offline.json() as { devices: Array<{ county: string }> }).devices.map((d) => d.county)
    expect(offlineCounties.every((c) => sees.some((s) => county[s] === c))).toBe(true)
    for (const s of ['a', 'b'] as const) {
      if (!sees.includes(s as never)) expect(stats.body + offline.body).not.toContain(county[s])
    }

    // Fresh alerts for this row, so that every row can act on them.
    for (const s of ['a', 'b'] as const) h.db.saveAlert(makeAlert(`scope-${user}-${s}`, `site-${s}`))
    for (const s of ['a', 'b'] as const) {
      const visible = sees.includes(s as never)
      const detail = await get(user, `/api/sites/site-${s}`)
      const history = await get(user, `/api/sites/site-${s}/readings`)
      const ack = await post(user, `/api/alerts/scope-${user}-${s}/ack`, {})
      if (visible) {
        expect([detail.statusCode, history.statusCode, ack.statusCode]).toEqual([200, 200, 200])
      } else {
        // Out of scope answers exactly as unknown.
        const unknown = await get(user, '/api/sites/no-such-site')
        expect(detail.statusCode).toBe(404)
        expect(detail.json()).toEqual({ code: 'GH_ERR_UNKNOWN_SITE', message: `unknown site site-${s}` })
        expect(unknown.json()).toEqual({ code: 'GH_ERR_UNKNOWN_SITE', message: 'unknown site no-such-site' })
        expect(history.statusCode).toBe(404)
        expect(ack.statusCode).toBe(404)
        expect(ack.json()).toMatchObject({ code: 'GH_ERR_UNKNOWN_ALERT' })
      }
    }
  })

  test('?region= narrows within the jurisdiction and never widens it', async () => {
    const ids = async (user: UserKey, region: string) => ((await get(user, `/api/sites?region=${region}`)).json() as { sites: Array<{ id: string }> }).sites.map((s) => s.id)
    expect(await ids('nation', '510000')).toEqual(['site-b'])
    expect(await ids('officerA', '000000')).toEqual(['site-a'])
    expect(await ids('officerA', COUNTY_B)).toEqual([])
  })
})

describe('account and audit routes: administrators only', () => {
  let supervisor = ''
  beforeAll(async () => {
    h.db.createUser({ username: 'super-a', password: PASSWORD, role: 'supervisor', region: COUNTY_A, displayName: '江华带班' })
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: 'super-a', password: PASSWORD } })
    supervisor = (res.json() as { token: string }).token
  })
  const target = (): string => h.db.getUserByUsername('viewer-a')?.id ?? 'missing'
  const routes = [
    ['GET', '/api/users', undefined],
    ['POST', '/api/users', { username: 'made-by-non-admin', displayName: 'X', role: 'viewer', region: COUNTY_A, password: 'long enough password' }],
    ['PATCH', '/api/users/:id', { role: 'admin' }],
    ['POST', '/api/users/:id/password', { password: 'long enough password' }],
    ['GET', '/api/audit', undefined]
  ] as const

  test.each((['viewerA', 'officerA', 'hunan', 'supervisor'] as const).flatMap((user) => routes.map(([method, url, body]) => ({ user, method, url, body }))))(
    '$user: $method $url is 403',
    async ({ user, method, url, body }) => {
      const token = user === 'supervisor' ? supervisor : (tokens.get(user) ?? '')
      const res = await h.dashboard.fastify.inject({ method, url: url.replace(':id', target()), headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body }) })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })
    }
  )

  test.each(routes.map(([method, url, body]) => ({ method, url, body })))('without a session: $method $url is 401', async ({ method, url, body }) => {
    const res = await h.dashboard.fastify.inject({ method, url: url.replace(':id', target()), ...(body === undefined ? {} : { payload: body }) })
    expect(res.statusCode).toBe(401)
  })

  test('POST /api/me/password is for every signed-in role but needs a session and the current password', async () => {
    const anon = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/me/password', payload: { current: PASSWORD, next: 'long enough password' } })
    expect(anon.statusCode).toBe(401)
    const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/me/password', headers: { authorization: `Bearer ${supervisor}` }, payload: { current: 'wrong one', next: 'long enough password' } })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_BAD_CREDENTIALS' })
  })

  test('nothing was changed by the refused calls; the national admin reads both lists', async () => {
    expect(h.db.getUserByUsername('made-by-non-admin')).toBeUndefined()
    expect(h.db.getUserByUsername('viewer-a')).toMatchObject({ role: 'viewer' })
    expect((await get('nation', '/api/users')).statusCode).toBe(200)
    expect((await get('nation', '/api/audit')).statusCode).toBe(200)
  })
})

describe('sites', () => {
  test('site detail has the region path, devices and the latest readings', async () => {
    const res = await get('officerA', '/api/sites/site-a')
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({
      site: {
        id: 'site-a',
        countyName: '江华瑶族自治县',
        level: 'orange',
        alertId: 'alert-a',
        deviceCount: 1,
        shelter: '镇中心小学',
        regionPath: [{ code: '000000' }, { code: '430000' }, { code: '431100', name: '永州市' }, { code: COUNTY_A, name: '江华瑶族自治县' }]
      },
      devices: [{ id: 'dev-a1', dialect: 'native', online: null, lastSeen: T0 - 10 * 60_000 }],
      latest: [{ deviceId: 'dev-a1', sensorId: 'YL1', fields: { intervalMm: 3 } }]
    })
  })

  test('readings default to the last 24 h, hourly, summed for rain', async () => {
    const res = await get('officerA', `/api/sites/site-a/readings?type=rain&to=${T0}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ siteId: 'site-a', from: T0 - 86_400_000, to: T0, everyMs: 3_600_000, fn: 'sum' })
    const points = (res.json() as { points: Array<{ fields: Record<string, number> }> }).points
    expect(points.reduce((s, p) => s + (p.fields.intervalMm ?? 0), 0)).toBe(5)
  })

  test.each([
    ['from=yesterday', 'from'],
    ['every=5x', 'every'],
    ['type=lava', 'type'],
    [`from=${T0}&to=${T0 - 1}`, 'from must be before to'],
    [`from=0&to=${T0}&every=1s`, 'at most']
  ])('readings?%s is 400 naming %s', async (query, reason) => {
    const res = await get('officerA', `/api/sites/site-a/readings?${query}`)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_BAD_REQUEST', message: expect.stringContaining(reason) })
  })
})

describe('alert lifecycle', () => {
  test('acknowledge → escalate → resolve, then acknowledging again is 409', async () => {
    h.db.saveAlert(makeAlert('life-1', 'site-a'))
    const ack = await post('officerA', '/api/alerts/life-1/ack', { note: '已电话叫应' })
    expect(ack.statusCode).toBe(200)
    expect(ack.json()).toMatchObject({ alert: { state: 'acknowledged', actions: [{ action: 'acknowledge', by: 'officer-a', note: '已电话叫应' }] } })

    const esc1 = await post('officerA', '/api/alerts/life-1/escalate', {})
    expect(esc1.json()).toMatchObject({ alert: { state: 'acknowledged', escalations: [{ toRegion: '431100' }] } })
    const esc2 = await post('hunan', '/api/alerts/life-1/escalate', { note: '请省厅支援' })
    expect(esc2.json()).toMatchObject({ alert: { escalations: [{ toRegion: '431100' }, { toRegion: '430000', reason: '请省厅支援' }] } })

    const res = await post('officerA', '/api/alerts/life-1/resolve', { disposition: 'evacuated', note: '已转移 120 人' })
    expect(res.statusCode).toBe(200)
    const resolved = (res.json() as { alert: Alert }).alert
    expect(resolved).toMatchObject({ state: 'resolved', disposition: 'evacuated' })
    expect(resolved.resolvedAt).toBeTypeOf('number')
    expect(h.db.getAlert('life-1')).toEqual(resolved)

    const again = await post('officerA', '/api/alerts/life-1/ack', {})
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ code: 'GH_ERR_ALERT_STATE' })
    expect(h.db.listAudit(50).filter((e) => e.target === 'alert:life-1').map((e) => e.action)).toEqual(
      expect.arrayContaining(['alert.acknowledge', 'alert.escalate', 'alert.resolve'])
    )
  })

  test('resolving the alert a site level points at clears the level', async () => {
    h.db.saveAlert(makeAlert('life-2', 'site-b'))
    h.db.setSiteLevel({ siteId: 'site-b', county: COUNTY_B, level: 'red', alertId: 'life-2', since: T0 })
    expect((await post('officerB', '/api/alerts/life-2/resolve', { disposition: 'false_alarm' })).statusCode).toBe(200)
    expect(h.db.getSiteLevel('site-b')).toMatchObject({ level: 'none', alertId: null })
  })

  test('escalating beyond the nation is 409', async () => {
    h.db.saveAlert(makeAlert('life-3', 'site-a'))
    for (const to of ['431100', '430000', '000000']) {
      expect((await post('nation', '/api/alerts/life-3/escalate', {})).json()).toMatchObject({ alert: { escalations: expect.arrayContaining([expect.objectContaining({ toRegion: to })]) } })
    }
    expect((await post('nation', '/api/alerts/life-3/escalate', {})).statusCode).toBe(409)
  })

  test('a viewer may read alerts but not act on them', async () => {
    h.db.saveAlert(makeAlert('life-4', 'site-a'))
    expect((await get('viewerA', '/api/alerts?siteId=site-a')).statusCode).toBe(200)
    const res = await post('viewerA', '/api/alerts/life-4/ack', {})
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_FORBIDDEN' })
  })

  test.each([
    ['no disposition', '/api/alerts/life-x/resolve', {}, 'disposition'],
    ['an unknown disposition', '/api/alerts/life-x/resolve', { disposition: 'vanished' }, 'disposition'],
    ['a note over 2000 characters', '/api/alerts/life-x/ack', { note: 'x'.repeat(2001) }, 'note'],
    ['a malformed alert id', '/api/alerts/bad%20id/ack', {}, 'id']
  ])('%s is 400 naming it', async (_what, url, payload, reason) => {
    const res = await post('officerA', url, payload)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'GH_ERR_BAD_REQUEST', message: expect.stringContaining(reason) })
  })

  test('a body that is not JSON is 400, a login without a password is 400', async () => {
    const bad = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'GH_ERR_BAD_REQUEST' })
    const noPassword = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: 'officer-a' } })
    expect(noPassword.statusCode).toBe(400)
    expect(noPassword.json()).toMatchObject({ code: 'GH_ERR_BAD_REQUEST', message: expect.stringContaining('password') })
  })
})

describe('docs and the web app', () => {
  test('/api/docs is an OpenAPI 3 document with every route', async () => {
    const res = await h.dashboard.fastify.inject({ method: 'GET', url: '/api/docs' })
    expect(res.statusCode).toBe(200)
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/health',
        '/api/login',
        '/api/logout',
        '/api/me',
        '/api/regions',
        '/api/sites',
        '/api/sites/{id}',
        '/api/sites/{id}/readings',
        '/api/alerts',
        '/api/alerts/{id}/ack',
        '/api/alerts/{id}/escalate',
        '/api/alerts/{id}/resolve',
        '/api/alerts/{id}/note',
        '/api/users',
        '/api/users/{id}',
        '/api/users/{id}/password',
        '/api/me/password',
        '/api/audit',
        '/api/stats',
        '/api/devices/offline',
        '/api/regions/map'
      ])
    )
    const refs = [...res.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '')
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas
    for (const ref of refs) expect(schemas).toHaveProperty(ref)
  })

  test('without a built web app, pages get a placeholder and unknown API paths a JSON 404', async () => {
    const page = await h.dashboard.fastify.inject({ method: 'GET', url: '/sites/site-a' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('not built')
    const api = await get('officerA', '/api/nothing-here')
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ code: 'GH_ERR_NOT_FOUND' })
  })
})

describe('/api/regions/map with a map configured', () => {
  /** A small synthetic map: two provinces, one county in each (squares, not the real outlines). */
  const square = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]] })
  const MAP = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { adcode: 430000, name: 'Hunan' }, geometry: square(110, 24) },
      { type: 'Feature', properties: { adcode: COUNTY_A, name: 'Jianghua' }, geometry: square(111, 25) },
      { type: 'Feature', properties: { code: '510000', name: 'Sichuan' }, geometry: square(103, 30) },
      { type: 'Feature', properties: { code: COUNTY_B, name: 'Youxian' }, geometry: { type: 'MultiPolygon', coordinates: [square(104, 31).coordinates] } }
    ]
  }
  let mapped: Harness
  let dir = ''
  const mapTokens = new Map<UserKey, string>()
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geowarn-map-'))
    const file = join(dir, 'map.geojson')
    writeFileSync(file, JSON.stringify(MAP))
    mapped = await startHarness({ config: { mapGeoJsonFile: file } })
    for (const u of ['nation', 'hunan', 'officerA', 'officerB'] as const) mapTokens.set(u, (await login(mapped, u)).token)
  })
  afterAll(async () => {
    await mapped.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test.each([
    ['officerA', [COUNTY_A]],
    ['officerB', [COUNTY_B]],
    ['hunan', ['430000', COUNTY_A]],
    ['nation', ['430000', COUNTY_A, '510000', COUNTY_B]]
  ] as const)('%s receives only the polygons of their jurisdiction', async (user, codes) => {
    const res = await mapped.dashboard.fastify.inject({ method: 'GET', url: '/api/regions/map', headers: { authorization: `Bearer ${mapTokens.get(user)}` } })
    expect(res.statusCode).toBe(200)
    const features = (res.json() as { map: { features: Array<{ properties: { code: string; name: string }; geometry: { type: string } }> } }).map.features
    expect(features.map((f) => f.properties.code).sort()).toEqual([...codes].sort())
    // Nothing of the other regions travels, not even their coordinates.
    const other = user === 'officerA' || user === 'hunan' ? '104,31' : user === 'officerB' ? '111,25' : undefined
    if (other !== undefined) expect(res.body).not.toContain(other)
  })
})
