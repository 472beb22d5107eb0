import type { Logger } from 'pino'
import type { DeviceStatus, Reading } from '../domain/readings.js'
import { backoffMs } from './backoff.js'
import type { WriteTarget } from './write-target.js'

/** One received message: what it decoded to (possibly nothing) and how to acknowledge it. */
export interface PendingMessage {
  readings: readonly Reading[]
  statuses: readonly DeviceStatus[]
  ack: () => void
}

export interface PipelineOptions {
  /** Readings + statuses per write. */
  batchMaxSize: number
  batchMaxWaitMs: number
  retryBaseMs: number
  retryMaxMs: number
}

export interface PipelineStats {
  pendingMessages: number
  batchesWritten: number
  readingsWritten: number
  statusesWritten: number
  writeFailures: number
  acked: number
}

interface Batch {
  readings: Reading[]
  statuses: DeviceStatus[]
  acks: Array<() => void>
}

const emptyBatch = (): Batch => ({ readings: [], statuses: [], acks: [] })
const points = (b: Batch): number => b.readings.length + b.statuses.length

/**
 * Batches messages, writes one batch at a time, and acknowledges a batch's messages, in the
 * order they were received, only after its write resolved ([MQTT-4.6.0-2]: PUBACKs in the order
 * of the PUBLISH packets). A failed write keeps the batch and retries it with capped exponential
 * backoff; nothing behind it is written or acknowledged meanwhile.
 */
export class WritePipeline {
  readonly #opts: PipelineOptions
  readonly #target: WriteTarget
  readonly #log: Logger
  /** Accumulating; its timer runs whenever it holds a message. */
  #open = emptyBatch()
  #timer: NodeJS.Timeout | undefined
  /** Full or due, waiting for the writer, oldest first. */
  readonly #sealed: Batch[] = []
  #writer: Promise<void> | undefined
  #closing = false
  #wakeRetry: (() => void) | undefined
  readonly #stats: PipelineStats = { pendingMessages: 0, batchesWritten: 0, readingsWritten: 0, statusesWritten: 0, writeFailures: 0, acked: 0 }

  constructor(opts: PipelineOptions, target: WriteTarget, log: Logger) {
    this.#opts = opts
    this.#target = target
    this.#log = log
  }

  stats(): PipelineStats {
    return { ...this.#stats }
  }

  get pendingMessages(): number {
    return this.#stats.pendingMessages
  }

  submit(msg: PendingMessage): void {
    // Closing: leave it unacknowledged for the broker to redeliver to the next ingest.
    if (this.#closing) return
    this.#stats.pendingMessages += 1
    const ack = (): void => {
      this.#stats.pendingMessages -= 1
      this.#stats.acked += 1
      msg.ack()
    }
    const idle = this.#open.acks.length === 0 && this.#sealed.length === 0 && this.#writer === undefined
    // Nothing earlier is waiting: a message with nothing to write (junk, all duplicates) can be
    // acknowledged now without overtaking anyone.
    if (idle && msg.readings.length + msg.statuses.length === 0) {
      ack()
      return
    }
    const b = this.#open
    for (const r of msg.readings) b.readings.push(r)
    for (const st of msg.statuses) b.statuses.push(st)
    b.acks.push(ack)
    if (points(b) >= this.#opts.batchMaxSize) this.#seal()
    else this.#timer ??= setTimeout(() => this.#seal(), this.#opts.batchMaxWaitMs)
  }

  /** Writes everything submitted so far (waiting through retries) and acknowledges it. */
  async flush(): Promise<void> {
    this.#seal()
    while (this.#writer !== undefined && !this.#closing) await this.#writer
  }

  /**
   * Stops retrying and makes one last attempt at what is left. What is not written stays
   * unacknowledged: the broker keeps it in our persistent session and redelivers it to the next
   * ingest.
   */
  async close(): Promise<void> {
    this.#seal()
    this.#closing = true
    this.#wakeRetry?.()
    await this.#writer
    for (const batch of this.#sealed.splice(0)) {
      const err = await this.#writeOnce(batch)
      if (err !== undefined) {
        this.#log.warn({ err, target: this.#target.name, readings: batch.readings.length }, 'last write on close failed; left to the broker to redeliver')
        break
      }
      for (const ack of batch.acks) ack()
    }
  }

  #seal(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#open.acks.length === 0) return
    this.#sealed.push(this.#open)
    this.#open = emptyBatch()
    this.#startWriter()
  }

  #startWriter(): void {
    if (this.#writer !== undefined || this.#closing) return
    this.#writer = this.#drain().finally(() => {
      this.#writer = undefined
      // A batch sealed between the drain's last look and here.
      if (this.#sealed.length > 0) this.#startWriter()
    })
  }

  async #drain(): Promise<void> {
    for (let batch = this.#sealed[0]; batch !== undefined && !this.#closing; batch = this.#sealed[0]) {
      // Closing with the batch unwritten: it stays sealed for close() to try once more.
      if (!(await this.#writeWithRetry(batch))) return
      this.#sealed.shift()
      for (const ack of batch.acks) ack()
    }
  }

  async #writeWithRetry(batch: Batch): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      const err = await this.#writeOnce(batch)
      if (err === undefined) return true
      if (this.#closing) return false
      const retryInMs = backoffMs(attempt, this.#opts.retryBaseMs, this.#opts.retryMaxMs)
      this.#log.warn(
        { err, target: this.#target.name, attempt: attempt + 1, retryInMs, readings: batch.readings.length, statuses: batch.statuses.length },
        'batch write failed; kept unacknowledged, retrying'
      )
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, retryInMs)
        this.#wakeRetry = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.#wakeRetry = undefined
    }
  }

  /** undefined when written, else the error. */
  async #writeOnce(batch: Batch): Promise<unknown> {
    if (points(batch) === 0) return undefined
    try {
      await this.#target.write(batch)
    } catch (err) {
      this.#stats.writeFailures += 1
      return err ?? new Error('write rejected without a reason')
    }
    this.#stats.batchesWritten += 1
    this.#stats.readingsWritten += batch.readings.length
    this.#stats.statusesWritten += batch.statuses.length
    return undefined
  }
}
