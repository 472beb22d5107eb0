import { constants } from 'node:fs'
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from 'pino'
import { z } from 'zod'
import { deviceStatusSchema, readingSchema } from '../domain/readings.js'
import { fail, ok, type Result } from '../domain/result.js'
import type { SpoolStats } from '../domain/service-health.js'
import { IngestError } from './errors.js'
import { quarantineBytes, segmentFileName, syncDir, unlinkIfThere, writeFully } from './spool-files.js'
import { encodeRecord, recordPayload, scanSegment, type ByteRange, type RecordMeta } from './spool-format.js'
import { recoverSegments } from './spool-recover.js'
import type { WriteBatch } from './write-target.js'

export interface SpoolOptions {
  dir: string
  /** Disk bytes of all segments together; an append past it is refused. */
  maxBytes: number
  /** A new segment is begun when the next record would take the current one past this. */
  segmentMaxBytes: number
}

export interface SpoolDeps {
  log: Logger
  /** Epoch ms: stamps each record, and dates the oldest for `oldestAgeMs`. */
  now: () => number
}

/** The oldest batch not yet removed, and where it sits. */
export interface SpooledBatch {
  batch: WriteBatch
  appendedAtMs: number
  readonly seq: number
  readonly index: number
}

interface Segment {
  seq: number
  /** Bytes of whole records in the file; the drain reads no further. */
  bytes: number
  /** Records not drained yet, their readings, and the append time of the oldest of them. */
  batches: number
  readings: number
  oldestMs: number | undefined
  /** The newest segment while it takes appends; a segment is never reopened once closed. */
  handle: FileHandle | undefined
}

type OpenSegment = Segment & { handle: FileHandle }

/** The segment being drained, read into memory (it no longer changes). */
interface Head {
  seg: Segment
  buf: Buffer
  records: RecordMeta[]
  next: number
}

const spooledBatchSchema = z.object({ readings: z.array(readingSchema), statuses: z.array(deviceStatusSchema) })

/**
 * A durable FIFO of batches on local disk: append-only segment files, each record checksummed and
 * fsync'd before `append` resolves, the directory fsync'd whenever a segment is created or deleted.
 * Restart-safe: `Spool.open` moves damage to `quarantine/`, counted and logged, never dropped in
 * silence, a torn last record (an append the process did not finish) included, then cuts it off. Draining
 * reads closed segments only and deletes a segment once all of its records are removed; a crash in
 * between drains part of a segment twice, which idempotent store writes make harmless.
 */
export class Spool {
  readonly #opts: SpoolOptions
  readonly #log: Logger
  readonly #now: () => number
  readonly #segments: Segment[] = []
  #nextSeq = 1
  #head: Head | undefined
  /** File operations run one at a time: appends, the drain's reads and deletions share #segments. */
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false
  #appendProblem: 'full' | 'error' | undefined
  #drainProblem = false
  #lastError: string | undefined
  readonly #totals = { spooled: 0, drained: 0, quarantined: 0, appendFailures: 0 }

  private constructor(opts: SpoolOptions, deps: SpoolDeps) {
    this.#opts = opts
    this.#log = deps.log
    this.#now = deps.now
  }

  /** Opens (creating the folder if needed) and recovers the spool in `opts.dir`. */
  static async open(opts: SpoolOptions, deps: SpoolDeps): Promise<Spool> {
    const spool = new Spool(opts, deps)
    await spool.#recover()
    return spool
  }

  get isEmpty(): boolean {
    return this.#segments.every((s) => s.batches === 0)
  }

  stats(): SpoolStats {
    let batches = 0
    let readings = 0
    let bytes = 0
    for (const s of this.#segments) {
      batches += s.batches
      readings += s.readings
      bytes += s.bytes
    }
    const oldestMs = this.#segments.find((s) => s.oldestMs !== undefined)?.oldestMs
    const state = this.#appendProblem ?? (this.#drainProblem ? 'error' : batches > 0 ? 'draining' : 'empty')
    return {
      state,
      segments: this.#segments.length,
      batches,
      readings,
      bytes,
      oldestAgeMs: oldestMs === undefined ? 0 : Math.max(0, this.#now() - oldestMs),
      spooledBatchesTotal: this.#totals.spooled,
      drainedBatchesTotal: this.#totals.drained,
      quarantinedTotal: this.#totals.quarantined,
      appendFailuresTotal: this.#totals.appendFailures,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError })
    }
  }

  /**
   * Resolves once the batch is on disk (fsync'd). Rejects with GH_ERR_SPOOL_FULL past `maxBytes`,
   * or GH_ERR_SPOOL_IO when the disk fails (ENOSPC, EIO, EROFS): the caller keeps the batch.
   */
  append(batch: WriteBatch): Promise<void> {
    const payload = Buffer.from(JSON.stringify({ readings: batch.readings, statuses: batch.statuses }))
    const appendedAtMs = this.#now()
    const rec = encodeRecord(payload, appendedAtMs, batch.readings.length)
    return this.#exclusive(async () => {
      if (this.#closed) throw new Error('append on a closed spool')
      const used = this.#segments.reduce((n, s) => n + s.bytes, 0)
      if (used + rec.length > this.#opts.maxBytes) {
        throw this.#appendFailed('full', new IngestError('GH_ERR_SPOOL_FULL', `spool full: ${used} of ${this.#opts.maxBytes} bytes used, a batch of ${rec.length} bytes does not fit`))
      }
      const last = this.#segments.at(-1)
      let seg = isOpen(last) ? last : undefined
      try {
        if (seg !== undefined && seg.bytes + rec.length > this.#opts.segmentMaxBytes) {
          await this.#closeSegment(seg)
          seg = undefined
        }
        seg ??= await this.#createSegment()
        await writeFully(seg.handle, rec, seg.bytes)
        await seg.handle.sync()
      } catch (err) {
        if (seg !== undefined) await this.#abandon(seg)
        throw this.#appendFailed('error', new IngestError('GH_ERR_SPOOL_IO', `spool append failed: ${messageOf(err)}`, { cause: err }))
      }
      seg.bytes += rec.length
      seg.batches += 1
      seg.readings += batch.readings.length
      seg.oldestMs ??= appendedAtMs
      this.#totals.spooled += 1
      if (this.#appendProblem !== undefined) {
        this.#log.info({ spool: this.stats() }, 'spool takes batches again')
        this.#appendProblem = undefined
      }
    })
  }

  /** The oldest batch, or undefined when the spool is empty. The same one until `remove()`d. */
  oldest(): Promise<SpooledBatch | undefined> {
    return this.#exclusive(() =>
      this.#drainIo(async () => {
        for (;;) {
          const head = this.#head ?? (await this.#loadHead())
          if (head === undefined) return undefined
          const rec = head.records[head.next]
          if (rec === undefined) {
            await this.#deleteHead(head)
            continue
          }
          const decoded = decodeBatch(recordPayload(head.buf, rec))
          if (decoded.ok) return { batch: decoded.value, appendedAtMs: rec.appendedAtMs, seq: head.seg.seq, index: head.next }
          // A record with a good checksum that is not a batch: another version wrote it, or a bug did.
          await this.#quarantine(head.seg.seq, head.buf, rec, `not a batch: ${decoded.reason}`)
          this.#advance(head)
        }
      })
    )
  }

  /** The batch `oldest()` returned is in the store: forget it; delete its segment when exhausted. */
  remove(b: SpooledBatch): Promise<void> {
    return this.#exclusive(async () => {
      const head = this.#head
      if (head === undefined || head.seg.seq !== b.seq || head.next !== b.index) throw new Error(`spool remove out of order: ${b.seq}#${b.index}`)
      this.#advance(head)
      this.#totals.drained += 1
      if (this.#appendProblem !== undefined && this.isEmpty) {
        this.#log.info({ spool: this.stats() }, 'spool empty: it takes batches again')
        this.#appendProblem = undefined
      }
      // If the deletion fails, the next oldest() tries again.
      if (head.next === head.records.length) await this.#drainIo(() => this.#deleteHead(head))
    })
  }

  async close(): Promise<void> {
    await this.#exclusive(async () => {
      this.#closed = true
      const active = this.#segments.at(-1)
      if (active?.handle !== undefined) await this.#closeSegment(active)
    })
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn)
    // The caller gets the error through `run`; the queue only needs to know that it finished.
    this.#queue = run.then(
      () => undefined,
      () => undefined
    )
    return run
  }

  #path(name: string): string {
    return path.join(this.#opts.dir, name)
  }

  async #recover(): Promise<void> {
    const { segments, nextSeq } = await recoverSegments(this.#opts.dir, (...a) => this.#quarantine(...a))
    for (const seg of segments) this.#segments.push({ ...seg, handle: undefined })
    this.#nextSeq = nextSeq
    const st = this.stats()
    this.#log.info({ dir: this.#opts.dir, segments: st.segments, batches: st.batches, readings: st.readings, bytes: st.bytes }, 'spool open')
  }

  async #createSegment(): Promise<OpenSegment> {
    const seq = this.#nextSeq
    this.#nextSeq += 1
    // O_TRUNC: a new sequence number can only find what an abandoned append left behind.
    const handle = await open(this.#path(segmentFileName(seq)), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC)
    const seg: OpenSegment = { seq, bytes: 0, batches: 0, readings: 0, oldestMs: undefined, handle }
    this.#segments.push(seg)
    try {
      await this.#syncDir()
    } catch (err) {
      await this.#abandon(seg)
      throw err
    }
    return seg
  }

  async #closeSegment(seg: Segment): Promise<void> {
    const handle = seg.handle
    seg.handle = undefined
    await handle?.close()
  }

  /**
   * After a failed write or fsync: no more appends go to this file. Its first `bytes` are whole,
   * fsync'd records. What comes after them was never acknowledged: a torn write is cut on the next
   * open; a write that completed but whose fsync failed is a whole record, drained after the next
   * open, which is harmless (the device sends it again anyway, and store writes are idempotent).
   * A segment without records is removed.
   */
  async #abandon(seg: Segment): Promise<void> {
    try {
      await this.#closeSegment(seg)
    } catch (err) {
      this.#log.warn({ err, segment: segmentFileName(seg.seq) }, 'closing a failed spool segment failed too')
    }
    if (seg.batches > 0) return
    this.#segments.splice(this.#segments.indexOf(seg), 1)
    try {
      await unlink(this.#path(segmentFileName(seg.seq)))
    } catch (err) {
      this.#log.warn({ err, segment: segmentFileName(seg.seq) }, 'could not remove an empty spool segment; the next open removes it')
    }
  }

  #appendFailed(kind: 'full' | 'error', err: IngestError): IngestError {
    this.#totals.appendFailures += 1
    this.#lastError = `${err.code}: ${err.message}`
    if (this.#appendProblem !== kind) {
      this.#appendProblem = kind
      // Once per episode; the pipeline keeps the batch unacknowledged and the broker keeps the messages.
      this.#log.error({ err, spool: this.stats() }, kind === 'full' ? 'spool full: batches stay unacknowledged until it drains' : 'spool cannot write to disk: batches stay unacknowledged')
    }
    return err
  }

  async #loadHead(): Promise<Head | undefined> {
    const seg = this.#segments[0]
    if (seg === undefined) return undefined
    // The drain reads closed segments only: appends move on to a new one.
    if (seg.handle !== undefined) await this.#closeSegment(seg)
    const buf = (await readFile(this.#path(segmentFileName(seg.seq)))).subarray(0, seg.bytes)
    const scan = scanSegment(buf)
    // Written and checked by this process or by the last open: damage here is the disk's.
    for (const range of [...scan.corrupt, ...(scan.torn === undefined ? [] : [scan.torn])]) await this.#quarantine(seg.seq, buf, range, 'checksum or framing (while draining)')
    seg.batches = scan.records.length
    seg.readings = scan.records.reduce((n, r) => n + r.readings, 0)
    seg.oldestMs = scan.records[0]?.appendedAtMs
    this.#head = { seg, buf, records: scan.records, next: 0 }
    return this.#head
  }

  #advance(head: Head): void {
    const rec = head.records[head.next]
    if (rec === undefined) return
    head.next += 1
    head.seg.batches -= 1
    head.seg.readings -= rec.readings
    head.seg.oldestMs = head.records[head.next]?.appendedAtMs
  }

  async #deleteHead(head: Head): Promise<void> {
    await unlinkIfThere(this.#path(segmentFileName(head.seg.seq)))
    await this.#syncDir()
    this.#segments.splice(this.#segments.indexOf(head.seg), 1)
    this.#head = undefined
  }

  /** Runs a drain step; a file system error is reported once per episode and rethrown as GH_ERR_SPOOL_IO. */
  async #drainIo<T>(step: () => Promise<T>): Promise<T> {
    let result: T
    try {
      result = await step()
    } catch (err) {
      throw this.#drainFailed(err)
    }
    this.#drainSucceeded()
    return result
  }

  #drainFailed(err: unknown): IngestError {
    const e = new IngestError('GH_ERR_SPOOL_IO', `spool drain failed: ${messageOf(err)}`, { cause: err })
    this.#lastError = `${e.code}: ${e.message}`
    if (!this.#drainProblem) {
      this.#drainProblem = true
      this.#log.error({ err, spool: this.stats() }, 'spool cannot read or delete a segment; retrying')
    }
    return e
  }

  #drainSucceeded(): void {
    if (!this.#drainProblem) return
    this.#drainProblem = false
    this.#log.info({ spool: this.stats() }, 'spool drains again')
  }

  async #quarantine(seq: number, buf: Buffer, range: ByteRange, why: string): Promise<void> {
    const file = await quarantineBytes(this.#opts.dir, seq, buf, range)
    this.#totals.quarantined += 1
    this.#log.error({ segment: segmentFileName(seq), offset: range.offset, bytes: range.bytes, why, file }, 'damaged spool record moved to quarantine')
  }

  #syncDir(): Promise<void> {
    return syncDir(this.#opts.dir)
  }
}

function isOpen(seg: Segment | undefined): seg is OpenSegment {
  return seg?.handle !== undefined
}

function decodeBatch(payload: Buffer): Result<WriteBatch> {
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return fail(messageOf(err))
  }
  const parsed = spooledBatchSchema.safeParse(json)
  return parsed.success ? ok(parsed.data) : fail(parsed.error.issues[0]?.message ?? 'not a batch')
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
