import type { Logger } from 'pino'
import { backoffMs } from './backoff.js'
import { IngestError } from './errors.js'
import type { SpoolStats } from '../domain/service-health.js'
import type { Spool, SpooledBatch } from './spool.js'
import type { StoreWriter } from './store-writer.js'
import type { WriteBatch, WriteTarget } from './write-target.js'

export interface SpoolTargetOptions {
  /** Backoff of the drain while the store is still failing. */
  retryBaseMs: number
  retryMaxMs: number
}

/**
 * The store, with the disk spool behind it (design.md "Delivery guarantees"). A batch goes to the
 * store while the spool is empty; when the store fails or times out it goes to the spool, and
 * either way it is durable when `write` resolves, so the pipeline acknowledges it. While the spool
 * holds anything, new batches are appended behind it, so the store receives them in order, and a
 * background drain writes the oldest to the store, backing off while the store still fails. Only
 * when the spool cannot take the batch (full, disk error) does `write` reject: the pipeline then
 * keeps the messages unacknowledged and retries, and the broker holds the rest.
 */
export class SpoolTarget implements WriteTarget {
  readonly name: string
  readonly #writer: StoreWriter
  readonly #spool: Spool
  readonly #opts: SpoolTargetOptions
  readonly #log: Logger
  #drainer: Promise<void> | undefined
  #closing = false
  #wake: (() => void) | undefined
  /** From a failed store write to the next one that succeeds: one warning per outage. */
  #storeDown = false

  constructor(writer: StoreWriter, spool: Spool, opts: SpoolTargetOptions, log: Logger) {
    this.name = `store:${writer.storeKind}+spool`
    this.#writer = writer
    this.#spool = spool
    this.#opts = opts
    this.#log = log
    // What a previous run spooled goes first.
    this.#startDrain()
  }

  stats(): SpoolStats {
    return this.#spool.stats()
  }

  async write(batch: WriteBatch): Promise<void> {
    if (this.#spool.isEmpty) {
      try {
        await this.#writer.write(batch)
        this.#storeBack()
        return
      } catch (err) {
        this.#storeFailed(err)
      }
    }
    await this.#spool.append(batch)
    this.#startDrain()
  }

  /** Stops the drain (a store write in flight ends within the store timeout) and closes the spool. */
  async close(): Promise<void> {
    this.#closing = true
    this.#wake?.()
    await this.#drainer
    await this.#spool.close()
  }

  #startDrain(): void {
    if (this.#drainer !== undefined || this.#closing || this.#spool.isEmpty) return
    this.#drainer = this.#drain().finally(() => {
      this.#drainer = undefined
      // Appended between the drain's last look and here.
      this.#startDrain()
    })
  }

  async #drain(): Promise<void> {
    let drained = 0
    for (let attempt = 0; !this.#closing; ) {
      try {
        const next: SpooledBatch | undefined = await this.#spool.oldest()
        if (next === undefined) break
        await this.#storeOrThrow(next.batch)
        await this.#spool.remove(next)
        drained += 1
        attempt = 0
      } catch (err) {
        // Any store or disk error is retried forever (the spool logged its own); anything else is a
        // bug and crashes the process. So a batch the store always refuses (not point by point)
        // blocks the drain, and shows as a growing spool age on health and metrics: deliberate,
        // since a batch is never dropped for an error that does not name its points.
        if (!(err instanceof IngestError || err instanceof StoreWriteError)) throw err
        await this.#sleep(backoffMs(attempt, this.#opts.retryBaseMs, this.#opts.retryMaxMs))
        attempt += 1
      }
    }
    if (drained > 0 && this.#spool.isEmpty) this.#log.info({ drained, spool: this.#spool.stats() }, 'spool drained into the store')
  }

  async #storeOrThrow(batch: WriteBatch): Promise<void> {
    try {
      await this.#writer.write(batch)
    } catch (err) {
      this.#storeFailed(err)
      throw new StoreWriteError(err)
    }
    this.#storeBack()
  }

  /** One warning per outage; each failed attempt at debug. */
  #storeFailed(err: unknown): void {
    if (this.#storeDown) {
      this.#log.debug({ err }, 'store write failed again')
      return
    }
    this.#storeDown = true
    this.#log.warn({ err, target: this.name }, 'store write failed; batches go to the spool until the store takes them again')
  }

  #storeBack(): void {
    if (!this.#storeDown) return
    this.#storeDown = false
    this.#log.info({ spool: this.#spool.stats() }, 'the store takes writes again')
  }

  /** Backoff that close() cuts short. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => this.#wake?.(), ms)
      this.#wake = () => {
        clearTimeout(t)
        this.#wake = undefined
        resolve()
      }
    })
  }
}

/** A store failure met by the drain: waited out, unlike a bug. */
class StoreWriteError extends Error {
  constructor(cause: unknown) {
    super('store write failed', { cause })
    this.name = 'StoreWriteError'
  }
}
