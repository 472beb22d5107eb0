import type { MqttClient } from 'mqtt'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { encodeDpFrame } from '../../domain/dzt0450.js'
import { topics, type UplinkTopic } from '../../domain/topics.js'
import { buildIngest, type Ingest } from '../../ingest/app.js'
import type { IngestConfigInput } from '../../ingest/config.js'
import type { ReadingsStore } from '../../store/readings-store.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { captureLog, FaultyStore, startBroker, startPublisher, testConfig, type LogCapture, type TestBroker } from './harness.js'

const DZT_DEVICE = 'SK00EA0D1307986'
const up = (deviceId: string, kind: UplinkTopic['kind']): string => topics.uplink({ prov: '51', county: '511702', siteId: 'S1', deviceId, kind })
const NOW_MS = Date.parse('2026-07-27T12:00:00.000Z')
const ALL_TIME = { siteId: 'S1', from: 0, to: 4_000_000_000_000 }

const nativeData = (ts: string, intervalMm: number): string =>
  JSON.stringify({ v: 1, seq: 7, readings: [{ sensor: 'YL1', type: 'rain', ts, fields: { intervalMm } }] })

// The real status frame of domain.md §2 (type 2).
const REAL_STATUS_FRAME = encodeDpFrame(2, {
  SK00EA0D1307986: {
    S1_ZT_1: {
      '2026-04-13T17:34:04.000Z': {
        ext_power_volt: 12.12,
        solar_volt: 0,
        battery_dump_energy: 0,
        temp: 20.44,
        humidity: 89.04,
        lon: '0.000000',
        lat: '0.000000',
        signal_4g: 22,
        sw_version: '1.09.250808.RK00PX.BETA',
        sensor_state: { L1_LF_1: 0 }
      }
    }
  }
})

let broker: TestBroker
let publisher: MqttClient
let store: FaultyStore
let logs: LogCapture
const opened: Ingest[] = []

beforeEach(async () => {
  broker = await startBroker()
  publisher = await startPublisher(broker.url)
  store = new FaultyStore(openSqliteReadingsStore(':memory:'))
  logs = captureLog()
})

afterEach(async () => {
  store.release()
  store.failNext = 0
  for (const i of opened.splice(0)) await i.close()
  await publisher.endAsync()
  await broker.close()
  await store.close()
})

async function start(overrides: Partial<IngestConfigInput> = {}, readings: ReadingsStore = store): Promise<{ ingest: Ingest; clientId: string }> {
  const config = testConfig(broker.url, overrides)
  const ingest = await buildIngest(config, { store: readings, log: logs.log, now: () => NOW_MS })
  opened.push(ingest)
  return { ingest, clientId: config.clientId }
}

async function publishAll(messages: Array<[string, string | Buffer]>): Promise<void> {
  for (const [topic, payload] of messages) await publisher.publishAsync(topic, payload, { qos: 1 })
}

describe('ingest', () => {
  test('native JSON and DZ/T frames of both types end up in the store', async () => {
    const { ingest, clientId } = await start()
    const timed = encodeDpFrame(2, {
      [DZT_DEVICE]: {
        L3_YL_1: { '2026-04-13T17:30:00.000Z': { value: 1.5, totalValue: 20 } },
        L1_LF_1: { '2026-04-13T17:30:00.000Z': 10.86 },
        L9_XX_1: { '2026-04-13T17:30:00.000Z': 1 }
      }
    })
    const plain = encodeDpFrame(1, { [DZT_DEVICE]: { L1_LF_1: 11.02 } })
    await publishAll([
      [up('D1', 'data'), nativeData('2026-07-27T10:00:00Z', 2.4)],
      [up('D1', 'status'), JSON.stringify({ v: 1, ts: '2026-07-27T10:00:00Z', batteryPct: 87, sensorState: { YL1: 0 } })],
      [up(DZT_DEVICE, 'dp'), timed],
      [up(DZT_DEVICE, 'dp'), plain],
      [up(DZT_DEVICE, 'dp'), REAL_STATUS_FRAME]
    ])
    await broker.acksFrom(clientId, 5)

    const rows = await store.query(ALL_TIME)
    expect(rows.map((r) => [r.deviceId, r.sensorId, r.ts, r.fields])).toEqual([
      [DZT_DEVICE, 'L1_LF_1', Date.parse('2026-04-13T17:30:00.000Z'), { openingMm: 10.86 }],
      [DZT_DEVICE, 'L3_YL_1', Date.parse('2026-04-13T17:30:00.000Z'), { intervalMm: 1.5, totalMm: 20 }],
      ['D1', 'YL1', Date.parse('2026-07-27T10:00:00Z'), { intervalMm: 2.4 }],
      // An unstamped type-1 frame is dated on receipt.
      [DZT_DEVICE, 'L1_LF_1', NOW_MS, { openingMm: 11.02 }]
    ])
    const statuses = await store.latestStatuses('S1')
    expect(statuses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deviceId: 'D1', batteryPct: 87, sensorState: { YL1: 0 } }),
        expect.objectContaining({ deviceId: DZT_DEVICE, ts: Date.parse('2026-04-13T17:34:04.000Z'), extPowerV: 12.12, signal4g: 22, sensorState: { L1_LF_1: 0 } })
      ])
    )
    expect(ingest.stats()).toMatchObject({ received: 5, readingsWritten: 4, statusesWritten: 2, skippedPoints: { 'unknown-point-code': 1 } })
  })

  test('garbage is rejected with a reason, logged once, acknowledged, and the good message behind it arrives', async () => {
    const { ingest, clientId } = await start()
    const junk: Array<[string, string | Buffer]> = [
      [up('D1', 'data'), 'not json {'],
      [up('D1', 'data'), JSON.stringify({ v: 2, readings: [] })],
      [`${up('D1', 'data')}/extra`, nativeData('2026-07-27T10:00:00Z', 1)],
      [up(DZT_DEVICE, 'dp'), encodeDpFrame(3, { [DZT_DEVICE]: { file: 'x' } })],
      [up(DZT_DEVICE, 'dp'), encodeDpFrame(2, { [DZT_DEVICE]: { L9_XX_1: { '2026-04-13T17:30:00.000Z': 1 } } })],
      [up(DZT_DEVICE, 'dp'), Buffer.from([0x02, 0xff, 0xff, 0x7b])],
      [up('OTHER', 'dp'), REAL_STATUS_FRAME]
    ]
    await publishAll([...junk, [up('D1', 'data'), nativeData('2026-07-27T11:00:00Z', 3.1)]])
    await broker.acksFrom(clientId, junk.length + 1)

    expect((await store.query(ALL_TIME)).map((r) => r.fields)).toEqual([{ intervalMm: 3.1 }])
    expect(ingest.stats().rejected).toEqual({ topic: 1, json: 1, schema: 1, frame: 1, 'frame-type': 1, 'no-usable-point': 1, 'device-key': 1 })
    const rejected = logs.warnings().filter((l) => l.msg === 'message rejected')
    expect(rejected).toHaveLength(junk.length)
    expect(rejected[0]).toMatchObject({ reason: 'json', topic: up('D1', 'data'), payload: 'not json {' })
    expect(rejected.find((l) => l.reason === 'frame')).toMatchObject({ payload: 'hex:02ffff7b' })
  })

  test('a long payload is logged truncated to 200 characters', async () => {
    const { clientId } = await start()
    await publishAll([[up('D1', 'data'), 'x'.repeat(5000)]])
    await broker.acksFrom(clientId, 1)
    const [line] = logs.warnings().filter((l) => l.msg === 'message rejected')
    expect(String(line?.payload).length).toBeLessThanOrEqual(200)
  })

  test('the PUBACK leaves only after the write: failed writes are retried, nothing is acknowledged meanwhile', async () => {
    store.failNext = 2
    const { ingest, clientId } = await start()
    broker.broker.on('ack', (_p, client) => {
      if (client.id === clientId) store.events.push('puback')
    })
    await publishAll([[up('D1', 'data'), nativeData('2026-07-27T10:00:00Z', 2.4)]])
    await broker.acksFrom(clientId, 1)

    expect(store.events).toEqual(['write-failed', 'write-failed', 'write-ok', 'puback'])
    expect(await store.query(ALL_TIME)).toHaveLength(1)
    expect(ingest.stats()).toMatchObject({ writeFailures: 2, readingsWritten: 1, pendingMessages: 0 })
  })

  test('while the store hangs nothing is acknowledged; a restarted ingest gets the messages again', async () => {
    store.hold()
    const entered = store.nextWrite()
    const first = await start({ clientId: 'ingest-restart' })
    await publishAll([
      [up('D1', 'data'), nativeData('2026-07-27T10:00:00Z', 1)],
      [up('D1', 'data'), nativeData('2026-07-27T10:10:00Z', 2)]
    ])
    await entered
    expect(broker.ackCount('ingest-restart')).toBe(0)

    // Shut down with the write still hanging and the store failing: nothing is acknowledged.
    store.failNext = Number.POSITIVE_INFINITY
    const closing = first.ingest.close()
    opened.splice(opened.indexOf(first.ingest), 1)
    store.release()
    await closing
    expect(broker.ackCount('ingest-restart')).toBe(0)

    const fresh = openSqliteReadingsStore(':memory:')
    const second = await start({ clientId: 'ingest-restart' }, fresh)
    await broker.acksFrom('ingest-restart', 2)
    expect((await fresh.query(ALL_TIME)).map((r) => r.fields)).toEqual([{ intervalMm: 1 }, { intervalMm: 2 }])
    await second.ingest.close()
    opened.splice(opened.indexOf(second.ingest), 1)
    await fresh.close()
  })

  test('after a reconnect the broker redelivers; the copies are written once and acknowledged once', async () => {
    store.hold()
    const entered = store.nextWrite()
    const { ingest, clientId } = await start()
    await publishAll([
      [up('D1', 'data'), nativeData('2026-07-27T10:00:00Z', 1)],
      [up('D1', 'data'), nativeData('2026-07-27T10:10:00Z', 2)]
    ])
    await entered
    await broker.dropAndAwaitReconnect(clientId)
    store.release()
    await broker.acksFrom(clientId, 2)
    await ingest.flush()
    // One more message: its PUBACK comes after any other the ingest sent on this connection.
    await publishAll([[up('D1', 'data'), nativeData('2026-07-27T10:20:00Z', 3)]])
    await broker.acksFrom(clientId, 3)

    expect((await store.query(ALL_TIME)).map((r) => r.fields)).toEqual([{ intervalMm: 1 }, { intervalMm: 2 }, { intervalMm: 3 }])
    expect(store.writeSizes.reduce((a, b) => a + b, 0)).toBe(3)
    // The originals' PUBACKs belonged to the dead connection and are not sent on the new one.
    expect(broker.ackCount(clientId)).toBe(3)
    expect(ingest.stats()).toMatchObject({ received: 5, duplicates: 2, pendingMessages: 0 })
  })

  test('a redelivered reading is counted as a duplicate and written once', async () => {
    const { ingest, clientId } = await start()
    const payload = nativeData('2026-07-27T10:00:00Z', 2.4)
    await publishAll([[up('D1', 'data'), payload]])
    await broker.acksFrom(clientId, 1)
    await publishAll([[up('D1', 'data'), payload]])
    await broker.acksFrom(clientId, 2)

    expect(store.writeSizes).toEqual([1])
    expect(await store.query(ALL_TIME)).toHaveLength(1)
    expect(ingest.stats()).toMatchObject({ received: 2, duplicates: 1, readingsWritten: 1, acked: 2 })
  })

  test('many messages are written in few batches', async () => {
    const { ingest, clientId } = await start({ batchMaxSize: 100, batchMaxWaitMs: 50 })
    const n = 300
    await Promise.all(
      Array.from({ length: n }, (_, i) => publisher.publishAsync(up('D1', 'data'), nativeData(new Date(NOW_MS + i * 1000).toISOString(), i), { qos: 1 }))
    )
    await broker.acksFrom(clientId, n)

    expect(await store.query(ALL_TIME)).toHaveLength(n)
    expect(store.writeSizes.reduce((a, b) => a + b, 0)).toBe(n)
    expect(store.writeSizes.length).toBeLessThanOrEqual(10)
    expect(Math.max(...store.writeSizes)).toBeLessThanOrEqual(100)
    expect(ingest.stats()).toMatchObject({ received: n, pendingMessages: 0 })
  })

  test('with the window full the consumer stops reading until the store catches up', async () => {
    store.hold()
    const entered = store.nextWrite()
    const { ingest, clientId } = await start({ maxUnackedMessages: 5, batchMaxWaitMs: 1 })
    const n = 20
    await Promise.all(
      Array.from({ length: n }, (_, i) => publisher.publishAsync(up('D1', 'data'), nativeData(new Date(NOW_MS + i * 1000).toISOString(), i), { qos: 1 }))
    )
    await entered
    // The broker has all 20; let the event loop run so that whatever reached the socket is parsed.
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve))
    expect(ingest.stats().received).toBe(6)
    expect(ingest.stats().pendingMessages).toBe(6)

    store.release()
    await broker.acksFrom(clientId, n)
    expect(await store.query(ALL_TIME)).toHaveLength(n)
    expect(ingest.stats()).toMatchObject({ received: n, pendingMessages: 0, acked: n })
  })
})
