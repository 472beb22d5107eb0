import { readFile } from 'node:fs/promises'
import mqtt from 'mqtt'
import type pino from 'pino'
import { decodeUplink, filters, parseUplinkTopic } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { createAlertSink, type AlertSinkStats } from './alert-sink.js'
import { ConfigError, type RulesConfig } from './config.js'
import { createEngine, type Engine, type EngineStats } from './engine.js'
import { loadRuleTables, type RuleTables } from './tables.js'

export interface RulesDeps {
  db: PlatformDb
  log: pino.Logger
  /** Dates undated `$dp` frames only; rule time is always the readings' own. */
  now?: () => number
}

export interface RulesStats extends AlertSinkStats {
  received: number
  /** Messages rejected at the edge (bad topic or payload). */
  rejected: number
  readings: number
  transitions: number
  published: number
  publishErrors: number
  engine: EngineStats
}

export interface RulesHandle {
  stats(): RulesStats
  close(): Promise<void>
}

const PAYLOAD_LOG_CHARS = 200
/** Rejections are logged one line each up to this many, then one line per thousand. */
const REJECT_LOG_BURST = 20

export async function loadRuleTablesFile(path: string): Promise<RuleTables> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as Error).message}`])
  }
  const loaded = loadRuleTables(json)
  if (!loaded.ok) throw new ConfigError(loaded.reason.map((p) => `${path}: ${p}`))
  return loaded.value
}

/** Restart: resume site levels and open alerts so the same episode does not open a second alert. */
function resume(engine: Engine, db: PlatformDb): number {
  const resumed = new Set<string>()
  for (const r of db.listSiteLevels()) {
    if (r.level === 'none') continue
    engine.restore(r.siteId, r.county, r.level)
    resumed.add(r.siteId)
  }
  for (const a of db.listAlerts({ state: 'active' })) {
    if (resumed.has(a.siteId) || db.getSiteLevel(a.siteId) !== undefined) continue
    engine.restore(a.siteId, a.county, a.level)
    resumed.add(a.siteId)
  }
  return resumed.size
}

export async function buildRules(config: RulesConfig, deps: RulesDeps): Promise<RulesHandle> {
  const log = deps.log.child({ module: 'rules' })
  const now = deps.now ?? Date.now
  const { db } = deps
  const tables = await loadRuleTablesFile(config.rulesFile)
  const engine = createEngine(tables, db.listSites())
  for (const problem of engine.problems()) log.warn({ problem }, 'site rule override rejected, default kept')
  const resumedSites = resume(engine, db)

  const counts = { received: 0, rejected: 0, readings: 0, transitions: 0, published: 0, publishErrors: 0 }
  const pending = new Set<Promise<unknown>>()
  const client = await mqtt.connectAsync(config.mqttUrl, {
    username: config.mqttUsername,
    password: config.mqttPassword,
    clientId: config.mqttClientId,
    reconnectPeriod: 1000
  })
  client.on('error', (err) => log.error({ err }, 'mqtt error'))

  const sink = createAlertSink(db, {
    publish(topic, payload, retain) {
      const p = client.publishAsync(topic, payload, { qos: 1, retain }).then(
        () => counts.published++,
        (err: unknown) => {
          counts.publishErrors++
          log.error({ err, topic }, 'publish failed')
        }
      )
      pending.add(p)
      void p.finally(() => pending.delete(p))
    }
  }, log)

  function reject(topic: string, payload: Buffer, reason: string): void {
    counts.rejected++
    if (counts.rejected <= REJECT_LOG_BURST || counts.rejected % 1000 === 0) {
      log.warn({ topic: topic.slice(0, 200), payload: payload.toString('utf8', 0, PAYLOAD_LOG_CHARS), reason, rejected: counts.rejected }, 'uplink rejected')
    }
  }

  /** A site registered after start: pick up its overrides; the engine uses the defaults otherwise. */
  function loadSite(siteId: string): void {
    try {
      const site = db.getSite(siteId)
      if (site !== undefined) for (const problem of engine.upsertSite(site)) log.warn({ problem }, 'site rule override rejected, default kept')
    } catch (err) {
      log.error({ err, siteId }, 'could not read the site: default rules')
    }
  }

  function onMessage(topic: string, payload: Buffer): void {
    counts.received++
    const parsedTopic = parseUplinkTopic(topic)
    if (!parsedTopic.ok) return reject(topic, payload, parsedTopic.reason)
    const uplink = decodeUplink(parsedTopic.value, payload, now())
    if (!uplink.ok) return reject(topic, payload, uplink.reason)
    for (const reading of uplink.value.readings) {
      counts.readings++
      if (!engine.hasSite(reading.siteId)) loadSite(reading.siteId)
      const transition = engine.ingest(reading)
      if (transition === null) continue
      counts.transitions++
      sink.handle(transition)
    }
  }

  client.on('message', onMessage)
  const filter = filters.uplinks(config.province)
  const granted = await client.subscribeAsync(filter, { qos: 1 })
  if (granted.some((g) => g.qos === 128)) {
    await client.endAsync(true)
    throw new Error(`the broker refused the subscription ${filter} to ${config.mqttUsername}`)
  }
  log.info({ filter, sites: engine.stats().sites, resumedSites, rainProfile: tables.rain.profile }, 'rules engine consuming')

  return {
    stats: () => ({ ...counts, ...sink.stats(), engine: engine.stats() }),
    async close() {
      client.removeListener('message', onMessage)
      await Promise.allSettled([...pending])
      await client.endAsync()
    }
  }
}
