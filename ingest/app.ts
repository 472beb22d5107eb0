import type { Logger } from 'pino'
import type { DeviceStatus, Reading } from '../domain/readings.js'
import type { SpoolStats } from '../domain/service-health.js'
import type { ReadingsStore } from '../store/readings-store.js'
import type { IngestConfig } from './config.js'
import { decodeMessage, previewPayload, REJECT_REASONS, SKIP_REASONS, type RejectReason, type SkipReason } from './decode.js'
import { readingKey, RecentKeys, statusKey } from './dedupe.js'
import { connectConsumer } from './mqtt-consumer.js'
import { WritePipeline, type PipelineStats } from './pipeline.js'
import { startHealthReport } from './health-report.js'
import { Spool } from './spool.js'
import { SpoolTarget } from './spool-target.js'
import { StoreWriter } from './store-writer.js'
import { storeTarget } from './write-target.js'

export interface IngestDeps {
  store: ReadingsStore
  log: Logger
  /** Epoch ms; dates an unstamped DZ/T type-1 frame and stamps spooled batches. */
  now?: () => number
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
  /** Points the store refused for good (PointsRejectedError): dropped with a logged reason. */
  pointsRefused: number
  /** Present when the spool is configured (`spoolDir`). */
  spool?: SpoolStats
}

export interface Ingest {
  stats(): IngestStats
  /** Writes and acknowledges everything received so far. */
  flush(): Promise<void>
  close(): Promise<void>
}

const zeroCounts = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

async function openSpoolTarget(dir: string, config: IngestConfig, writer: StoreWriter, log: Logger, now: () => number): Promise<SpoolTarget> {
  const spool = await Spool.open({ dir, maxBytes: config.spoolMaxBytes, segmentMaxBytes: config.spoolSegmentMaxBytes }, { log, now })
  return new SpoolTarget(writer, spool, config, log)
}

export async function buildIngest(config: IngestConfig, deps: IngestDeps): Promise<Ingest> {
  const log = deps.log.child({ module: 'ingest' })
  const now = deps.now ?? Date.now
  const writer = new StoreWriter(deps.store, config, log.child({ module: 'ingest-store' }))
  const spoolTarget = config.spoolDir === undefined ? undefined : await openSpoolTarget(config.spoolDir, config, writer, log.child({ module: 'ingest-spool' }), now)
  const target = spoolTarget ?? storeTarget(writer)
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

  let consumer: Awaited<ReturnType<typeof connectConsumer>>
  try {
    consumer = await connectConsumer(config, { onMessage, isFull: () => pipeline.pendingMessages >= config.maxUnackedMessages }, log.child({ module: 'ingest-mqtt' }))
  } catch (err) {
    await spoolTarget?.close()
    throw err
  }

  const stats = (): IngestStats => ({
      ...pipeline.stats(),
      connected: consumer.connected,
      received: counts.received,
      duplicates: counts.duplicates,
      rejected: { ...counts.rejected },
      skippedPoints: { ...counts.skippedPoints },
      pointsRefused: writer.pointsRefused,
      ...(spoolTarget === undefined ? {} : { spool: spoolTarget.stats() })
    })
  const health =
    config.healthReportMs === 0
      ? undefined
      : startHealthReport(
          { mqttUrl: config.mqttUrl, mqttUsername: config.mqttUsername, mqttPassword: config.mqttPassword, instance: config.clientId, everyMs: config.healthReportMs, stats: () => ({ ...stats() }), now },
          log.child({ module: 'ingest-health' })
        )

  return {
    stats,
    flush: () => pipeline.flush(),
    async close() {
      await health?.close()
      await pipeline.close()
      await consumer.close()
      await spoolTarget?.close()
      log.info('ingest closed')
    }
  }
}
