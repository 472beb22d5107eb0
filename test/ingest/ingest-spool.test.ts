import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { topics } from '../../domain/topics.js'
import { buildIngest, type Ingest } from '../../ingest/app.js'
import type { IngestConfigInput } from '../../ingest/config.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { captureLog, FaultyStore, startBroker, startPublisher, testConfig, type LogCapture, type TestBroker } from './harness.js'

const DATA = topics.uplink({ prov: '51', county: '511702', siteId: 'S1', deviceId: 'D1', kind: 'data' })
const T0 = Date.parse('2026-07-27T10:00:00.000Z')
const ALL_TIME = { siteId: 'S1', from: 0, to: 4_000_000_000_000 }
const DRAINED = 'spool drained into the store'

/** One native JSON message; each reading one minute apart from T0 by its index. */
const message = (...minutes: number[]): string =>
  JSON.stringify({ v: 1, readings: minutes.map((m) => ({ sensor: 'YL1', type: 'rain', ts: new Date(T0 + m * 60_000).toISOString(), fields: { intervalMm: m } })) })

let broker: TestBroker
let publisher: MqttClient
let store: FaultyStore
let logs: LogCapture
let dir: string
const opened: Ingest[] = []

beforeEach(async () => {
  broker = await startBroker()
  publisher = await startPublisher(broker.url)
  store = new FaultyStore(openSqliteReadingsStore(':memory:'))
  logs = captureLog()
  dir = await mkdtemp(path.join(tmpdir(), 'geowarn-ingest-spool-'))
})

afterEach(async () => {
  store.failNext = 0
  for (const i of opened.splice(0)) await i.close()
  await publisher.endAsync()
  await broker.close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function start(overrides: Partial<IngestConfigInput> = {}): Promise<{ ingest: Ingest; clientId: string }> {
  const config = testConfig(broker.url, { spoolDir: path.join(dir, 'spool'), ...overrides })
  const ingest = await buildIngest(config, { store, log: logs.log })
  opened.push(ingest)
  return { ingest, clientId: config.clientId }
}

async function stop(ingest: Ingest): Promise<void> {
  opened.splice(opened.indexOf(ingest), 1)
  await ingest.close()
}

async function publish(count: number, from = 0): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => publisher.publishAsync(DATA, message(from + i), { qos: 1 })))
}

const storedMinutes = async (): Promise<number[]> => (await store.query(ALL_TIME)).map((r) => (r.ts - T0) / 60_000)
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

describe('ingest with its spool', () => {
  test('with the store down the PUBACKs still arrive, each after its reading is spooled; the spool drains once the store is back', async () => {
    store.failNext = Number.POSITIVE_INFINITY
    const { ingest, clientId } = await start()
    const spooledAtAck: number[] = []
    broker.broker.on('ack', (_p, client) => {
      if (client.id === clientId) spooledAtAck.push(ingest.stats().spool?.readings ?? 0)
    })
    const n = 30
    await publish(n)
    await broker.acksFrom(clientId, n)

    // The k-th PUBACK reached the broker when at least k readings were on disk.
    expect(spooledAtAck.every((spooled, k) => spooled >= k + 1)).toBe(true)
    expect(ingest.stats().spool).toMatchObject({ state: 'draining', readings: n, drainedBatchesTotal: 0 })
    expect(await store.query(ALL_TIME)).toEqual([])

    const drained = logs.next(DRAINED)
    store.failNext = 0
    await drained
    expect(await storedMinutes()).toEqual(range(n))
    expect(ingest.stats().spool).toMatchObject({ state: 'empty', readings: 0, segments: 0 })
    expect(ingest.stats()).toMatchObject({ received: n, acked: n, pendingMessages: 0 })
  })

  test('an ingest restarted with a non-empty spool drains it; the broker has nothing to redeliver', async () => {
    store.failNext = Number.POSITIVE_INFINITY
    const first = await start({ clientId: 'ingest-spool-restart' })
    const n = 12
    await publish(n)
    await broker.acksFrom(first.clientId, n)
    expect(first.ingest.stats().spool).toMatchObject({ readings: n })
    await stop(first.ingest)

    store.failNext = 0
    const drained = logs.next(DRAINED)
    const second = await start({ clientId: 'ingest-spool-restart' })
    await drained
    expect(await storedMinutes()).toEqual(range(n))
    expect(second.ingest.stats()).toMatchObject({ received: 0, spool: { state: 'empty', spooledBatchesTotal: 0 } })
    expect(second.ingest.stats().spool?.drainedBatchesTotal).toBeGreaterThan(0)

    // And it goes on: new readings straight to the store.
    await publish(1, n)
    // The count is per client id, and the first ingest had the same one.
    await broker.acksFrom(second.clientId, n + 1)
    expect(await storedMinutes()).toEqual(range(n + 1))
  })

  test('a poisoned reading is lost alone, with its reason; the rest of its message and batch is stored and acknowledged', async () => {
    // Past 2262-04-11: no store can hold it (readings-store.ts), yet a device clock can say so.
    const poisoned = JSON.stringify({ v: 1, readings: [{ sensor: 'YL1', type: 'rain', ts: '2300-01-01T00:00:00Z', fields: { intervalMm: 9 } }] })
    const { ingest, clientId } = await start({ batchMaxWaitMs: 50 })
    await publisher.publishAsync(DATA, message(1), { qos: 1 })
    await publisher.publishAsync(DATA, poisoned, { qos: 1 })
    await publisher.publishAsync(DATA, message(3, 4), { qos: 1 })
    await broker.acksFrom(clientId, 3)

    expect(await storedMinutes()).toEqual([1, 3, 4])
    expect(ingest.stats()).toMatchObject({ pointsRefused: 1, writeFailures: 0, acked: 3, spool: { spooledBatchesTotal: 0 } })
    expect(logs.warnings().filter((l) => l.msg === 'points refused by the store were dropped; the rest of the batch is written')).toEqual([
      expect.objectContaining({
        refused: 1,
        points: [{ kind: 'reading', deviceId: 'D1', sensorId: 'YL1', ts: Date.parse('2300-01-01T00:00:00Z'), reason: expect.stringMatching(/^timestamp .* is outside 1677-09-21..2262-04-11/) }]
      })
    ])
  })
})
