import { readFile } from 'node:fs/promises'
import mqtt from 'mqtt'
import type pino from 'pino'
import { decodeUplink, filters, parseUplinkTopic, type Alert } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { createAlertSink, type AlertSinkStats, type Publisher } from './alert-sink.js'
import { ConfigError, type RulesConfig } from './config.js'
import { createDeviceCommander, type DeviceCommandStats } from './device-commands.js'
import { createDeviceWatch, type DeviceWatchStats } from './device-watch.js'
import { createEngine, type EngineStats } from './engine.js'
import { createEscalator, type EscalatorStats } from './escalation-timers.js'
import { createAddresser } from './notification.js'
import { parseOfficerEvent, type OfficerEvent } from './officer-actions.js'
import { loadRuleTables, type RuleTables } from './tables.js'
import { warmStart, type WarmStartResult } from './warm-start.js'

export interface RulesDeps {
  db: PlatformDb
  log: pino.Logger
  /** Windows are rebuilt from here at start (warm start); absent, they start empty. */
  readings?: ReadingsStore
  /**
   * The wall clock: escalation delays, offline detection, the warm-start range, and the date of
   * undated `$dp` frames. Rule time is always the readings' own.
   */
  now?: () => number
}

export interface RulesStats extends AlertSinkStats {
  /** Uplink messages. */
  received: number
  /** Alert events heard on gh/alert (ours come back too). */
  alertEventsHeard: number
  /** Messages rejected at the edge (bad topic or payload). */
  rejected: number
  readings: number
  statuses: number
  transitions: number
  published: number
  publishErrors: number
  /** Officers' acknowledge/escalate/resolve heard on gh/alert. */
  officerActions: number
  engine: EngineStats
  escalation: EscalatorStats
  devices: DeviceCommandStats & DeviceWatchStats
  warmStart: WarmStartResult | null
}

export interface RulesHandle {
  stats(): RulesStats
  close(): Promise<void>
}

const PAYLOAD_LOG_CHARS = 200
/** Rejections are logged one line each up to this many, then one line per thousand. */
const REJECT_LOG_BURST = 20
const MIN = 60_000
const H = 60 * MIN
/** Device clocks may run ahead: the warm start also reads readings dated up to a day after now (our choice). */
const WARM_START_AHEAD_MS = 24 * H

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

export async function buildRules(config: RulesConfig, deps: RulesDeps): Promise<RulesHandle> {
  const log = deps.log.child({ module: 'rules' })
  const now = deps.now ?? Date.now
  const { db } = deps
  const tables = await loadRuleTablesFile(config.rulesFile)
  // Partitioned by province (design.md "scaled-out"): only our sites, alerts and devices.
  const scope = config.province === '+' ? undefined : `${config.province}0000`
  const engine = createEngine(tables, db.listSites(scope))
  for (const problem of engine.problems()) log.warn({ problem }, 'site rule override rejected, default kept')

  const counts = { received: 0, alertEventsHeard: 0, rejected: 0, readings: 0, statuses: 0, transitions: 0, published: 0, publishErrors: 0, officerActions: 0 }
  const pending = new Set<Promise<unknown>>()
  const client = await mqtt.connectAsync(config.mqttUrl, {
    username: config.mqttUsername,
    password: config.mqttPassword,
    clientId: config.mqttClientId,
    reconnectPeriod: 1000
  })
  client.on('error', (err) => log.error({ err }, 'mqtt error'))

  const publisher: Publisher = {
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
  }
  const addresser = createAddresser(db, tables.escalation.roles, log)
  const escalator = createEscalator({ db, publisher, log, escalation: tables.escalation, addresser, now })
  const commander = createDeviceCommander({ db, publisher, log, dztApiKey: config.dztApiKey })
  const watch = createDeviceWatch({ db, log, now, scope, offlineAfterMs: config.offlineAfterMin * MIN, sweepMs: config.offlineSweepMin * MIN })
  function onAlert(alert: Alert): void {
    escalator.track(alert)
    commander.onAlert(alert)
  }
  const sink = createAlertSink({ db, publisher, log, escalation: tables.escalation, addresser, now, onAlert })

  function reject(topic: string, payload: Buffer, reason: string, what = 'uplink'): void {
    counts.rejected++
    if (counts.rejected <= REJECT_LOG_BURST || counts.rejected % 1000 === 0) {
      log.warn({ topic: topic.slice(0, 200), payload: payload.toString('utf8', 0, PAYLOAD_LOG_CHARS), reason, rejected: counts.rejected }, '%s rejected', what)
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

  function onUplink(topic: string, payload: Buffer): void {
    const parsedTopic = parseUplinkTopic(topic)
    if (!parsedTopic.ok) return reject(topic, payload, parsedTopic.reason)
    const arrivedMs = now()
    const uplink = decodeUplink(parsedTopic.value, payload, arrivedMs)
    if (!uplink.ok) return reject(topic, payload, uplink.reason)
    const { deviceId, siteId } = parsedTopic.value
    watch.seen(deviceId, siteId, arrivedMs)
    for (const status of uplink.value.statuses) {
      counts.statuses++
      if (!engine.hasSite(status.siteId)) loadSite(status.siteId)
      watch.maintenance(engine.ingestStatus(status))
    }
    for (const reading of uplink.value.readings) {
      counts.readings++
      if (!engine.hasSite(reading.siteId)) loadSite(reading.siteId)
      const transition = engine.ingest(reading)
      if (transition === null) continue
      counts.transitions++
      sink.handle(transition)
    }
  }

  /** The DB is written before any event is published (by us and the dashboard): it has the latest. */
  function onOfficerAction(e: OfficerEvent): void {
    counts.officerActions++
    let alert = e.event.alert
    try {
      alert = db.getAlert(alert.id) ?? alert
    } catch (err) {
      log.error({ err, alertId: alert.id }, 'could not re-read the alert: the event’s copy is used')
    }
    log.info({ alertId: alert.id, siteId: alert.siteId, kind: e.kind, by: e.by, state: alert.state }, 'officer action heard')
    escalator.track(alert)
    commander.onAlert(alert)
  }

  function handle(topic: string, payload: Buffer): void {
    if (!topic.startsWith('gh/alert/')) {
      counts.received++
      return onUplink(topic, payload)
    }
    counts.alertEventsHeard++
    const parsed = parseOfficerEvent(payload)
    if (!parsed.ok) return reject(topic, payload, parsed.reason, 'alert event')
    if (parsed.value !== null) onOfficerAction(parsed.value)
  }

  // Until the windows are rebuilt, live messages wait here (the engine drops what the replay had).
  let backlog: Array<[string, Buffer]> | null = []
  function onMessage(topic: string, payload: Buffer): void {
    if (backlog !== null) backlog.push([topic, payload])
    else handle(topic, payload)
  }
  client.on('message', onMessage)
  const subscriptions = [filters.uplinks(config.province), filters.alerts(config.province)]
  const granted = await client.subscribeAsync(subscriptions, { qos: 1 })
  async function abort(err: Error): Promise<never> {
    escalator.close()
    watch.close()
    await client.endAsync(true)
    throw err
  }
  if (granted.some((g) => g.qos === 128)) {
    await abort(new Error(`the broker refused a subscription of ${subscriptions.join(', ')} to ${config.mqttUsername}`))
  }

  const startMs = now()
  let warm: WarmStartResult
  let active: Alert[]
  let armed: number
  try {
    warm = await warmStart({
      engine,
      db,
      scope,
      readings: deps.readings,
      log,
      fromMs: startMs - config.warmStartH * H,
      toMs: startMs + WARM_START_AHEAD_MS,
      onReading: (r) => watch.seen(r.deviceId, r.siteId, Math.min(r.ts, startMs))
    })
    active = db.listAlerts({ state: 'active', ...(scope === undefined ? {} : { scope }) })
    commander.resume(active)
    armed = escalator.resume(scope)
  } catch (err) {
    return abort(err as Error)
  }
  const waiting = backlog
  backlog = null
  for (const [topic, payload] of waiting) handle(topic, payload)
  log.info(
    { subscriptions, sites: engine.stats().sites, warmStart: warm, activeAlerts: active.length, ladders: armed, backlog: waiting.length, rainProfile: tables.rain.profile },
    'rules engine consuming'
  )

  return {
    stats: () => ({
      ...counts,
      ...sink.stats(),
      engine: engine.stats(),
      escalation: escalator.stats(),
      devices: { ...commander.stats(), ...watch.stats() },
      warmStart: warm
    }),
    async close() {
      client.removeListener('message', onMessage)
      escalator.close()
      watch.close()
      await Promise.allSettled([...pending])
      await client.endAsync()
    }
  }
}
