import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  alertEventSchema,
  registryFileSchema,
  siteAlertStateSchema,
  topics,
  type AlertEvent,
  type NativeData,
  type SiteAlertState
} from '../../domain/index.js'
import { buildRules, type RulesHandle } from '../../rules/app.js'
import { rulesConfigSchema } from '../../rules/config.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { DEFAULT_TABLES_PATH, H, T0 } from './helpers.js'
import { startBareBroker, type BareBroker } from '../support/bare-broker.js'

const SITE = { prov: '43', county: '431129', siteId: 'S-JH-001' } // 江华瑶族自治县, Hunan
const RAIN_TOPIC = topics.uplink({ ...SITE, deviceId: 'RG1', kind: 'data' })

const registry = registryFileSchema.parse({
  version: 1,
  sites: [
    { id: SITE.siteId, name: '江华 test slope', hazardType: 'landslide', county: SITE.county, location: { lon: 111.58, lat: 25.18 } },
    { id: 'S-JH-002', name: 'bad override', hazardType: 'landslide', county: SITE.county, location: { lon: 111.6, lat: 25.2 }, rules: { velocityMmPerDay: { blue: 9, yellow: 1 } } }
  ],
  devices: [{ id: 'RG1', siteId: SITE.siteId, dialect: 'native', sensors: [{ id: 'YL1', type: 'rain' }] }]
})

function rainPayload(hour: number, intervalMm: number): string {
  const data: NativeData = { v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: T0 + hour * H, fields: { intervalMm } }] }
  return JSON.stringify(data)
}

/** Messages of one client, awaited by count: no sleeping. */
class Inbox {
  readonly messages: Array<{ topic: string; payload: string; retain: boolean }> = []
  private waiters: Array<() => void> = []
  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain })
      for (const w of this.waiters) w()
    })
  }
  async take(prefix: string, n: number): Promise<Array<{ topic: string; payload: string; retain: boolean }>> {
    const matching = () => this.messages.filter((m) => m.topic.startsWith(prefix))
    while (matching().length < n) await new Promise<void>((resolve) => this.waiters.push(resolve))
    this.waiters = []
    return matching().slice(0, n)
  }
  /** The first n alert events that change a level (calls, `escalated`, are skipped). */
  async levelEvents(n: number): Promise<AlertEvent[]> {
    const matching = () => this.messages.filter((m) => m.topic.startsWith('gh/alert/')).map((m) => alertEventSchema.parse(JSON.parse(m.payload))).filter((e) => e.kind !== 'escalated')
    while (matching().length < n) await new Promise<void>((resolve) => this.waiters.push(resolve))
    this.waiters = []
    return matching().slice(0, n)
  }
}

describe('rules service over a real broker', () => {
  let broker: BareBroker
  let url: string
  let db: PlatformDb
  let device: MqttClient
  let observer: MqttClient
  let inbox: Inbox
  const opened: Array<{ close(): Promise<void> }> = []
  const logLines: Array<Record<string, unknown>> = []

  async function startRules(): Promise<RulesHandle> {
    const config = rulesConfigSchema.parse({ mqttUrl: url, mqttPassword: 'not-checked-by-bare-aedes', rulesFile: fileURLToPath(DEFAULT_TABLES_PATH) })
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) })
    const rules = await buildRules(config, { db, log, now: () => T0 })
    opened.push(rules)
    return rules
  }

  beforeEach(async () => {
    broker = await startBareBroker()
    url = broker.url
    db = openPlatformDb(':memory:')
    db.importRegistry(registry)
    device = await mqtt.connectAsync(url, { clientId: 'test-device' })
    observer = await mqtt.connectAsync(url, { clientId: 'test-observer' })
    inbox = new Inbox(observer)
    await observer.subscribeAsync(['gh/alert/#', 'gh/alert-state/#'], { qos: 1 })
    logLines.length = 0
  })

  afterEach(async () => {
    for (const h of opened.splice(0)) await h.close()
    await device.endAsync()
    await observer.endAsync()
    await broker.close()
    db.close()
  })

  test('rain on canonical topics opens then raises an alert: in the db first, published with evidence, state retained', async () => {
    const rules = await startRules()
    expect(logLines.some((l) => typeof l.problem === 'string' && l.problem.startsWith('site S-JH-002: rules.velocityMmPerDay'))).toBe(true)
    const dbAtPublish: unknown[] = []
    observer.on('message', (topic, payload) => {
      const event = topic.startsWith('gh/alert/') ? (JSON.parse(payload.toString()) as AlertEvent) : undefined
      if (event !== undefined && event.kind !== 'escalated') dbAtPublish.push(db.getAlert(event.alert.id))
    })

    // 40 mm/h: 1 h blue three times (persistence 3 of 5) → opened at blue; the 4th hour makes the
    // 3 h sum 120 (red) for a third time at ≥ yellow → raised to yellow.
    for (const hour of [0, 1, 2, 3]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 40), { qos: 1 })
    const events = await inbox.levelEvents(2)
    expect(events.map((e) => [e.kind, e.alert.level, e.at])).toEqual([
      ['opened', 'blue', T0 + 2 * H],
      ['raised', 'yellow', T0 + 3 * H]
    ])
    const [first, second] = events as [AlertEvent, AlertEvent]
    expect(first.alert.history).toEqual([
      {
        at: T0 + 2 * H,
        from: 'none',
        to: 'blue',
        evidence: [{ indicator: 'rain.1h', level: 'blue', deviceId: 'RG1', sensorId: 'YL1', value: 40, threshold: 35, unit: 'mm', at: T0 + 2 * H }]
      }
    ])
    expect(second.alert.id).toBe(first.alert.id)
    // The evidence level is the persistent one (3 h at ≥ yellow 3 times); the value is the latest sum.
    expect(second.alert.history.at(-1)?.evidence).toContainEqual(
      { indicator: 'rain.3h', level: 'yellow', deviceId: 'RG1', sensorId: 'YL1', value: 120, threshold: 75, unit: 'mm', at: T0 + 3 * H }
    )
    // Written before published: the db already had each version when its event arrived.
    expect(dbAtPublish).toEqual([expect.objectContaining({ id: first.alert.id }), expect.objectContaining({ id: first.alert.id })])
    expect(db.getAlert(first.alert.id)).toEqual(second.alert)
    expect(db.getSiteLevel(SITE.siteId)).toEqual({ siteId: SITE.siteId, county: SITE.county, level: 'yellow', alertId: first.alert.id, since: T0 + 3 * H })

    // A late subscriber gets the site's level, retained.
    const late = await mqtt.connectAsync(url, { clientId: 'test-late' })
    const lateInbox = new Inbox(late)
    await late.subscribeAsync(topics.alertState(SITE), { qos: 1 })
    const [retained] = await lateInbox.take('gh/alert-state/', 1)
    await late.endAsync()
    expect(retained?.retain).toBe(true)
    expect(siteAlertStateSchema.parse(JSON.parse(retained?.payload ?? 'null'))).toEqual({
      siteId: SITE.siteId,
      county: SITE.county,
      level: 'yellow',
      alertId: first.alert.id,
      since: T0 + 3 * H
    } satisfies SiteAlertState)
    // 叫应: the opening calls the county, the raise calls it again (no duty officer registered here).
    expect(second.alert.escalations.map((e) => [e.toRegion, e.reason])).toEqual([
      [SITE.county, 'blue: county called (no duty officer registered)'],
      [SITE.county, 'yellow: county called (no duty officer registered)']
    ])
    expect(rules.stats()).toMatchObject({ received: 4, rejected: 0, readings: 4, transitions: 2, alertsWritten: 2, dbErrors: 0, calls: 2 })
  })

  test('poisoned messages are counted and logged, and the next good message still counts', async () => {
    const rules = await startRules()
    await device.publishAsync(RAIN_TOPIC, 'not json {', { qos: 1 })
    await device.publishAsync(RAIN_TOPIC, JSON.stringify({ v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: T0, fields: { bogusMm: 1 } }] }), { qos: 1 })
    await device.publishAsync('gh/up/43/431129/S-JH-001/RG1/bogus', rainPayload(0, 90), { qos: 1 })
    for (const hour of [0, 1, 2]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 90), { qos: 1 })
    const [event] = await inbox.levelEvents(1)
    expect(event).toMatchObject({ kind: 'opened', alert: { siteId: SITE.siteId } })
    expect(rules.stats()).toMatchObject({ received: 6, rejected: 3, readings: 3 })
    const warnings = logLines.filter((l) => l.msg === 'uplink rejected')
    expect(warnings.map((w) => w.topic)).toEqual([RAIN_TOPIC, RAIN_TOPIC, 'gh/up/43/431129/S-JH-001/RG1/bogus'])
    expect(warnings[0]).toMatchObject({ level: 40, payload: 'not json {', reason: expect.stringMatching(/not JSON/) })
  })

  test('a restart resumes the open episode: an acknowledged alert is raised (and reopened), not duplicated', async () => {
    const rules = await startRules()
    for (const hour of [0, 1, 2]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 40), { qos: 1 })
    const [firstEvent] = (await inbox.levelEvents(1)) as [AlertEvent]
    expect(firstEvent).toMatchObject({ kind: 'opened', alert: { level: 'blue' } })
    await rules.close()
    opened.splice(0)

    // Meanwhile the duty officer acknowledges it on the dashboard.
    const acknowledged = { ...firstEvent.alert, state: 'acknowledged' as const, actions: [{ at: T0 + 3 * H, by: 'officer-1', action: 'acknowledge' as const }] }
    db.saveAlert(acknowledged)

    await startRules()
    // No readings store here, so the windows restart empty; three yellow hours raise the same episode.
    for (const hour of [4, 5, 6]) await device.publishAsync(RAIN_TOPIC, rainPayload(hour, 50), { qos: 1 })
    const events = await inbox.levelEvents(2)
    const raised = events[1] as AlertEvent
    expect(raised).toMatchObject({ kind: 'raised', alert: { id: firstEvent.alert.id, level: 'yellow', state: 'open' } })
    expect(raised.alert.history.map((h) => [h.from, h.to])).toEqual([
      ['none', 'blue'],
      ['blue', 'yellow']
    ])
    expect(raised.alert.actions).toEqual(acknowledged.actions)
    expect(db.listAlerts({ siteId: SITE.siteId })).toHaveLength(1)
  })
})
