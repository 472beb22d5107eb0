import mqtt from 'mqtt'
import type pino from 'pino'
import { decodeUplink, filters, parseUplinkTopic, type Alert, type Device, type Result, type Site } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { createAlertSink, type AlertSinkStats, type Publisher } from './alert-sink.js'
import { ConfigError, type RulesConfig } from './config.js'
import { createDeviceCommander, type DeviceCommandStats } from './device-commands.js'
import { createDeviceWatch, type DeviceWatchStats } from './device-watch.js'
import { createEngine, type EngineStats, type SiteInput } from './engine.js'
import { createEscalator, type EscalatorStats } from './escalation-timers.js'
import { createAddresser } from './notification.js'
import { parseOfficerEvent, type OfficerEvent } from './officer-actions.js'
import { readLayeredRuleTables } from './rule-files.js'
import { createRuleReloader, type ReloadStats, type ReloadSummary } from './rule-reload.js'
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
  reloads: ReloadStats
}

export interface RulesHandle {
  stats(): RulesStats
  /**
   * Re-read the rule tables and overrides files (SIGHUP; file changes do the same by themselves).
   * An invalid file is refused with every problem and the running tables stay.
   */
  reloadRules(): Promise<Result<ReloadSummary, string[]>>
  close(): Promise<void>
}

const PAYLOAD_LOG_CHARS = 200
/** Rejections are logged one line each up to this many, then one line per thousand. */
const REJECT_LOG_BURST = 20
const MIN = 60_000
const H = 60 * MIN
/** Device clocks may run ahead: the warm start also reads readings dated up to a day after now (our choice). */
const WARM_START_AHEAD_MS = 24 * H

/** A registry site with its sensors' ranges and units, as the engine takes it. */
export function siteInput(site: Site, devices: readonly Device[]): SiteInput {
  const sensors = devices.flatMap((d) => d.sensors.map((s) => ({ deviceId: d.id, sensorId: s.id, range: s.range, unit: s.unit })))
  return { ...site, sensors }
}

export async function buildRules(config: RulesConfig, deps: RulesDeps): Promise<RulesHandle> {
  const log = deps.log.child({ module: 'rules' })
  const now = deps.now ?? Date.now
  const { db } = deps
  const loaded = await readLayeredRuleTables(config.rulesFile, config.overridesFile)
  if (!loaded.ok) throw new ConfigError(loaded.reason)
  const tables = loaded.value
  // Partitioned by province (design.md "scaled-out"): only our sites, alerts and devices.
  const scope = config.province === '+' ? undefined : `${config.province}0000`
  const devicesBySite = new Map<string, Device[]>()
  for (const d of db.listDevices()) devicesBySite.set(d.siteId, [...(devicesBySite.get(d.siteId) ?? []), d])
  const engine = createEngine(
    tables,
    db.listSites(scope).map((s) => siteInput(s, devicesBySite.get(s.id) ?? []))
  )
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
      if (site !== undefined) for (const problem of engine.upsertSite(siteInput(site, db.listDevices(siteId)))) log.warn({ problem }, 'site rule override rejected, default kept')
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
      stepMs: config.warmStartStepS * 1000,
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
  // From here on (nothing can fail after it): a watcher made earlier would outlive a failed start.
  const reloader = createRuleReloader({
    engine,
    rulesFile: config.rulesFile,
    overridesFile: config.overridesFile,
    log: log.child({ module: 'rule-reload' }),
    // Thresholds decide who is warned: a change in force must be on the audit record, not only in a log.
    // Rule tables are nationwide, so no regions: national administrators read these entries.
    onApplied: (r) =>
      db.audit({
        at: now(),
        actor: 'rules',
        action: 'rules.reload',
        target: `rules:${r.tablesHash}`,
        detail: { rulesFile: r.rulesFile, overridesFile: r.overridesFile ?? null, tablesHash: r.tablesHash, changedValues: r.changedValues, sections: r.sections, siteProblems: r.siteProblems }
      })
  })
  log.info(
    { subscriptions, sites: engine.stats().sites, warmStart: warm, activeAlerts: active.length, ladders: armed, backlog: waiting.length, rainProfile: tables.rain.profile, rulesFile: config.rulesFile, overridesFile: config.overridesFile },
    'rules engine consuming'
  )

  return {
    stats: () => ({
      ...counts,
      ...sink.stats(),
      engine: engine.stats(),
      escalation: escalator.stats(),
      devices: { ...commander.stats(), ...watch.stats() },
      warmStart: warm,
      reloads: reloader.stats()
    }),
    reloadRules: () => reloader.reload(),
    async close() {
      reloader.close()
      client.removeListener('message', onMessage)
      escalator.close()
      watch.close()
      await Promise.allSettled([...pending])
      await client.endAsync()
    }
  }
}
