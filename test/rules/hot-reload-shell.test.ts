import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { alertEventSchema, registryFileSchema, topics, type AlertEvent, type NativeData } from '../../domain/index.js'
import { buildRules, type RulesHandle } from '../../rules/app.js'
import { rulesConfigSchema } from '../../rules/config.js'
import type { PlatformDb } from '../../store/platform-db.js'
import { openPlatformDb } from '../../store/sqlite-platform-db.js'
import { DEFAULT_TABLES_PATH, MIN, T0 } from './helpers.js'
import { startBareBroker, type BareBroker } from '../support/bare-broker.js'

/**
 * Hot reload through the rules service: the override file changes (reloadRules, or the file watch)
 * and the next reading is rated by the new thresholds on the windows accumulated before the reload.
 */

const SITE = { prov: '43', county: '431129', siteId: 'S-JH-001' } // 江华瑶族自治县, Hunan
const RAIN_TOPIC = topics.uplink({ ...SITE, deviceId: 'RG1', kind: 'data' })
const registry = registryFileSchema.parse({
  version: 1,
  sites: [{ id: SITE.siteId, name: '江华 test slope', hazardType: 'landslide', county: SITE.county, location: { lon: 111.58, lat: 25.18 } }],
  devices: [{ id: 'RG1', siteId: SITE.siteId, dialect: 'native', sensors: [{ id: 'YL1', type: 'rain', range: { min: 0, max: 200 } }] }]
})

const NO_LAYERS = { version: 1, provinces: {}, cities: {}, counties: {} }
/** The county's 1 h table lowered: 40 mm is yellow here, blue under the default (Jianghua: blue 35, yellow 45). */
const LOWER_1H = { ...NO_LAYERS, counties: { [SITE.county]: { rain: { windows: [{ id: '1h', thresholdsMm: { blue: 20, yellow: 38 } }] } } } }
/** Two refusals: a province blue above the default yellow, and a county yellow below the default blue. */
const INVALID = {
  ...NO_LAYERS,
  provinces: { '43': { rain: { windows: [{ id: '1h', thresholdsMm: { blue: 90 } }] } } },
  counties: { '431129': { rain: { windows: [{ id: '3h', thresholdsMm: { yellow: 20 } }] } } }
}

function rainPayload(minute: number, intervalMm: number): string {
  const data: NativeData = { v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: T0 + minute * MIN, fields: { intervalMm } }] }
  return JSON.stringify(data)
}

describe('rules service hot reload over a real broker', () => {
  let broker: BareBroker
  let db: PlatformDb
  let device: MqttClient
  let observer: MqttClient
  let dir: string
  let overridesFile: string
  let rules: RulesHandle
  const events: AlertEvent[] = []
  const logLines: Array<Record<string, unknown>> = []

  beforeEach(async () => {
    broker = await startBareBroker()
    const url = broker.url
    db = openPlatformDb(':memory:')
    db.importRegistry(registry)
    dir = await mkdtemp(join(tmpdir(), 'geowarn-reload-'))
    // Persistence 1 of 1: each reading's rating shows at once.
    const tables = JSON.parse(await readFile(fileURLToPath(DEFAULT_TABLES_PATH), 'utf8')) as { grading: Record<string, unknown> }
    tables.grading = { ...tables.grading, persistence: { k: 1, n: 1 }, persistenceByFamily: {} }
    const rulesFile = join(dir, 'rules.json')
    overridesFile = join(dir, 'rules-overrides.json')
    await writeFile(rulesFile, JSON.stringify(tables))
    await writeFile(overridesFile, JSON.stringify(NO_LAYERS))
    device = await mqtt.connectAsync(url, { clientId: 'test-device' })
    observer = await mqtt.connectAsync(url, { clientId: 'test-observer' })
    events.length = 0
    observer.on('message', (topic, payload) => {
      if (!topic.startsWith('gh/alert/')) return
      const event = alertEventSchema.parse(JSON.parse(payload.toString()))
      // Level changes only: the county's duty officers are called too (`escalated`).
      if (event.kind !== 'escalated') events.push(event)
    })
    await observer.subscribeAsync('gh/alert/#', { qos: 1 })
    logLines.length = 0
    const config = rulesConfigSchema.parse({ mqttUrl: url, mqttPassword: 'not-checked-by-bare-aedes', rulesFile, overridesFile })
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) })
    rules = await buildRules(config, { db, log, now: () => T0 })
  })

  afterEach(async () => {
    await rules.close()
    await device.endAsync()
    await observer.endAsync()
    await broker.close()
    db.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** 10 mm every 10 min at minutes 0, 10, 20: 30 mm in the hour, below every default 1 h level. */
  async function rainBeforeReload(): Promise<void> {
    for (const minute of [0, 10, 20]) await device.publishAsync(RAIN_TOPIC, rainPayload(minute, 10), { qos: 1 })
    await expect.poll(() => rules.stats().engine.evaluated).toBe(3)
    expect(events).toEqual([])
  }

  /** The fourth 10 mm: 40 mm in the hour, three of them from before the reload. */
  async function nextReading(): Promise<AlertEvent> {
    await device.publishAsync(RAIN_TOPIC, rainPayload(30, 10), { qos: 1 })
    await expect.poll(() => events.length).toBe(1)
    return events[0] as AlertEvent
  }

  const evidence1h = (e: AlertEvent) => e.alert.history.at(-1)?.evidence.find((x) => x.indicator === 'rain.1h')

  test('reloadRules: a lowered county 1 h threshold raises on the window sum kept across the reload', async () => {
    await rainBeforeReload()
    await writeFile(overridesFile, JSON.stringify(LOWER_1H))
    const reloaded = await rules.reloadRules()
    expect(reloaded).toEqual({ ok: true, value: { changedValues: 3, sections: ['overrides'], siteProblems: [] } })
    expect(logLines).toContainEqual(expect.objectContaining({ level: 30, msg: 'rule tables reloaded', changedValues: 3, sections: ['overrides'], restartedChannels: 0 }))
    const event = await nextReading()
    expect(event).toMatchObject({ kind: 'opened', alert: { level: 'yellow' } })
    expect(evidence1h(event)).toMatchObject({ level: 'yellow', value: 40, threshold: 38 })
    expect(rules.stats().engine.restartedChannels).toBe(0)
  })

  test('an applied reload is on the audit record (actor rules, the files, a hash of the new tables); a refused or unchanged one is not', async () => {
    await writeFile(overridesFile, JSON.stringify(LOWER_1H))
    expect((await rules.reloadRules()).ok).toBe(true)
    // Unchanged files: nothing new in force, nothing to record.
    expect((await rules.reloadRules()).ok).toBe(true)
    await writeFile(overridesFile, JSON.stringify(INVALID))
    expect((await rules.reloadRules()).ok).toBe(false)
    const entries = db.queryAudit({ action: 'rules.reload' })
    expect(entries).toHaveLength(1)
    const entry = entries[0]
    expect(entry).toMatchObject({ at: T0, actor: 'rules', action: 'rules.reload', detail: { rulesFile: join(dir, 'rules.json'), overridesFile, changedValues: 3, sections: ['overrides'], siteProblems: 0 } })
    const hash = (entry?.detail as { tablesHash: string }).tablesHash
    expect(hash).toMatch(/^[0-9a-f]{16}$/)
    expect(entry?.target).toBe(`rules:${hash}`)
    // Back to the old tables: another entry, another hash.
    await writeFile(overridesFile, JSON.stringify(NO_LAYERS))
    expect((await rules.reloadRules()).ok).toBe(true)
    const again = db.queryAudit({ action: 'rules.reload' })
    expect(again).toHaveLength(2)
    expect((again[0]?.detail as { tablesHash: string }).tablesHash).not.toBe(hash)
  })

  test('the file watch picks up an editor replacing the override file', async () => {
    await rainBeforeReload()
    // Saved the way many editors do: a new file renamed over the old one.
    const tmp = `${overridesFile}.swp`
    await writeFile(tmp, JSON.stringify(LOWER_1H))
    await rename(tmp, overridesFile)
    await expect.poll(() => rules.stats().reloads.applied, { timeout: 5000 }).toBe(1)
    const event = await nextReading()
    expect(evidence1h(event)).toMatchObject({ level: 'yellow', value: 40, threshold: 38 })
  })

  test("the registry's sensor range reaches the engine: 300 mm is out of YL1's range (the default allows 500)", async () => {
    await device.publishAsync(RAIN_TOPIC, rainPayload(0, 300), { qos: 1 })
    await device.publishAsync(RAIN_TOPIC, rainPayload(10, 10), { qos: 1 })
    await expect.poll(() => rules.stats().engine.evaluated).toBe(1)
    expect(rules.stats().engine).toMatchObject({ outOfRange: 1, invalid: 1 })
  })

  test('an invalid override file is refused with every problem, logged once; the running tables keep working', async () => {
    await rainBeforeReload()
    await writeFile(overridesFile, JSON.stringify(INVALID))
    const first = await rules.reloadRules()
    expect(first.ok).toBe(false)
    if (first.ok) return
    expect(first.reason).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/rules-overrides\.json: provinces\.43\.rain\.windows\.1\.thresholdsMm\.yellow: yellow \(45\) must be above blue \(90\)$/),
        expect.stringMatching(/rules-overrides\.json: counties\.431129\.rain\.windows\.2\.thresholdsMm\.yellow: yellow \(20\) must be above blue \(55\)$/)
      ])
    )
    // The same refusal again (a second save, a second event) is counted but not logged again.
    expect(await rules.reloadRules()).toEqual(first)
    const warned = logLines.filter((l) => l.msg === 'rule tables refused, running tables kept').map((l) => l.problem)
    expect(warned).toEqual(first.reason)
    expect(rules.stats().reloads).toMatchObject({ applied: 0, refused: 2, problems: 2 * first.reason.length })
    // Default Jianghua table still runs: 40 mm in 1 h is blue (35).
    const event = await nextReading()
    expect(event).toMatchObject({ kind: 'opened', alert: { level: 'blue' } })
    expect(evidence1h(event)).toMatchObject({ level: 'blue', value: 40, threshold: 35 })
  })
})
