import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startInfluxd, type InfluxdServer } from '../../cli/influxd-server.js'
import { encodeDztData, type OutMessage } from '../../device-sim/encode-dzt.js'
import { encodeNativeData } from '../../device-sim/encode-native.js'
import type { SensorSample } from '../../device-sim/station.js'
import { DZT_FRAME_TYPE, type SensorType } from '../../domain/index.js'
import { loadCompose, LocalStack } from '../support/compose.js'
import { haveInfluxd, requireInfluxd } from '../support/influxd.js'
import { influxQuery } from '../support/influxql.js'
import { buildServices, ProcessGroup } from '../support/processes.js'

/**
 * The fault test, with real processes: stations publish a known set of readings with QoS 1
 * while the test stops influxd, keeps publishing, kills ingest (SIGKILL) and restarts it, then
 * restarts influxd. After the drain, InfluxDB holds exactly the published readings, one row each,
 * and ingest's spool counters show each spooled batch drained once. Broker and ingest run as docker-compose runs them (test/support/compose.ts).
 */

const DB = 'geowarn'
const RP = 'raw'
const SITE = { id: 'S-FAULT-1', county: '513221' }

interface Station {
  id: string
  secret: string
  dialect: 'native' | 'dzt0450'
  sensorId: string
  type: SensorType
  /** The field the sensor's value lands in (domain SENSOR_FIELDS). */
  field: string
}

// Both dialects: native JSON on gh/dev/{id}/data and DZ/T 0450 type-2 frames on $dp.
const STATIONS: readonly Station[] = [
  { id: 'RG-FAULT-1', secret: 'station-secret-1', dialect: 'native', sensorId: 'YL1', type: 'rain', field: 'intervalMm' },
  { id: 'LF-FAULT-2', secret: 'station-secret-2', dialect: 'native', sensorId: 'LF1', type: 'crack', field: 'openingMm' },
  { id: 'SK00FAULT000003', secret: 'station-secret-3', dialect: 'dzt0450', sensorId: 'L1_LF_1', type: 'crack', field: 'openingMm' }
]

// Each station publishes one reading every 40 ms: 75 readings/s in all, a busy county.
const PUBLISH_EVERY_MS = 40
// Published readings are timed 1 s apart from here on: distinct, well inside the 730 d retention.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 24 * 3_600_000

/** A reading's identity in the store (design.md: idempotent on device, sensor, timestamp). */
const keyOf = (device: string, sensor: string, ts: number): string => `${device}|${sensor}|${ts}`

function messageOf(s: Station, i: number): OutMessage {
  const sample: SensorSample = { sensorId: s.sensorId, type: s.type, tMs: T0 + i * 1000, fields: { [s.field]: valueOf(i) } }
  const [msg] = s.dialect === 'native' ? encodeNativeData(s.id, [sample], i) : encodeDztData(s.id, [sample], DZT_FRAME_TYPE.timed, { tiltTrend: false, signalTypo: false })
  if (msg === undefined) throw new Error('nothing encoded')
  return msg
}

/** Distinct per reading, exact in binary, so a mixed-up value shows. */
const valueOf = (i: number): number => i / 4

/** The stations' publishers: a known set of readings, each counted once the broker acknowledged it. */
class Publishers {
  /** key → value of every reading whose PUBACK arrived. */
  readonly published = new Map<string, number>()
  #stopped = false
  #loops: Array<Promise<void>> = []
  #waiters: Array<{ count: number; resolve: () => void; reject: (err: unknown) => void }> = []
  #failure: unknown

  constructor(readonly clients: ReadonlyMap<string, MqttClient>) {}

  start(): void {
    this.#loops = STATIONS.map((s) =>
      this.#publish(s).catch((err: unknown) => {
        // A publisher that dies fails the phase waiting on it instead of leaving it hanging.
        this.#failure = err
        for (const w of this.#waiters.splice(0)) w.reject(err)
      })
    )
  }

  async #publish(s: Station): Promise<void> {
    const client = this.clients.get(s.id)
    if (client === undefined) throw new Error(`no client for ${s.id}`)
    for (let i = 0; !this.#stopped; i++) {
      const msg = messageOf(s, i)
      await client.publishAsync(msg.topic, msg.payload, { qos: 1 })
      this.published.set(keyOf(s.id, s.sensorId, T0 + i * 1000), valueOf(i))
      const due = this.#waiters.filter((w) => this.published.size >= w.count)
      this.#waiters = this.#waiters.filter((w) => this.published.size < w.count)
      for (const w of due) w.resolve()
      // The stations' reporting rhythm, not a wait for an outcome.
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS))
    }
  }

  /** Resolves once the broker has acknowledged `n` more readings than now. */
  more(n: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const count = this.published.size + n
    return new Promise((resolve, reject) => this.#waiters.push({ count, resolve, reject }))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all(this.#loops)
    if (this.#failure !== undefined) throw this.#failure
  }
}

requireInfluxd('fault')

describe.skipIf(!haveInfluxd)('fault: influxd stopped, ingest killed and restarted, influxd back', () => {
  const group = new ProcessGroup('fault')
  const clients = new Map<string, MqttClient>()
  let tmp: string
  let influx: InfluxdServer
  let stack: LocalStack
  let publishers: Publishers | undefined

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'geowarn-fault-'))
    const [app, server] = await Promise.all([buildServices(), startInfluxd()])
    influx = server
    const registryFile = join(tmp, 'registry.json')
    await writeFile(
      registryFile,
      JSON.stringify({
        version: 1,
        sites: [{ id: SITE.id, name: '汶川 fault-test slope', hazardType: 'landslide', county: SITE.county, location: { lon: 103.58, lat: 31.48 } }],
        devices: STATIONS.map((s) => ({ id: s.id, siteId: SITE.id, dialect: s.dialect, secret: s.secret, sensors: [{ id: s.sensorId, type: s.type }] }))
      })
    )
    stack = new LocalStack(loadCompose(), group, app, {
      dotEnv: { GEOWARN_SERVICE_SECRET: 'fault-test-service-secret', GEOWARN_INFLUX_TOKEN: 'fault-test-token', INFLUXDB_ADMIN_PASSWORD: 'fault-test-admin', REGISTRY_FILE: registryFile },
      volumesDir: join(tmp, 'volumes'),
      influxUrl: influx.url,
      influxBucket: `${DB}/${RP}`
    })
    try {
      await stack.init()
      await stack.start('broker')
    } catch (err) {
      await group.saveLogs()
      throw err
    }
    for (const s of STATIONS) {
      clients.set(s.id, await mqtt.connectAsync(`mqtt://127.0.0.1:${stack.brokerPort}`, { clientId: s.id, username: s.id, password: s.secret, reconnectPeriod: 0 }))
    }
  }, 180_000)

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await group.saveLogs()
  })

  afterAll(async () => {
    await publishers?.stop()
    await Promise.all([...clients.values()].map((c) => c.endAsync()))
    await group.stopAll()
    await influx?.close()
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true })
  }, 60_000)

  /** Every reading InfluxDB holds for the site, as key → value, and how many rows there were. */
  async function stored(): Promise<{ rows: number; byKey: Map<string, number> }> {
    const rows = await influxQuery(influx.url, DB, `SELECT * FROM "${DB}"."${RP}"."reading" WHERE "site" = '${SITE.id}'`)
    const byKey = new Map<string, number>()
    for (const r of rows) {
      const s = STATIONS.find((st) => st.id === r.device && st.sensorId === r.sensor)
      byKey.set(keyOf(String(r.device), String(r.sensor), Number(r.time)), Number(s === undefined ? NaN : r[s.field]))
    }
    return { rows: rows.length, byKey }
  }

  test('after the drain the store holds exactly the published readings', async () => {
    // The drain retries a failing store with backoff up to GEOWARN_INGEST_RETRY_MAX_MS (30 s in
    // compose); 1 s here, so that it notices influxd's return within the test's time.
    const ingestEnv = { GEOWARN_INGEST_RETRY_MAX_MS: '1000' }
    const ingest1 = await stack.start('ingest', ingestEnv)
    publishers = new Publishers(clients)
    publishers.start()

    // 1. Readings flow into InfluxDB.
    await expect.poll(async () => (await stored()).rows, { timeout: 15_000, interval: 250 }).toBeGreaterThan(30)

    // 2. influxd stops; the stations keep publishing. Ingest gives up on the store and spools.
    await influx.stop()
    await ingest1.waitForLog((r) => typeof r.msg === 'string' && r.msg.startsWith('store write failed'), 'the store failure', 20_000)
    await publishers.more(60)

    // 3. Ingest is killed mid-stream: whatever it had spooled is on disk; what it had not yet
    // acknowledged, the broker keeps in ingest's persistent session, with what comes meanwhile.
    await ingest1.kill()
    const spoolDir = stack.env('ingest').GEOWARN_INGEST_SPOOL_DIR ?? ''
    expect(await bytesIn(spoolDir), 'the spool holds the batches the dead ingest accepted').toBeGreaterThan(0)
    await publishers.more(60)

    // 4. Ingest restarts (influxd still down): it finds its spool and resumes its session.
    const ingest2 = await stack.start('ingest', ingestEnv)
    const opened = await ingest2.waitForLog((r) => r.msg === 'spool open', 'spool open')
    expect(opened.batches).toBeGreaterThan(0)
    expect((await ingest2.waitForLog((r) => r.msg === 'mqtt connected', 'mqtt connected')).sessionPresent).toBe(true)
    await publishers.more(60)

    // 5. influxd returns; the stations stop a little later.
    await influx.start()
    await publishers.more(40)
    await publishers.stop()

    // 6. The spool drains, and ingest writes the rest.
    const drainedLine = await ingest2.waitForLog((r) => r.msg === 'spool drained into the store', 'the spool drained', 30_000)
    // Each batch found on disk or spooled since was removed once, and only after the store took it.
    expect(drainedLine.spool).toMatchObject({ batches: 0, quarantinedTotal: 0 })
    const { spooledBatchesTotal, drainedBatchesTotal } = drainedLine.spool as { spooledBatchesTotal: number; drainedBatchesTotal: number }
    expect(drainedBatchesTotal).toBe(Number(opened.batches) + spooledBatchesTotal)
    const published = publishers.published
    await expect.poll(async () => (await stored()).byKey.size, { timeout: 20_000, interval: 250 }).toBe(published.size)

    const { rows, byKey } = await stored()
    // InfluxDB overwrites a point with the same series and time, so a reading written twice still
    // makes one row: this shows none is missing or made up, not by itself that none was written twice.
    expect(rows, 'one row per reading').toBe(published.size)
    const lost = [...published.keys()].filter((k) => !byKey.has(k))
    const extra = [...byKey.keys()].filter((k) => !published.has(k))
    expect({ lost, extra }).toEqual({ lost: [], extra: [] })
    expect(byKey).toEqual(published)
    // Every station published all along, in both dialects.
    for (const s of STATIONS) expect([...published.keys()].filter((k) => k.startsWith(`${s.id}|`)).length).toBeGreaterThan(60)
  }, 90_000)
})

/** Bytes in the files under a folder (the spool's segments). */
async function bytesIn(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}
