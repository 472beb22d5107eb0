import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { applyAlertCommand, EVENT_KIND_OF, type AlertCommand } from '../../dashboard/alert-actions.js'
import {
  alertEventSchema,
  nativeCommandSchema,
  parseDztCommand,
  registryFileSchema,
  topics,
  type Alert,
  type AlertEvent,
  type NativeData,
  type NativeStatus
} from '../../domain/index.js'
import { buildRules, type RulesHandle } from '../../rules/app.js'
import { rulesConfigSchema } from '../../rules/config.js'
import type { PlatformDb } from '../../store/platform-db.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { DEFAULT_TABLES_PATH, H, rain, T0 } from './helpers.js'
import { startBareBroker, type BareBroker } from '../support/bare-broker.js'

/**
 * The lifecycle over a real broker: rules hears the officers on gh/alert, commands the site's
 * devices (a native and a DZ/T one, each a real MQTT client on its command topic), and warm-starts
 * from a real readings store.
 */

const SITE = { prov: '43', county: '431129', siteId: 'S-JH-001' }
const NATIVE = 'RG1'
const DZT = 'SK00EA0D1307986'
const API_KEY = 'deployment-key-1'
const RAIN_TOPIC = topics.uplink({ ...SITE, deviceId: NATIVE, kind: 'data' })
const STATUS_TOPIC = topics.uplink({ ...SITE, deviceId: NATIVE, kind: 'status' })

const registry = registryFileSchema.parse({
  version: 1,
  sites: [{ id: SITE.siteId, name: '江华 test slope', hazardType: 'landslide', county: SITE.county, location: { lon: 111.58, lat: 25.18 } }],
  devices: [
    { id: NATIVE, siteId: SITE.siteId, dialect: 'native', sensors: [{ id: 'YL1', type: 'rain' }] },
    { id: DZT, siteId: SITE.siteId, dialect: 'dzt0450', sensors: [{ id: 'L1_LF_1', type: 'crack' }] }
  ]
})

function rainPayload(hour: number, intervalMm: number): string {
  const data: NativeData = { v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: T0 + hour * H, fields: { intervalMm } }] }
  return JSON.stringify(data)
}

/** Anything pushed, awaited by a predicate: no sleeping. */
class Waitable<T> {
  readonly items: T[] = []
  private waiters: Array<() => void> = []
  push(item: T): void {
    this.items.push(item)
    for (const w of this.waiters.splice(0)) w()
  }
  async until(pred: (items: T[]) => boolean): Promise<T[]> {
    while (!pred(this.items)) await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.items
  }
}

describe('alert lifecycle over a real broker', () => {
  let broker: BareBroker
  let url: string
  let db: PlatformDb
  let store: ReadingsStore
  let device: MqttClient
  let dashboard: MqttClient
  let events: Waitable<AlertEvent>
  let commands: Waitable<{ deviceId: string; payload: string }>
  let logs: Waitable<Record<string, unknown>>
  const clients: MqttClient[] = []
  const opened: RulesHandle[] = []

  async function client(clientId: string): Promise<MqttClient> {
    const c = await mqtt.connectAsync(url, { clientId })
    clients.push(c)
    return c
  }

  async function startRules(nowMs: number, readings?: ReadingsStore): Promise<RulesHandle> {
    const config = rulesConfigSchema.parse({ mqttUrl: url, mqttPassword: 'not-checked-by-bare-aedes', rulesFile: fileURLToPath(DEFAULT_TABLES_PATH), dztApiKey: API_KEY })
    const log = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) })
    const rules = await buildRules(config, { db, log, now: () => nowMs, ...(readings === undefined ? {} : { readings }) })
    opened.push(rules)
    return rules
  }

  /** What the dashboard does for an officer (dashboard/routes/alerts.ts): apply, save, publish. */
  async function officer(alert: Alert, cmd: AlertCommand, at: number): Promise<Alert> {
    const applied = applyAlertCommand(alert, cmd, 'jh-duty', at)
    if (!applied.ok) throw new Error(applied.reason)
    db.saveAlert(applied.value)
    const event: AlertEvent = { kind: EVENT_KIND_OF[cmd.action], at, alert: applied.value }
    await dashboard.publishAsync(topics.alert(SITE), JSON.stringify(event), { qos: 1 })
    return applied.value
  }

  const levelEvents = (n: number) => events.until((e) => e.filter((x) => x.kind !== 'escalated').length >= n)
  const logged = (msg: string, n = 1) => logs.until((l) => l.filter((x) => x.msg === msg).length >= n)

  beforeEach(async () => {
    broker = await startBareBroker()
    url = broker.url
    db = openPlatformDb(':memory:')
    db.importRegistry(registry)
    store = openSqliteReadingsStore(':memory:')
    events = new Waitable()
    commands = new Waitable()
    logs = new Waitable()
    device = await client('test-uplinks')
    dashboard = await client('test-dashboard')
    const observer = await client('test-observer')
    observer.on('message', (topic, payload) => {
      // The poisoned-message test publishes garbage there too: only events are collected.
      if (!topic.startsWith('gh/alert/') || payload.toString().startsWith('not')) return
      events.push(alertEventSchema.parse(JSON.parse(payload.toString())))
    })
    await observer.subscribeAsync('gh/alert/#', { qos: 1 })
    // Device-like clients, each subscribed to its own command topic only.
    for (const [deviceId, topic] of [
      [NATIVE, topics.nativeCommand(NATIVE)],
      [DZT, topics.dztCommand(DZT)]
    ] as const) {
      const c = await client(deviceId)
      c.on('message', (_t, payload) => commands.push({ deviceId, payload: payload.toString() }))
      await c.subscribeAsync(topic, { qos: 1 })
    }
  })

  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close()
    for (const c of clients.splice(0)) await c.endAsync()
    await broker.close()
    await store.close()
    db.close()
  })

  function workModes(): Array<[string, number]> {
    return commands.items.map(({ deviceId, payload }): [string, number] => {
      if (deviceId === NATIVE) {
        const cmd = nativeCommandSchema.parse(JSON.parse(payload)).command
        return [deviceId, cmd.cmd === 'setworkmode' ? cmd.mode : -1]
      }
      const parsed = parseDztCommand(payload)
      if (!parsed.ok || parsed.value.name !== 'setworkmode' || parsed.value.params.apikey !== API_KEY) return [deviceId, -1]
      return [deviceId, Number(parsed.value.params.mode)]
    })
  }

  test('yellow puts the site’s devices into intensified reporting; the officer’s resolve puts them back', async () => {
    const rules = await startRules(T0 + 3 * H)
    for (const hour of [0, 1, 2]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 50), { qos: 1 })
    const [openedEvent] = await levelEvents(1)
    expect(openedEvent).toMatchObject({ kind: 'opened', alert: { level: 'yellow' } })
    await commands.until((c) => c.length >= 2)
    expect(workModes().sort()).toEqual([[NATIVE, 2], [DZT, 2]].sort())
    // Every command has its own msgid (a repeated one is ignored by DZ/T devices, domain.md §2).
    const msgIds = commands.items.map((c) => (c.deviceId === NATIVE ? nativeCommandSchema.parse(JSON.parse(c.payload)).msgId : c.payload.split('msgid=')[1]))
    expect(new Set(msgIds).size).toBe(2)

    await officer(db.activeAlertForSite(SITE.siteId) as Alert, { action: 'resolve', disposition: 'false_alarm' }, T0 + 4 * H)
    await commands.until((c) => c.length >= 4)
    expect(workModes().slice(2).sort()).toEqual([[NATIVE, 0], [DZT, 0]].sort())
    expect(rules.stats()).toMatchObject({ officerActions: 1, devices: { commandsSent: 4, commandsSkipped: 0, intensifiedSites: 0, sirenSites: 0 } })
  })

  test('an acknowledgement heard on gh/alert stops the ladder; rules’ own events are not taken for officers’', async () => {
    const rules = await startRules(T0 + 3 * H)
    for (const hour of [0, 1, 2]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 50), { qos: 1 })
    await events.until((e) => e.some((x) => x.kind === 'escalated'))
    expect(rules.stats().escalation.armed).toBe(1)

    await dashboard.publishAsync(topics.alert(SITE), 'not an event', { qos: 1 })
    await officer(db.activeAlertForSite(SITE.siteId) as Alert, { action: 'acknowledge' }, T0 + 3 * H + 60_000)
    const [heard] = (await logged('officer action heard')).filter((l) => l.msg === 'officer action heard')
    expect(heard).toMatchObject({ kind: 'acknowledged', by: 'jh-duty', state: 'acknowledged' })
    expect(rules.stats()).toMatchObject({ officerActions: 1, rejected: 1, escalation: { armed: 0 } })
    expect(logs.items.find((l) => l.msg === 'alert event rejected')).toMatchObject({ payload: 'not an event', reason: 'alert event is not JSON' })
  })

  test('warm start: the windows come back from the readings store, the history raises nothing, the next live reading does', async () => {
    await store.write([0, 1, 2].map((hour) => rain(T0 + hour * H, 50)))
    const rules = await startRules(T0 + 3 * H, store)
    expect(rules.stats().warmStart).toMatchObject({ readings: 3, failedSites: 0 })
    expect(rules.stats().transitions).toBe(0)

    // One live reading: the three replayed hours already make the 1 h window persistent at yellow.
    await device.publishAsync(RAIN_TOPIC, rainPayload(3, 50), { qos: 1 })
    const [first] = await levelEvents(1)
    expect(first).toMatchObject({ kind: 'opened', at: T0 + 3 * H, alert: { level: 'yellow' } })
    await rules.close()
    opened.splice(0)

    // Restart: the open alert resumes; ingest had stored hour 3. More yellow rain opens nothing new.
    await store.write([rain(T0 + 3 * H, 50)])
    const again = await startRules(T0 + 4 * H, store)
    await device.publishAsync(RAIN_TOPIC, rainPayload(4, 50), { qos: 1 })
    // A status with a sensor fault after it: its maintenance log line proves the reading was handled.
    const status: NativeStatus = { v: 1, ts: T0 + 4 * H, sensorState: { YL1: -2 } }
    await device.publishAsync(STATUS_TOPIC, JSON.stringify(status), { qos: 1 })
    await logged('sensor fault: maintenance item opened')
    expect(again.stats()).toMatchObject({ readings: 1, transitions: 0, warmStart: { readings: 4 }, devices: { maintenanceOpened: 1 } })
    expect(events.items.filter((e) => e.kind === 'opened')).toHaveLength(1)
    expect(db.listAlerts({ siteId: SITE.siteId })).toHaveLength(1)
    expect(db.listAudit(5)).toContainEqual(expect.objectContaining({ actor: 'svc:rules', action: 'maintenance.open', target: `device:${NATIVE}` }))
  })
})
