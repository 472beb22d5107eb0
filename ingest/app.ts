import type { Logger } from 'pino'
import type { DeviceStatus, Reading } from '../domain/readings.js'
import type { ReadingsStore } from '../store/readings-store.js'
import type { IngestConfig } from './config.js'
import { decodeMessage, previewPayload, REJECT_REASONS, SKIP_REASONS, type RejectReason, type SkipReason } from './decode.js'
import { readingKey, RecentKeys, statusKey } from './dedupe.js'
import { connectConsumer } from './mqtt-consumer.js'
import { WritePipeline, type PipelineStats } from './pipeline.js'
import { storeTarget, type WriteTarget } from './write-target.js'

export interface IngestDeps {
  store: ReadingsStore
  log: Logger
  /** Epoch ms; dates an unstamped DZ/T type-1 frame. */
  now?: () => number
  /** Where batches go; defaults to the store. The disk spool will wrap the store here. */
  target?: WriteTarget
}

export interface IngestStats extends PipelineStats {
  connected: boolean
  /** Messages received (QoS 0 and 1). */
  received: number
  /** Readings and statuses dropped because a recent message carried the same key. */
  duplicates: number
  rejected: Record<RejectReason, number>
  /** Points inside accepted DZ/T frames that the decoder passed over. */
  skippedPoints: Record<SkipReason, number>
}

export interface Ingest {
  stats(): IngestStats
  /** Writes and acknowledges everything received so far. */
  flush(): Promise<void>
  close(): Promise<void>
}

const zeroCounts = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

export async function buildIngest(config: IngestConfig, deps: IngestDeps): Promise<Ingest> {
  const log = deps.log.child({ module: 'ingest' })
  const now = deps.now ?? Date.now
  const target = deps.target ?? storeTarget(deps.store)
  const pipeline = new WritePipeline(config, target, log.child({ module: 'ingest-pipeline' }))
  const recent = new RecentKeys(config.dedupeWindow)
  const counts = { received: 0, duplicates: 0, rejected: zeroCounts(REJECT_REASONS), skippedPoints: zeroCounts(SKIP_REASONS) }

  const onMessage = (topic: string, payload: Buffer, ack: () => void): void => {
    counts.received += 1
    const decoded = decodeMessage(topic, payload, now())
    if (!decoded.ok) {
      counts.rejected[decoded.reason.reason] += 1
      // It can never succeed: acknowledge it so that the broker does not redeliver it forever.
      log.warn({ reason: decoded.reason.reason, detail: decoded.reason.detail, topic: topic.slice(0, 200), payload: previewPayload(payload) }, 'message rejected')
      pipeline.submit({ readings: [], statuses: [], ack })
      return
    }
    const { uplink, skipped } = decoded.value
    for (const s of skipped) counts.skippedPoints[s.reason] += 1
    if (skipped.length > 0) {
      log.warn({ topic, skipped: skipped.slice(0, 5).map((s) => `${s.pointCode}: ${s.detail}`), skippedCount: skipped.length }, 'frame points skipped')
    }
    const readings: Reading[] = uplink.readings.filter((r) => !recent.seen(readingKey(r)))
    const statuses: DeviceStatus[] = uplink.statuses.filter((s) => !recent.seen(statusKey(s)))
    counts.duplicates += uplink.readings.length - readings.length + uplink.statuses.length - statuses.length
    pipeline.submit({ readings, statuses, ack })
  }

  const consumer = await connectConsumer(config, { onMessage, isFull: () => pipeline.pendingMessages >= config.maxUnackedMessages }, log.child({ module: 'ingest-mqtt' }))

  return {
    stats: () => ({
      ...pipeline.stats(),
      connected: consumer.connected,
      received: counts.received,
      duplicates: counts.duplicates,
      rejected: { ...counts.rejected },
      skippedPoints: { ...counts.skippedPoints }
    }),
    flush: () => pipeline.flush(),
    async close() {
      await pipeline.close()
      await consumer.close()
      log.info('ingest closed')
    }
  }
}
