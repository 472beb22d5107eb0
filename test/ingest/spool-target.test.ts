import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Reading } from '../../domain/readings.js'
import { WritePipeline } from '../../ingest/pipeline.js'
import { Spool, type SpoolOptions } from '../../ingest/spool.js'
import { SpoolTarget } from '../../ingest/spool-target.js'
import { StoreWriter } from '../../ingest/store-writer.js'
import { storeTarget } from '../../ingest/write-target.js'
import { openSqliteReadingsStore } from '../../store/sqlite-readings-store.js'
import { captureLog, FaultyStore, type LogCapture } from './harness.js'

const reading = (ts: number): Reading => ({ deviceId: 'D1', sensorId: 'YL1', type: 'rain', siteId: 'S1', county: '511702', ts, fields: { intervalMm: 1 } })
const ALL_TIME = { siteId: 'S1', from: 0, to: 4_000_000_000_000 }
const PIPELINE = { batchMaxSize: 100, batchMaxWaitMs: 1, retryBaseMs: 5, retryMaxMs: 20 }
const STORE_DOWN = 'store write failed; batches go to the spool until the store takes them again'
const DRAINED = 'spool drained into the store'

let dir: string
let store: FaultyStore
let logs: LogCapture
let acked: number[]
const closers: Array<() => Promise<void>> = []

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'geowarn-spool-target-'))
  store = new FaultyStore(openSqliteReadingsStore(':memory:'))
  logs = captureLog()
  acked = []
})

afterEach(async () => {
  store.release()
  for (const c of closers.splice(0).reverse()) await c()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

interface Rig {
  pipeline: WritePipeline
  writer: StoreWriter
  target: SpoolTarget
  /** Each message carries one reading whose ts is also its name in `acked`. */
  submit(...ts: number[]): void
}

async function rig(opts: { spool?: Partial<SpoolOptions>; storeTimeoutMs?: number } = {}): Promise<Rig> {
  const writer = new StoreWriter(store, { storeTimeoutMs: opts.storeTimeoutMs ?? 10_000 }, logs.log)
  const spool = await Spool.open({ dir, maxBytes: 1024 ** 2, segmentMaxBytes: 64 * 1024, ...opts.spool }, { log: logs.log, now: Date.now })
  const target = new SpoolTarget(writer, spool, PIPELINE, logs.log)
  const pipeline = new WritePipeline(PIPELINE, target, logs.log)
  closers.push(async () => {
    await pipeline.close()
    await target.close()
  })
  return {
    pipeline,
    writer,
    target,
    submit: (...ts) => {
      for (const t of ts) pipeline.submit({ readings: [reading(t)], statuses: [], ack: () => acked.push(t) })
    }
  }
}

const storedTs = async (): Promise<number[]> => (await store.query(ALL_TIME)).map((r) => r.ts)

describe('SpoolTarget', () => {
  test('with the store down batches are spooled and acknowledged; the drain writes them in order once it is back', async () => {
    const { pipeline, target, submit } = await rig()
    store.failNext = Number.POSITIVE_INFINITY
    submit(1)
    await pipeline.flush()
    submit(2)
    await pipeline.flush()
    expect(acked).toEqual([1, 2])
    expect(target.stats()).toMatchObject({ state: 'draining', batches: 2, readings: 2, spooledBatchesTotal: 2 })
    expect(logs.warnings().filter((l) => l.msg === STORE_DOWN)).toHaveLength(1)

    const drained = logs.next(DRAINED)
    store.failNext = 0
    await drained
    expect(store.writtenTs).toEqual([1, 2])
    expect(target.stats()).toMatchObject({ state: 'empty', batches: 0, drainedBatchesTotal: 2 })

    // Empty again: straight to the store.
    submit(3)
    await pipeline.flush()
    expect(await storedTs()).toEqual([1, 2, 3])
    expect(target.stats().spooledBatchesTotal).toBe(2)
  })

  test('while the spool holds anything new batches queue behind it', async () => {
    const { pipeline, target, submit } = await rig({ storeTimeoutMs: 50 })
    store.hold()
    submit(1)
    await pipeline.flush()
    submit(2, 3)
    await pipeline.flush()
    expect(acked).toEqual([1, 2, 3])
    // [1] timed out and was spooled; [2, 3] was appended behind it without trying the store, which
    // has seen only [1] (the pipeline's write, then the drain's attempts).
    expect(target.stats().batches).toBe(2)
    expect(new Set(store.triedTs.map((ts) => ts.join(',')))).toEqual(new Set(['1']))

    const drained = logs.next(DRAINED)
    store.release()
    await drained
    // Given-up writes of [1] land late, in any order with the drain's; nothing of [2, 3] before [1].
    expect([...new Set(store.writtenTs)]).toEqual([1, 2, 3])
    expect(await storedTs()).toEqual([1, 2, 3])
  })

  test('a store write that hangs is cut off after storeTimeoutMs and the batch spooled; the late write is harmless', async () => {
    const { pipeline, target, submit } = await rig({ storeTimeoutMs: 50 })
    store.hold()
    submit(1)
    await pipeline.flush()
    expect(acked).toEqual([1])
    expect(target.stats().batches).toBe(1)
    expect(logs.warnings().find((l) => l.msg === STORE_DOWN)).toMatchObject({ err: { code: 'GH_ERR_STORE_TIMEOUT' } })

    const drained = logs.next(DRAINED)
    store.release()
    await drained
    // Written by the late write and again by the drain: one reading, as idempotent writes promise.
    expect(await storedTs()).toEqual([1])
  })

  test('a full spool with the store down keeps the messages unacknowledged until the store is back', async () => {
    const one = Buffer.byteLength(JSON.stringify({ readings: [reading(1)], statuses: [] })) + 24
    const { pipeline, target, submit } = await rig({ spool: { maxBytes: one } })
    store.failNext = Number.POSITIVE_INFINITY
    submit(1)
    await pipeline.flush()
    const full = logs.next('spool full: batches stay unacknowledged until it drains')
    const retrying = logs.next('batch write failed; kept unacknowledged, retrying')
    submit(2)
    await full
    await retrying
    expect(acked).toEqual([1])
    expect(target.stats()).toMatchObject({ state: 'full', batches: 1, appendFailuresTotal: 1 })
    expect(pipeline.stats()).toMatchObject({ pendingMessages: 1, writeFailures: 1 })

    store.failNext = 0
    await pipeline.flush()
    expect(acked).toEqual([1, 2])
    expect(await storedTs()).toEqual([1, 2])
    expect(target.stats()).toMatchObject({ state: 'empty', batches: 0 })
  })
})

describe('points the store refuses', () => {
  const REFUSED = 'points refused by the store were dropped; the rest of the batch is written'
  // Past 2262-04-11: neither store can hold it (readings-store.ts), and a device clock can say so.
  const POISONED_TS = Date.parse('2300-01-01T00:00:00Z')
  const poisonedReason = expect.stringMatching(/^timestamp .* is outside/)

  test('are dropped with their reason; the rest of the batch is stored and acknowledged, nothing retried or spooled', async () => {
    const { pipeline, writer, target } = await rig()
    pipeline.submit({ readings: [reading(1), reading(POISONED_TS)], statuses: [], ack: () => acked.push(12) })
    pipeline.submit({ readings: [reading(3)], statuses: [], ack: () => acked.push(3) })
    await pipeline.flush()

    expect(acked).toEqual([12, 3])
    expect(await storedTs()).toEqual([1, 3])
    expect(store.events).toEqual(['write-ok'])
    expect(writer.pointsRefused).toBe(1)
    expect(target.stats()).toMatchObject({ spooledBatchesTotal: 0 })
    expect(logs.warnings().filter((l) => l.msg === REFUSED)).toEqual([
      expect.objectContaining({ refused: 1, readings: 3, points: [{ kind: 'reading', deviceId: 'D1', sensorId: 'YL1', ts: POISONED_TS, reason: poisonedReason }] })
    ])
  })

  test('are dropped the same way when the drain writes a spooled batch', async () => {
    const { pipeline, writer, target } = await rig()
    store.failNext = Number.POSITIVE_INFINITY
    pipeline.submit({ readings: [reading(1), reading(POISONED_TS), reading(3)], statuses: [], ack: () => acked.push(123) })
    await pipeline.flush()
    const drained = logs.next(DRAINED)
    store.failNext = 0
    await drained
    expect(await storedTs()).toEqual([1, 3])
    expect(writer.pointsRefused).toBe(1)
    expect(target.stats()).toMatchObject({ state: 'empty', drainedBatchesTotal: 1 })
  })

  test('without a spool too', async () => {
    const writer = new StoreWriter(store, { storeTimeoutMs: 10_000 }, logs.log)
    const pipeline = new WritePipeline(PIPELINE, storeTarget(writer), logs.log)
    closers.push(() => pipeline.close())
    pipeline.submit({ readings: [reading(1), reading(POISONED_TS)], statuses: [], ack: () => acked.push(12) })
    await pipeline.flush()
    expect(acked).toEqual([12])
    expect(await storedTs()).toEqual([1])
    expect(pipeline.stats()).toMatchObject({ writeFailures: 0, batchesWritten: 1 })
    expect(writer.pointsRefused).toBe(1)
  })
})
