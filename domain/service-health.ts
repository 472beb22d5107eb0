import { z } from 'zod'
import { idSchema } from './ids.js'

/**
 * Services that report their own health on `gh/sys/{service}/{instance}` (retained, with a last
 * will saying offline). In the embedded default the launcher hands the dashboard these numbers
 * directly; in the scaled-out deployment (docker-compose) this topic is how the dashboard's health
 * page and /metrics learn, for example, how full ingest's spool is.
 */
export const REPORTING_SERVICES = ['ingest', 'rules'] as const
export type ReportingService = (typeof REPORTING_SERVICES)[number]

export const serviceHealthSchema = z.object({
  service: z.enum(REPORTING_SERVICES),
  instance: idSchema,
  online: z.boolean(),
  /** Epoch ms when the report was made. */
  at: z.number().int(),
  /** The service's own stats() snapshot; absent in the last will. */
  stats: z.record(z.string(), z.unknown()).optional()
})
export type ServiceHealth = z.infer<typeof serviceHealthSchema>

/** The spool part of ingest's stats (ingest/spool.ts), as the dashboard reads it. */
export const SPOOL_STATES = ['empty', 'draining', 'full', 'error'] as const
export const spoolStatsSchema = z.object({
  state: z.enum(SPOOL_STATES),
  segments: z.number().int(),
  batches: z.number().int(),
  readings: z.number().int(),
  bytes: z.number().int(),
  /** 0 when empty. */
  oldestAgeMs: z.number(),
  spooledBatchesTotal: z.number().int(),
  drainedBatchesTotal: z.number().int(),
  /** Damaged records moved to the spool's quarantine folder. */
  quarantinedTotal: z.number().int(),
  /** Appends refused (spool full, disk error). */
  appendFailuresTotal: z.number().int(),
  lastError: z.string().optional()
})
export type SpoolStats = z.infer<typeof spoolStatsSchema>
