import { existsSync } from 'node:fs'
import { appendFile, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Reading } from '../../domain/readings.js'
import { IngestError } from '../../ingest/errors.js'
import { encodeRecord, RECORD_HEADER_BYTES, scanSegment } from '../../ingest/spool-format.js'
import { QUARANTINE_DIR, segmentFileName } from '../../ingest/spool-files.js'
import { Spool, type SpoolOptions } from '../../ingest/spool.js'
import type { WriteBatch } from '../../ingest/write-target.js'
import { captureLog, type LogCapture } from './harness.js'

const reading = (ts: number): Reading => ({ deviceId: 'D1', sensorId: 'YL1', type: 'rain', siteId: 'S1', county: '511702', ts, fields: { intervalMm: 1 } })
const batchOf = (...ts: number[]): WriteBatch => ({ readings: ts.map(reading), statuses: [] })
/** Bytes a spooled batch takes on disk (readings whose ts have as many digits encode alike). */
const recordBytes = (b: WriteBatch): number => encodeRecord(Buffer.from(JSON.stringify(b)), 0, b.readings.length).length

let dir: string
let logs: LogCapture
let nowMs: number
const opened: Spool[] = []

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'geowarn-spool-'))
  logs = captureLog()
  nowMs = 1_000_000
})

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
  await rm(dir, { recursive: true, force: true })
})

async function openAt(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  const spool = await Spool.open({ dir, maxBytes: 1024 ** 2, segmentMaxBytes: 64 * 1024, ...opts }, { log: logs.log, now: () => nowMs })
  opened.push(spool)
  return spool
}

async function reopen(spool: Spool, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  await spool.close()
  opened.splice(opened.indexOf(spool), 1)
  return openAt(opts)
}

/** Drains everything, removing each batch, and returns the readings' ts in the order they came. */
async function drainAll(spool: Spool): Promise<number[]> {
  const out: number[] = []
  for (let b = await spool.oldest(); b !== undefined; b = await spool.oldest()) {
    out.push(...b.batch.readings.map((r) => r.ts))
    await spool.remove(b)
  }
  return out
}

const segmentFiles = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort()

describe('Spool', () => {
  test('batches come back in order after a reopen; drained segments are deleted', async () => {
    const spool = await openAt()
    await spool.append(batchOf(1, 2))
    await spool.append(batchOf(3))
    await spool.append({ readings: [reading(4)], statuses: [{ deviceId: 'D1', siteId: 'S1', county: '511702', ts: 4, batteryPct: 80, sensorState: { YL1: 0 } }] })
    expect(spool.stats()).toMatchObject({ state: 'draining', segments: 1, batches: 3, readings: 4, spooledBatchesTotal: 3 })

    const again = await reopen(spool)
    expect(again.stats()).toMatchObject({ state: 'draining', segments: 1, batches: 3, readings: 4, spooledBatchesTotal: 0 })
    const first = await again.oldest()
    // The same batch until it is removed.
    expect(await again.oldest()).toEqual(first)
    expect(first?.batch).toEqual(batchOf(1, 2))
    expect(await drainAll(again)).toEqual([1, 2, 3, 4])
    expect(again.stats()).toMatchObject({ state: 'empty', segments: 0, batches: 0, readings: 0, bytes: 0, oldestAgeMs: 0, drainedBatchesTotal: 3 })
    expect(await segmentFiles()).toEqual([])
  })

  test('appends go to a new segment while the drain reads the current one', async () => {
    const spool = await openAt()
    await spool.append(batchOf(1))
    const b1 = await spool.oldest()
    await spool.append(batchOf(2))
    expect(await segmentFiles()).toEqual([segmentFileName(1), segmentFileName(2)])
    if (b1 === undefined) throw new Error('expected a batch')
    await spool.remove(b1)
    expect(await segmentFiles()).toEqual([segmentFileName(2)])
    expect(await drainAll(spool)).toEqual([2])
  })

  test('segments rotate by size; bytes and segments are counted, and each goes when drained', async () => {
    const one = recordBytes(batchOf(100))
    // Room for two records per segment.
    const spool = await openAt({ segmentMaxBytes: 2 * one + 1 })
    for (let i = 0; i < 5; i += 1) await spool.append(batchOf(100 + i))
    expect(await segmentFiles()).toEqual([1, 2, 3].map(segmentFileName))
    expect(spool.stats()).toMatchObject({ segments: 3, batches: 5, bytes: 5 * one })
    expect((await stat(path.join(dir, segmentFileName(1)))).size).toBe(2 * one)

    const b = await spool.oldest()
    if (b === undefined) throw new Error('expected a batch')
    await spool.remove(b)
    // Disk bytes: the segment is deleted only once it is drained.
    expect(spool.stats()).toMatchObject({ segments: 3, batches: 4, bytes: 5 * one })
    expect(await drainAll(spool)).toEqual([101, 102, 103, 104])
    expect(await segmentFiles()).toEqual([])
  })

  test('a torn last record goes to quarantine, counted and logged, then is cut off; the records before it survive', async () => {
    const spool = await openAt()
    await spool.append(batchOf(1))
    await spool.append(batchOf(2))
    const whole = (await stat(path.join(dir, segmentFileName(1)))).size
    // A crash in the middle of the third append: only part of its record reached the file.
    const torn = encodeRecord(Buffer.from(JSON.stringify(batchOf(3))), nowMs, 1)
    await spool.close()
    opened.splice(opened.indexOf(spool), 1)
    const tornBytes = torn.subarray(0, RECORD_HEADER_BYTES + 10)
    await appendFile(path.join(dir, segmentFileName(1)), tornBytes)

    const again = await openAt()
    expect(again.stats()).toMatchObject({ batches: 2, quarantinedTotal: 1 })
    expect(logs.errors()).toEqual([
      expect.objectContaining({ msg: 'damaged spool record moved to quarantine', why: expect.stringMatching(/^torn last record/), offset: whole, bytes: tornBytes.length })
    ])
    expect(await readFile(path.join(dir, QUARANTINE_DIR, `${segmentFileName(1)}@${whole}.bad`))).toEqual(tornBytes)
    expect((await stat(path.join(dir, segmentFileName(1)))).size).toBe(whole)
    // New appends go behind the good records, in a new segment.
    await again.append(batchOf(4))
    expect(await drainAll(again)).toEqual([1, 2, 4])
  })

  test('a corrupt record in the middle goes to quarantine, counted and logged; the others drain', async () => {
    const spool = await openAt()
    for (const ts of [1, 2, 3]) await spool.append(batchOf(ts))
    await spool.close()
    opened.splice(opened.indexOf(spool), 1)
    const file = path.join(dir, segmentFileName(1))
    const bytes = await readFile(file)
    const [, second] = scanSegment(bytes).records
    if (second === undefined) throw new Error('expected three records')
    // One flipped bit in the second record's payload.
    const damaged = Buffer.from(bytes)
    const at = second.offset + RECORD_HEADER_BYTES + 5
    damaged[at] = (damaged[at] as number) ^ 0x01
    await writeFile(file, damaged)

    const again = await openAt()
    expect(again.stats()).toMatchObject({ batches: 2, readings: 2, quarantinedTotal: 1 })
    const quarantined = await readdir(path.join(dir, QUARANTINE_DIR))
    expect(quarantined).toEqual([`${segmentFileName(1)}@${second.offset}.bad`])
    expect(await readFile(path.join(dir, QUARANTINE_DIR, quarantined[0] as string))).toEqual(damaged.subarray(second.offset, second.offset + second.bytes))
    expect(logs.errors()).toEqual([expect.objectContaining({ msg: 'damaged spool record moved to quarantine', offset: second.offset, bytes: second.bytes })])
    // The segment was rewritten with the good records only: a second open finds nothing to quarantine.
    const third = await reopen(again)
    expect(third.stats()).toMatchObject({ batches: 2, quarantinedTotal: 0 })
    expect(await drainAll(third)).toEqual([1, 3])
  })

  test('a record that checks out but is not a batch is quarantined when drained, not dropped', async () => {
    const good = encodeRecord(Buffer.from(JSON.stringify(batchOf(1))), nowMs, 1)
    const alien = encodeRecord(Buffer.from(JSON.stringify({ rows: [1, 2] })), nowMs, 0)
    await writeFile(path.join(dir, segmentFileName(7)), Buffer.concat([alien, good]))
    const spool = await openAt()
    expect(await drainAll(spool)).toEqual([1])
    expect(spool.stats()).toMatchObject({ quarantinedTotal: 1, state: 'empty' })
    expect(logs.errors()[0]).toMatchObject({ msg: 'damaged spool record moved to quarantine', why: expect.stringMatching(/^not a batch/) })
    // Numbering continues after the segments found on disk.
    await spool.append(batchOf(2))
    expect(await segmentFiles()).toEqual([segmentFileName(8)])
  })

  test('a full spool refuses the append (GH_ERR_SPOOL_FULL), reports once per episode, and takes batches again once drained', async () => {
    const one = recordBytes(batchOf(10))
    const spool = await openAt({ maxBytes: 2 * one })
    await spool.append(batchOf(10))
    await spool.append(batchOf(11))
    for (const ts of [12, 13]) {
      const err: unknown = await spool.append(batchOf(ts)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(IngestError)
      expect(err).toMatchObject({ code: 'GH_ERR_SPOOL_FULL' })
    }
    expect(spool.stats()).toMatchObject({ state: 'full', batches: 2, appendFailuresTotal: 2, lastError: expect.stringMatching(/^GH_ERR_SPOOL_FULL: spool full/) })
    expect(logs.errors().map((l) => l.msg)).toEqual(['spool full: batches stay unacknowledged until it drains'])

    expect(await drainAll(spool)).toEqual([10, 11])
    expect(spool.stats().state).toBe('empty')
    await spool.append(batchOf(12))
    expect(spool.stats()).toMatchObject({ state: 'draining', batches: 1 })
  })

  test.skipIf(!existsSync('/dev/full'))('a disk that refuses the write (ENOSPC from /dev/full) is reported, and the spool recovers on a good segment', async () => {
    const spool = await openAt()
    // The next two segments the spool creates are /dev/full, where every write fails with ENOSPC.
    await symlink('/dev/full', path.join(dir, segmentFileName(1)))
    await symlink('/dev/full', path.join(dir, segmentFileName(2)))
    for (const ts of [1, 2]) {
      const err: unknown = await spool.append(batchOf(ts)).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'GH_ERR_SPOOL_IO', message: expect.stringContaining('ENOSPC') })
    }
    expect(spool.stats()).toMatchObject({ state: 'error', batches: 0, appendFailuresTotal: 2, lastError: expect.stringContaining('ENOSPC') })
    expect(logs.errors().map((l) => l.msg)).toEqual(['spool cannot write to disk: batches stay unacknowledged'])
    // Nothing was acknowledged, so nothing of it may come back.
    expect(spool.isEmpty).toBe(true)

    await spool.append(batchOf(3))
    expect(spool.stats()).toMatchObject({ state: 'draining', batches: 1, lastError: expect.stringContaining('ENOSPC') })
    expect(logs.lines.at(-1)).toMatchObject({ msg: 'spool takes batches again' })
    expect(await segmentFiles()).toEqual([segmentFileName(3)])
    expect(await drainAll(spool)).toEqual([3])
  })

  test('oldestAgeMs is the age of the oldest batch not yet drained', async () => {
    const spool = await openAt({ segmentMaxBytes: 1 })
    await spool.append(batchOf(1))
    nowMs += 2_000
    await spool.append(batchOf(2))
    nowMs += 3_000
    expect(spool.stats().oldestAgeMs).toBe(5_000)
    // The append time is on disk: a restart does not make the backlog look young.
    const again = await reopen(spool)
    expect(again.stats().oldestAgeMs).toBe(5_000)
    const b = await again.oldest()
    if (b === undefined) throw new Error('expected a batch')
    await again.remove(b)
    expect(again.stats().oldestAgeMs).toBe(3_000)
    await drainAll(again)
    expect(again.stats().oldestAgeMs).toBe(0)
  })
})

describe('scanSegment', () => {
  const rec = (ts: number): Buffer => encodeRecord(Buffer.from(JSON.stringify(batchOf(ts))), ts, 1)
  const [a, b] = [rec(1), rec(2)]
  const at = (...parts: Buffer[]): number => Buffer.concat(parts).length

  test.each<[string, Buffer, { records: number[]; corrupt: Array<[number, number]>; torn?: [number, number] }]>([
    ['nothing', Buffer.alloc(0), { records: [], corrupt: [] }],
    ['two whole records', Buffer.concat([a, b]), { records: [0, at(a)], corrupt: [] }],
    ['a record cut inside its payload', Buffer.concat([a, b.subarray(0, 30)]), { records: [0], corrupt: [], torn: [at(a), 30] }],
    ['a record cut inside its magic', Buffer.concat([a, b.subarray(0, 2)]), { records: [0], corrupt: [], torn: [at(a), 2] }],
    ['garbage between records', Buffer.concat([a, Buffer.from('xyz'), b]), { records: [0, at(a, Buffer.from('xyz'))], corrupt: [[at(a), 3]] }],
    // Zeros where a record should be (a file extended but never written): damage, not a torn append.
    ['zeros at the end', Buffer.concat([a, Buffer.alloc(40)]), { records: [0], corrupt: [[at(a), 40]] }]
  ])('%s', (_what, buf, expected) => {
    const scan = scanSegment(buf)
    expect(scan.records.map((r) => r.offset)).toEqual(expected.records)
    expect(scan.corrupt.map((r) => [r.offset, r.bytes])).toEqual(expected.corrupt)
    expect(scan.torn === undefined ? undefined : [scan.torn.offset, scan.torn.bytes]).toEqual(expected.torn)
  })

  test('a record keeps its append time and reading count', () => {
    expect(scanSegment(encodeRecord(Buffer.from('{}'), 1_700_000_000_123, 42)).records).toEqual([{ offset: 0, bytes: RECORD_HEADER_BYTES + 2, appendedAtMs: 1_700_000_000_123, readings: 42 }])
  })
})
