import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startInfluxd, type InfluxdServer } from '../../cli/influxd-server.js'
import { topics } from '../../domain/topics.js'
import { buildIngest, type Ingest } from '../../ingest/app.js'
import { loadInfluxConfig } from '../../store/influx-config.js'
import { openInfluxReadingsStore } from '../../store/influx-readings-store.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { haveInfluxd, requireInfluxd } from '../support/influxd.js'
import { captureLog, startBroker, startPublisher, testConfig, type TestBroker } from './harness.js'

const DATA = topics.uplink({ prov: '51', county: '511702', siteId: 'S1', deviceId: 'D1', kind: 'data' })
const T0 = Date.parse('2026-07-27T10:00:00.000Z')
const DRAINED = 'spool drained into the store'

const message = (minute: number): string =>
  JSON.stringify({ v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: new Date(T0 + minute * 60_000).toISOString(), fields: { intervalMm: minute } }] })
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

requireInfluxd('ingest spool against influxd')

describe.skipIf(!haveInfluxd)('ingest with its spool against a real influxd', () => {
  let server: InfluxdServer
  let broker: TestBroker
  let publisher: MqttClient
  let store: ReadingsStore
  let dir: string

  beforeAll(async () => {
    server = await startInfluxd()
    broker = await startBroker()
    publisher = await startPublisher(broker.url)
    // Kept for ever: the fixed 2026 readings must not fall out of a retention as the clock moves on.
    store = openInfluxReadingsStore(
      loadInfluxConfig({ GEOWARN_INFLUX_URL: server.url, GEOWARN_INFLUX_API: 'v1', GEOWARN_INFLUX_BUCKET: 'geowarn/forever', GEOWARN_READINGS_RETENTION: 'inf' })
    )
    dir = await mkdtemp(path.join(tmpdir(), 'geowarn-ingest-influxd-'))
  })

  afterAll(async () => {
    await publisher?.endAsync()
    await broker?.close()
    await store?.close()
    await server?.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('influxd stopped, ingest restarted meanwhile: every PUBACK arrives, and once influxd is back the store holds exactly the published readings', async () => {
    const logs = captureLog()
    const config = testConfig(broker.url, { clientId: 'ingest-influxd', spoolDir: path.join(dir, 'spool'), storeTimeoutMs: 2_000 })
    const publish = async (from: number, to: number): Promise<void> => {
      await Promise.all(range(from, to).map((m) => publisher.publishAsync(DATA, message(m), { qos: 1 })))
    }
    const storedMinutes = async (): Promise<number[]> => (await store.query({ siteId: 'S1', from: 0, to: 4_000_000_000_000 })).map((r) => (r.ts - T0) / 60_000)

    let ingest: Ingest = await buildIngest(config, { store, log: logs.log })
    try {
      await publish(0, 10)
      await broker.acksFrom(config.clientId, 10)
      expect(await storedMinutes()).toEqual(range(0, 10))

      await server.stop()
      await publish(10, 20)
      await broker.acksFrom(config.clientId, 20)
      expect(ingest.stats().spool).toMatchObject({ state: 'draining', readings: 10 })
      expect(logs.warnings().find((l) => l.msg === 'store write failed; batches go to the spool until the store takes them again')).toMatchObject({
        err: { message: expect.stringMatching(/ECONNREFUSED|ECONNRESET|socket hang up/) }
      })

      await ingest.close()
      ingest = await buildIngest(config, { store, log: logs.log })
      expect(ingest.stats().spool).toMatchObject({ readings: 10 })
      await publish(20, 25)
      await broker.acksFrom(config.clientId, 25)
      expect(ingest.stats().spool).toMatchObject({ readings: 15 })

      const drained = logs.next(DRAINED)
      await server.start()
      await drained
      expect(await storedMinutes()).toEqual(range(0, 25))
      expect(ingest.stats()).toMatchObject({ pendingMessages: 0, pointsRefused: 0, spool: { state: 'empty', readings: 0 } })
    } finally {
      await ingest.close()
    }
  })
})
