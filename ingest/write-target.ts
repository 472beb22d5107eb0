import type { DeviceStatus, Reading } from '../domain/readings.js'
import type { StoreWriter } from './store-writer.js'

export interface WriteBatch {
  readings: readonly Reading[]
  statuses: readonly DeviceStatus[]
}

/**
 * Where a batch goes before its messages are acknowledged. Resolving means "durable": the
 * pipeline sends the PUBACKs right after. Rejecting keeps the messages unacknowledged and the
 * pipeline retries the batch.
 */
export interface WriteTarget {
  readonly name: string
  write(batch: WriteBatch): Promise<void>
}

/** Straight to the readings store, without a spool: while it fails, the pipeline retries. */
export function storeTarget(writer: StoreWriter): WriteTarget {
  return { name: `store:${writer.storeKind}`, write: (batch) => writer.write(batch) }
}
