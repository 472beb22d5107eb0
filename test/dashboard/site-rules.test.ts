import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifyCookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { inRepository } from '../../dashboard/config.js'
import type { RouteContext } from '../../dashboard/context.js'
import { requireSession } from '../../dashboard/plugins/auth.js'
import { installErrorHandler } from '../../dashboard/plugins/errors.js'
import { RejectCounter } from '../../dashboard/rejects.js'
import { siteRulesRoutes } from '../../dashboard/routes/site-rules.js'
import { SessionStore } from '../../dashboard/sessions.js'
import { COUNTY_A, COUNTY_B, login, startHarness, T0, USERS, type Harness, type UserKey } from './fixture.js'

interface RulesBody {
  siteId: string
  county: string
  layers: string[]
  effective: Record<string, unknown>
  values: Array<{ path: string; value: unknown; source: string }>
  problems: string[]
}

let h: Harness
const tokens = new Map<UserKey, string>()

beforeAll(async () => {
  h = await startHarness()
  // A site with its own overrides, in county A.
  h.db.importRegistry({
    version: 1,
    sites: [
      {
        id: 'site-a2',
        name: '江华滑坡二号',
        hazardType: 'landslide',
        county: COUNTY_A,
        location: { lon: 111.59, lat: 25.19 },
        threatenedPeople: 10,
        threatenedPropertyWanCny: 5,
        rules: { velocityMmPerDay: { blue: 1, yellow: 2, orange: 4, red: 8 }, rainThresholdsMm: { '1h': { red: 70 } } }
      }
    ],
    devices: []
  })
  for (const u of ['officerA', 'officerB', 'nation'] as const) tokens.set(u, (await login(h, u)).token)
})
afterAll(async () => {
  await h.close()
})

function get(user: UserKey, url: string) {
  return h.dashboard.fastify.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.get(user)}` } })
}

const valueOf = (body: RulesBody, path: string) => body.values.find((v) => v.path === path)

describe('GET /api/sites/:id/rules', () => {
  test('a site without overrides: every value from the shipped defaults', async () => {
    const res = await get('officerA', '/api/sites/site-a/rules')
    expect(res.statusCode).toBe(200)
    const body = res.json() as RulesBody
    expect(body).toMatchObject({ siteId: 'site-a', county: COUNTY_A, layers: ['default'], problems: [] })
    expect(valueOf(body, 'rain.windows[1h].thresholdsMm.red')).toEqual({ path: 'rain.windows[1h].thresholdsMm.red', value: 80, source: 'default' })
    expect(body.values.every((v) => v.source === 'default')).toBe(true)
  })

  test('site overrides are marked site:<id>; the rest stays default', async () => {
    const body = (await get('nation', '/api/sites/site-a2/rules')).json() as RulesBody
    expect(body.layers).toEqual(['default', 'site:site-a2'])
    expect(valueOf(body, 'displacement.velocityMmPerDay.red')).toMatchObject({ value: 8, source: 'site:site-a2' })
    expect(valueOf(body, 'rain.windows[1h].thresholdsMm.red')).toMatchObject({ value: 70, source: 'site:site-a2' })
    // The rain shortcut replaces the window's thresholds: the levels it leaves out are gone.
    expect(valueOf(body, 'rain.windows[1h].thresholdsMm.blue')).toBeUndefined()
    expect(valueOf(body, 'rain.windows[3h].thresholdsMm.red')).toMatchObject({ value: 120, source: 'default' })
  })

  test.each([
    ['officerB', '/api/sites/site-a/rules', 404],
    ['officerA', '/api/sites/site-b/rules', 404],
    ['officerA', '/api/sites/nope/rules', 404],
    ['officerB', `/api/sites/site-b/rules`, 200]
  ] as const)('%s GET %s → %i (out of scope = unknown)', async (user, url, status) => {
    const res = await get(user, url)
    expect(res.statusCode).toBe(status)
    if (status === 404) expect(res.json()).toMatchObject({ code: 'GH_ERR_UNKNOWN_SITE' })
  })

  test('needs a session', async () => {
    expect((await h.dashboard.fastify.inject({ method: 'GET', url: '/api/sites/site-a/rules' })).statusCode).toBe(401)
  })

  test('is in /api/docs', async () => {
    const doc = (await h.dashboard.fastify.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toContain('/api/sites/{id}/rules')
  })
})

describe('regional layers from an override file', () => {
  let dir: string
  let app: FastifyInstance
  let token: string

  /** The route alone, on the harness's stores, reading a temporary override file. */
  async function routeWith(overrides: unknown): Promise<FastifyInstance> {
    writeFileSync(join(dir, 'overrides.json'), typeof overrides === 'string' ? overrides : JSON.stringify(overrides))
    const sessions = new SessionStore(3_600_000, () => T0)
    const user = h.db.listUsers().find((u) => u.username === USERS.nation.username)
    if (user === undefined) throw new Error('no nation user')
    token = sessions.create(user.id).token
    // The route and the session hook use the stores and sessions only.
    const ctx = { db: h.db, sessions } as unknown as RouteContext
    const f = Fastify({ logger: process.env.GEOWARN_TEST_LOG === undefined ? false : { level: process.env.GEOWARN_TEST_LOG } })
    f.setValidatorCompiler(validatorCompiler)
    f.setSerializerCompiler(serializerCompiler)
    installErrorHandler(f, new RejectCounter(pino({ level: 'silent' })))
    await f.register(fastifyCookie)
    await f.register(async (scope) => {
      requireSession(scope, ctx)
      // The test context has no config: name both files.
      await scope.register(siteRulesRoutes, { ctx, rulesFile: inRepository('config', 'rules-default.json'), overridesFile: join(dir, 'overrides.json') })
    })
    await f.ready()
    return f
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'geowarn-rules-'))
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('province, city and county layers each own their values', async () => {
    app = await routeWith({
      version: 1,
      provinces: { '43': { grading: { dwellH: 12 } } },
      cities: { '4311': { rain: { windows: [{ id: '1h', thresholdsMm: { blue: 30 } }] } } },
      counties: { [COUNTY_A]: { rain: { windows: [{ id: '1h', thresholdsMm: { red: 75 } }] } }, [COUNTY_B]: { grading: { dwellH: 1 } } }
    })
    const res = await app.inject({ method: 'GET', url: '/api/sites/site-a2/rules', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(200)
    const body = res.json() as RulesBody
    expect(body.layers).toEqual(['default', 'province:43', 'city:4311', `county:${COUNTY_A}`, 'site:site-a2'])
    expect(valueOf(body, 'grading.dwellH')).toMatchObject({ value: 12, source: 'province:43' })
    expect(valueOf(body, 'rain.windows[3h].thresholdsMm.red')).toMatchObject({ value: 120, source: 'default' })
    // The site's rain shortcut replaces what the city and the county set for 1 h.
    expect(valueOf(body, 'rain.windows[1h].thresholdsMm.red')).toMatchObject({ value: 70, source: 'site:site-a2' })
    const plain = (await app.inject({ method: 'GET', url: '/api/sites/site-a/rules', headers: { authorization: `Bearer ${token}` } })).json() as RulesBody
    expect(valueOf(plain, 'rain.windows[1h].thresholdsMm.red')).toMatchObject({ value: 75, source: `county:${COUNTY_A}` })
    expect(valueOf(plain, 'rain.windows[1h].thresholdsMm.blue')).toMatchObject({ value: 30, source: 'city:4311' })
    await app.close()
  })

  test('a malformed override file is listed as problems; the defaults are shown', async () => {
    app = await routeWith({ version: 1, provinces: { '4': {} }, counties: { '430000': {} } })
    const body = (await app.inject({ method: 'GET', url: '/api/sites/site-a/rules', headers: { authorization: `Bearer ${token}` } })).json() as RulesBody
    expect(body.layers).toEqual(['default'])
    expect(body.problems).toEqual([expect.stringMatching(/provinces\.4: a province key has 2 digits/), expect.stringMatching(/counties\.430000: a county key/)])
    await app.close()
  })
})
