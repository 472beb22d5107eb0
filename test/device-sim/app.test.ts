import { readFileSync } from 'node:fs'
import type { AuthenticateError } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { decodeUplink, parseDeviceTopic, provincePrefix, registryFileSchema, type RegistryFile } from '../../domain/index.js'
import { buildSim, type SimHandle } from '../../device-sim/app.js'
import { parseSimConfig } from '../../device-sim/config.js'
import { parseScenario, type Scenario, type ScenarioInput } from '../../device-sim/scenario.js'
import { startBareBroker, type BareBroker } from '../support/bare-broker.js'

const registry: RegistryFile = registryFileSchema.parse(JSON.parse(readFileSync('config/demo-registry.json', 'utf8')))
const SITE = 'site-513223-02'
const siteDevices = registry.devices.filter((d) => d.siteId === SITE)
const log = pino({ level: 'silent' })

function scenario(overrides: Partial<ScenarioInput>): Scenario {
  const base = JSON.parse(readFileSync('config/scenarios/storm.json', 'utf8')) as ScenarioInput
  const parsed = parseScenario({ ...base, faults: { noSampleRate: 0, gnssOutlierRate: 0.01 }, ...overrides })
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
}

interface Received {
  topic: string
  payload: Buffer
  atMs: number
}

let broker: BareBroker
let url: string
let subscriber: MqttClient
let received: Received[]
let onMessage: (() => void) | undefined
let sim: SimHandle | undefined

beforeEach(async () => {
  const secrets = new Map(registry.devices.map((d) => [d.id, d.secret]))
  broker = await startBareBroker({
    // The per-device check the real broker makes: client id = username = device id, password = its secret.
    authenticate: (client, username, password, done) => {
      if (username === 'test-subscriber' || (username === client.id && secrets.get(username) === password?.toString())) return done(null, true)
      const err = Object.assign(new Error('bad username or password'), { returnCode: 4 }) as AuthenticateError
      done(err, false)
    }
  })
  url = broker.url
  received = []
  subscriber = await mqtt.connectAsync(url, { clientId: 'test-subscriber', username: 'test-subscriber', protocolVersion: 4, reconnectPeriod: 0 })
  subscriber.on('message', (topic, payload) => {
    received.push({ topic, payload, atMs: Date.now() })
    onMessage?.()
  })
  await subscriber.subscribeAsync(['$dp', 'gh/dev/+/data', 'gh/dev/+/status'], { qos: 1 })
})

afterEach(async () => {
  await sim?.close()
  sim = undefined
  await subscriber.endAsync(true)
  await broker.close()
})

function receivedCount(n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (received.length >= n) resolve()
    }
    onMessage = check
    check()
  })
}

/** Decode as ingest would after the broker's rewrite; every reading must be dated at or before its arrival. */
function decodeAll(): { readings: number; statuses: number } {
  let readings = 0
  let statuses = 0
  for (const m of received) {
    const dt = parseDeviceTopic(m.topic)
    const kind = dt?.kind === 'native-data' ? 'data' : dt?.kind === 'native-status' ? 'status' : 'dp'
    const deviceId = dt?.kind === 'dp' || dt === undefined ? Object.keys(JSON.parse(m.payload.subarray(3).toString()) as object)[0]! : dt.deviceId
    const device = registry.devices.find((d) => d.id === deviceId)!
    const county = registry.sites.find((s) => s.id === device.siteId)!.county
    const up = decodeUplink({ prov: provincePrefix(county), county, siteId: device.siteId, deviceId, kind }, m.payload, m.atMs)
    if (!up.ok) throw new Error(up.reason)
    for (const r of up.value.readings) expect(r.ts).toBeLessThanOrEqual(m.atMs)
    for (const s of up.value.statuses) expect(s.ts).toBeLessThanOrEqual(m.atMs)
    readings += up.value.readings.length
    statuses += up.value.statuses.length
  }
  return { readings, statuses }
}

describe('buildSim against a real Aedes', () => {
  test('replays one hour of a site in batches, per-device credentials, then stops by itself', async () => {
    // One device gets a wrong secret: the broker refuses it, the rest carry on.
    const [refused, ...rest] = siteDevices
    const reg: RegistryFile = { ...registry, devices: [{ ...refused!, secret: 'not-the-secret' }, ...rest] }
    const config = parseSimConfig({ mqttUrl: url, sites: [SITE], connectConcurrency: 2, connectTimeoutMs: 5000, reconnectPeriodMs: 100 })
    if (!config.ok) throw new Error(config.reason)
    // 1 h of history at 5 min = 12 samples per device, in 2 batches of 6: 2 data + 2 status messages each.
    sim = await buildSim(config.value, { log, registry: reg, scenario: scenario({ backfillH: 1, endH: 1, batchSamples: 6 }) })
    await sim.done
    const expected = 4 * rest.length
    await receivedCount(expected)
    const stats = sim.stats()
    expect(stats).toMatchObject({ devices: siteDevices.length, connected: rest.length, failed: 1, published: expected, acked: expected })
    expect(stats.byDialect.native.published + stats.byDialect.dzt0450.published).toBe(expected)
    expect(stats.byDialect.native.published).toBeGreaterThan(0)
    expect(stats.byDialect.dzt0450.published).toBeGreaterThan(0)
    expect(received).toHaveLength(expected)
    const sensors = rest.reduce((n, d) => n + d.sensors.length, 0)
    expect(decodeAll()).toEqual({ readings: 12 * sensors, statuses: 2 * rest.length })
  })

  test('live reports run until durationS, then everything stops', async () => {
    const config = parseSimConfig({ mqttUrl: url, sites: [SITE], durationS: 1.5 })
    if (!config.ok) throw new Error(config.reason)
    sim = await buildSim(config.value, { log, registry, scenario: scenario({ backfillH: 0.25, liveIntervalS: 1, statusIntervalS: 1 }) })
    await sim.done
    const stats = sim.stats()
    // 3 replayed samples in one batch (data + status) per device, then at least one live second each.
    expect(stats.connected).toBe(siteDevices.length)
    expect(stats.published).toBeGreaterThan(2 * siteDevices.length)
    expect(stats.errors).toBe(0)
    await receivedCount(stats.acked)
    expect(decodeAll().readings).toBeGreaterThan(0)
  })
})
