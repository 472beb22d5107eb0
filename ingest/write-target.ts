import type { DeviceStatus, Reading } from '../domain/readings.js'
import type { ReadingsStore } from '../store/readings-store.js'

export interface WriteBatch {
  readings: readonly Reading[]
  statuses: readonly DeviceStatus[]
}

/**
 * Where a batch goes before its messages are acknowledged. Resolving means "durable": the
 * pipeline sends the PUBACKs right after. The local disk spool (design.md "Delivery guarantees")
 * plugs in here as a target that tries the store and falls back to the spool.
 */
export interface WriteTarget {
  readonly name: string
  write(batch: WriteBatch): Promise<void>
}

/** Straight to the readings store. Both calls are idempotent, so a retried batch is harmless. */
export function storeTarget(store: ReadingsStore): WriteTarget {
  return {
    name: `store:${store.kind}`,
    async write(batch) {
      if (batch.readings.length > 0) await store.write(batch.readings)
      if (batch.statuses.length > 0) await store.writeStatuses(batch.statuses)
    }
  }
}
