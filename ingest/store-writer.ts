import type { Logger } from 'pino'
import type { ReadingsStore } from '../store/readings-store.js'
import { PointsRejectedError, type RejectedPoint } from '../store/store-error.js'
import { IngestError } from './errors.js'
import type { WriteBatch } from './write-target.js'

/** At most this many refused points are named in the log line of a batch. */
const REFUSED_IN_LOG = 5

/**
 * One batch into the readings store, for the pipeline and for the spool's drain alike.
 *
 * - A write that takes longer than `storeTimeoutMs` is given up (GH_ERR_STORE_TIMEOUT) so the batch
 *   can go to the spool; the late write may still land, which idempotent writes make harmless.
 * - Points the store refuses for good (PointsRejectedError, thrown after every other point is
 *   written) are dropped: counted, logged once per batch with their reasons, never retried or
 *   spooled. The batch counts as written.
 */
export class StoreWriter {
  readonly #store: ReadingsStore
  readonly #timeoutMs: number
  readonly #log: Logger
  #pointsRefused = 0

  constructor(store: ReadingsStore, opts: { storeTimeoutMs: number }, log: Logger) {
    this.#store = store
    this.#timeoutMs = opts.storeTimeoutMs
    this.#log = log
  }

  get storeKind(): ReadingsStore['kind'] {
    return this.#store.kind
  }

  get pointsRefused(): number {
    return this.#pointsRefused
  }

  async write(batch: WriteBatch): Promise<void> {
    const refused: RefusedPoint[] = []
    await this.#withTimeout(this.#writeBoth(batch, refused))
    if (refused.length === 0) return
    this.#pointsRefused += refused.length
    this.#log.warn(
      { refused: refused.length, points: refused.slice(0, REFUSED_IN_LOG), readings: batch.readings.length, statuses: batch.statuses.length },
      'points refused by the store were dropped; the rest of the batch is written'
    )
  }

  async #writeBoth(batch: WriteBatch, refused: RefusedPoint[]): Promise<void> {
    if (batch.readings.length > 0) {
      const rejected = await refusedBy(() => this.#store.write(batch.readings))
      for (const { index, reason } of rejected) {
        const r = batch.readings[index]
        refused.push({ kind: 'reading', deviceId: r?.deviceId, sensorId: r?.sensorId, ts: r?.ts, reason })
      }
    }
    if (batch.statuses.length > 0) {
      const rejected = await refusedBy(() => this.#store.writeStatuses(batch.statuses))
      for (const { index, reason } of rejected) {
        const s = batch.statuses[index]
        refused.push({ kind: 'status', deviceId: s?.deviceId, ts: s?.ts, reason })
      }
    }
  }

  async #withTimeout(write: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new IngestError('GH_ERR_STORE_TIMEOUT', `store write took longer than ${this.#timeoutMs} ms`)), this.#timeoutMs)
    })
    try {
      await Promise.race([write, timeout])
    } catch (err) {
      if (err instanceof IngestError && err.code === 'GH_ERR_STORE_TIMEOUT') {
        write.catch((late: unknown) => this.#log.debug({ err: late }, 'a store write given up on failed later'))
      }
      throw err
    } finally {
      clearTimeout(timer)
    }
  }
}

interface RefusedPoint {
  kind: 'reading' | 'status'
  deviceId: string | undefined
  sensorId?: string | undefined
  ts: number | undefined
  reason: string
}

/** [] when the call wrote everything; the refused points when it threw PointsRejectedError. */
async function refusedBy(call: () => Promise<void>): Promise<readonly RejectedPoint[]> {
  try {
    await call()
    return []
  } catch (err) {
    if (err instanceof PointsRejectedError) return err.rejected
    throw err
  }
}
