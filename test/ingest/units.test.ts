import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { encodeDpFrame } from '../../domain/dzt0450.js'
import type { Reading } from '../../domain/readings.js'
import { backoffMs } from '../../ingest/backoff.js'
import { loadConfig } from '../../ingest/config.js'
import { decodeMessage, previewPayload } from '../../ingest/decode.js'
import { RecentKeys } from '../../ingest/dedupe.js'
import { WritePipeline } from '../../ingest/pipeline.js'
import { StoreWriter } from '../../ingest/store-writer.js'
import { storeTarget } from '../../ingest/write-target.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { captureLog, FaultyStore } from './harness.js'

const DATA = 'gh/up/51/511702/S1/D1/data'
const DP = 'gh/up/51/511702/S1/SK1/dp'
const ts = '2026-04-13T17:30:00.000Z'

describe('decodeMessage', () => {
  test.each([
    ['a topic outside gh/up', 'gh/up/51/511702/S1/D1', '{}', 'topic'],
    ['a county outside its province', 'gh/up/51/621102/S1/D1/data', '{}', 'topic'],
    ['text that is not JSON', DATA, 'nope', 'json'],
    ['JSON of the wrong shape', DATA, '{"v":1,"readings":[]}', 'schema'],
    ['a field its sensor type does not have', DATA, JSON.stringify({ v: 1, readings: [{ sensor: 'Y', type: 'rain', ts, fields: { levelM: 1 } }] }), 'schema'],
    ['a frame whose length field lies', DP, Buffer.from([2, 0, 9, 0x7b, 0x7d]), 'frame'],
    ['a file frame (type 3)', DP, encodeDpFrame(3, { SK1: {} }), 'frame-type'],
    ['a firmware frame (type 4)', DP, encodeDpFrame(4, { SK1: {} }), 'frame-type'],
    ['a frame with only unknown points', DP, encodeDpFrame(2, { SK1: { L9_XX_1: { [ts]: 1 } } }), 'no-usable-point'],
    ['a frame of two devices', DP, encodeDpFrame(2, { SK1: {}, SK2: {} }), 'schema'],
    ['a frame of another device', DP, encodeDpFrame(2, { SK2: { L1_LF_1: { [ts]: 1 } } }), 'device-key']
  ])('%s is rejected as %s', (_what, topic, payload, reason) => {
    const r = decodeMessage(topic, typeof payload === 'string' ? Buffer.from(payload) : payload, 0)
    expect(r).toMatchObject({ ok: false, reason: { reason } })
  })

  test.each([
    ['an unknown point code', { L9_XX_1: { [ts]: 1 } }, 'unknown-point-code'],
    ['a bad timestamp', { L1_LF_1: { 'yesterday': 1 } }, 'timestamp'],
    ['an unusable value', { L1_LF_1: { [ts]: 'abc' } }, 'value'],
    ['a status that is not an object', { S1_ZT_1: { [ts]: 5 } }, 'status']
  ])('a good frame with %s counts a skipped point (%s)', (_what, extra, reason) => {
    const r = decodeMessage(DP, encodeDpFrame(2, { SK1: { L3_YL_1: { [ts]: 2 }, ...extra } }), 0)
    expect(r.ok && r.value.uplink.readings.length).toBe(1)
    expect(r.ok && r.value.skipped.map((s) => s.reason)).toEqual([reason])
  })
})

test.each([
  ['short text', Buffer.from('{"a":1}'), '{"a":1}'],
  ['long text', Buffer.from('y'.repeat(300)), `${'y'.repeat(199)}…`],
  ['a DZ/T header', Buffer.from([2, 0, 2, 0x7b, 0x7d]), 'hex:0200027b7d'],
  ['invalid UTF-8', Buffer.from([0xff, 0xfe]), 'hex:fffe']
])('previewPayload of %s', (_what, payload, expected) => {
  expect(previewPayload(payload)).toBe(expected)
  expect(previewPayload(Buffer.alloc(1000, 1)).length).toBeLessThanOrEqual(200)
})

test.each([
  [0, 200],
  [1, 400],
  [4, 3200],
  [8, 30_000],
  [100, 30_000]
])('backoff attempt %i waits %i ms (base 200, cap 30000)', (attempt, ms) => {
  expect(backoffMs(attempt, 200, 30_000)).toBe(ms)
})

test('RecentKeys forgets the oldest key past its capacity', () => {
  const keys = new RecentKeys(2)
  // a, b remembered; a again; c evicts a; a is new again and evicts b; c still there.
  expect([keys.seen('a'), keys.seen('b'), keys.seen('a'), keys.seen('c'), keys.seen('a'), keys.seen('c')]).toEqual([false, false, true, false, false, true])
  expect(keys.size).toBe(2)
})

describe('loadConfig', () => {
  test('defaults', () => {
    expect(loadConfig({ GEOWARN_SERVICE_SECRET: 'ingest-test-secret' })).toMatchObject({
      mqttUrl: 'mqtt://127.0.0.1:1883',
      mqttUsername: 'svc:ingest',
      mqttPassword: 'ingest-test-secret',
      clientId: 'geowarn-ingest',
      filters: ['gh/up/+/+/#'],
      batchMaxSize: 500,
      batchMaxWaitMs: 200,
      dedupeWindow: 100_000
    })
  })

  test('a province and county partition gives several filters', () => {
    const c = loadConfig({ GEOWARN_SERVICE_SECRET: 'ingest-test-secret', GEOWARN_INGEST_PROVINCES: '51, 62', GEOWARN_INGEST_COUNTIES: '431129' })
    expect(c.filters).toEqual(['gh/up/51/+/#', 'gh/up/62/+/#', 'gh/up/43/431129/#'])
  })

  test.each([
    [{}, /GEOWARN_SERVICE_SECRET/],
    [{ GEOWARN_SERVICE_SECRET: 'ingest-test-secret', GEOWARN_INGEST_PROVINCES: '5' }, /two digits/],
    [{ GEOWARN_SERVICE_SECRET: 'ingest-test-secret', GEOWARN_INGEST_BATCH_MAX_SIZE: 'lots' }, /GEOWARN_INGEST_BATCH_MAX_SIZE: expected a number/]
  ])('bad settings are refused: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message)
  })
})

describe('WritePipeline (fake timers)', () => {
  const log = captureLog().log
  const reading = (i: number): Reading => ({ deviceId: 'D1', sensorId: 'YL1', type: 'rain', siteId: 'S1', county: '511702', ts: i, fields: { intervalMm: i } })
  let store: FaultyStore
  beforeEach(() => {
    vi.useFakeTimers()
    store = new FaultyStore(openSqliteReadingsStore(':memory:'))
  })
  afterEach(async () => {
    vi.useRealTimers()
    await store.close()
  })

  test('a failed batch is retried with capped backoff and acknowledged only once written', async () => {
    const pipeline = new WritePipeline({ batchMaxSize: 10, batchMaxWaitMs: 50, retryBaseMs: 100, retryMaxMs: 300 }, storeTarget(new StoreWriter(store, { storeTimeoutMs: 60_000 }, log)), log)
    const acked: number[] = []
    store.failNext = 3
    pipeline.submit({ readings: [reading(1)], statuses: [], ack: () => acked.push(1) })
    // Attempts at 50 (batch wait), +100, +200, then +300 (400 capped at 300) ms.
    await vi.advanceTimersByTimeAsync(50)
    expect(store.events).toEqual(['write-failed'])
    await vi.advanceTimersByTimeAsync(100 + 200 - 1)
    expect(store.events).toEqual(['write-failed', 'write-failed'])
    await vi.advanceTimersByTimeAsync(1)
    expect(store.events).toEqual(['write-failed', 'write-failed', 'write-failed'])
    await vi.advanceTimersByTimeAsync(299)
    expect(acked).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(store.events.at(-1)).toBe('write-ok')
    expect(acked).toEqual([1])
    expect(pipeline.stats()).toMatchObject({ writeFailures: 3, batchesWritten: 1, pendingMessages: 0 })
  })

  test('a full batch is written at once; acknowledgements keep the order of arrival', async () => {
    const pipeline = new WritePipeline({ batchMaxSize: 2, batchMaxWaitMs: 1000, retryBaseMs: 10, retryMaxMs: 10 }, storeTarget(new StoreWriter(store, { storeTimeoutMs: 60_000 }, log)), log)
    const acked: string[] = []
    pipeline.submit({ readings: [reading(1)], statuses: [], ack: () => acked.push('a') })
    pipeline.submit({ readings: [], statuses: [], ack: () => acked.push('junk') })
    pipeline.submit({ readings: [reading(2)], statuses: [], ack: () => acked.push('b') })
    pipeline.submit({ readings: [reading(3)], statuses: [], ack: () => acked.push('c') })
    await vi.advanceTimersByTimeAsync(0)
    expect(acked).toEqual(['a', 'junk', 'b'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(acked).toEqual(['a', 'junk', 'b', 'c'])
    expect(store.writeSizes).toEqual([2, 1])
  })

  test('close gives up on a failing store and leaves its messages unacknowledged', async () => {
    const pipeline = new WritePipeline({ batchMaxSize: 10, batchMaxWaitMs: 5, retryBaseMs: 10_000, retryMaxMs: 10_000 }, storeTarget(new StoreWriter(store, { storeTimeoutMs: 60_000 }, log)), log)
    const acked: number[] = []
    store.failNext = Number.POSITIVE_INFINITY
    pipeline.submit({ readings: [reading(1)], statuses: [], ack: () => acked.push(1) })
    await vi.advanceTimersByTimeAsync(5)
    await pipeline.close()
    pipeline.submit({ readings: [reading(2)], statuses: [], ack: () => acked.push(2) })
    expect(acked).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
