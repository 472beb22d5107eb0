import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { buildBroker, type BrokerHandle } from '../broker/app.js'
import { loadConfig as loadBrokerConfig } from '../broker/config.js'
import { buildDashboard, type DashboardHandle } from '../dashboard/app.js'
import { loadConfig as loadDashboardConfig } from '../dashboard/config.js'
import { registryFileSchema } from '../domain/index.js'
import { buildIngest, type Ingest } from '../ingest/app.js'
import { loadConfig as loadIngestConfig } from '../ingest/config.js'
import { buildRules, type RulesHandle } from '../rules/app.js'
import { loadConfig as loadRulesConfig } from '../rules/config.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { randomSecret } from '../store/secrets.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openReadingsStore } from '../store/open-readings-store.js'
import { readJsonFile } from './files.js'

export const SERVICE_NAMES = ['broker', 'ingest', 'rules', 'dashboard'] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

export type Env = Readonly<Record<string, string | undefined>>

export interface PlatformOptions {
  /** Settings, as the environment variables of the README (tests pass their own object). */
  env: Env
  log: Logger
  services?: readonly ServiceName[]
  /** A registry file (sites and devices) to import before the services start. */
  registryFile?: string
}

export interface Platform {
  dataDir: string
  /** Where the services (and the simulator) reach the broker. */
  mqttUrl: string
  /** The dashboard, when it runs. */
  httpUrl: string | undefined
  db: PlatformDb
  readings: ReadingsStore
  broker: BrokerHandle | undefined
  ingest: Ingest | undefined
  rules: RulesHandle | undefined
  dashboard: DashboardHandle | undefined
  health(): Record<string, unknown>
  close(): Promise<void>
}

/**
 * `geowarn start`: any subset of the services in one process (design.md "The embedded default").
 * They still meet only through MQTT and the stores; in one process they merely share the two
 * store handles and one service secret.
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const wanted = new Set(opts.services ?? SERVICE_NAMES)
  const log = opts.log
  const dataDir = path.resolve(opts.env.GEOWARN_DATA_DIR ?? './data')
  mkdirSync(dataDir, { recursive: true })
  // One process, one secret: generated when the operator did not set one.
  const env: Record<string, string | undefined> = {
    ...opts.env,
    GEOWARN_DATA_DIR: dataDir,
    GEOWARN_SERVICE_SECRET: opts.env.GEOWARN_SERVICE_SECRET ?? randomSecret()
  }

  const readings = openReadingsStore(env, dataDir, log)
  const db = openPlatformDb(path.join(dataDir, 'platform.db'), { log })
  const closers: Array<() => Promise<void> | void> = [() => readings.close(), () => db.close()]
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c()
      } catch (err) {
        log.error({ err }, 'error while stopping')
      }
    }
  }

  try {
    if (opts.registryFile !== undefined) {
      const reg = registryFileSchema.parse(await readJsonFile(opts.registryFile))
      const counts = db.importRegistry(reg)
      log.info({ file: opts.registryFile, ...counts }, 'registry imported')
    }

    let broker: BrokerHandle | undefined
    if (wanted.has('broker')) {
      broker = await buildBroker(loadBrokerConfig(env), { db, log })
      closers.push(() => broker?.close())
      // The other services of this process talk to this broker, whatever GEOWARN_MQTT_URL says.
      env.GEOWARN_MQTT_URL = `mqtt://127.0.0.1:${broker.mqttPort}`
    }
    const mqttUrl = env.GEOWARN_MQTT_URL ?? `mqtt://127.0.0.1:${env.GEOWARN_MQTT_PORT ?? 1883}`
    env.GEOWARN_MQTT_URL = mqttUrl

    let ingest: Ingest | undefined
    if (wanted.has('ingest')) {
      // With the dashboard in this process it reads ingest's stats directly (health() below).
      const ingestConfig = loadIngestConfig(env)
      ingest = await buildIngest(wanted.has('dashboard') ? { ...ingestConfig, healthReportMs: 0 } : ingestConfig, { store: readings, log })
      closers.push(() => ingest?.close())
    }
    let rules: RulesHandle | undefined
    if (wanted.has('rules')) {
      rules = await buildRules(loadRulesConfig(env), { db, readings, log })
      closers.push(() => rules?.close())
    }
    const health = (): Record<string, unknown> => ({
      ...(broker ? { broker: broker.stats() } : {}),
      ...(ingest ? { ingest: ingest.stats() } : {}),
      ...(rules ? { rules: rules.stats() } : {})
    })
    let dashboard: DashboardHandle | undefined
    if (wanted.has('dashboard')) {
      dashboard = await buildDashboard(loadDashboardConfig(env), { db, readings, log, health })
      closers.push(() => dashboard?.close())
    }
    return { dataDir, mqttUrl, httpUrl: dashboard?.url, db, readings, broker, ingest, rules, dashboard, health, close }
  } catch (err) {
    await close()
    throw err
  }
}
