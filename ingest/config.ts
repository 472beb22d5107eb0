import { z } from 'zod'
import { filters } from '../domain/topics.js'

const provinceCode = z.string().regex(/^\d{2}$/, 'a province code has two digits (GB/T 2260 prefix)')
const countyCode = z.string().regex(/^\d{6}$/, 'a county code has six digits (GB/T 2260)')

const intFrom = (min: number) => z.coerce.number().int().min(min)

/** Defaults in one visible place (style.md "Defaults sit in one visible object"). */
export const INGEST_DEFAULTS = Object.freeze({
  mqttUrl: 'mqtt://127.0.0.1:1883',
  mqttUsername: 'svc:ingest',
  clientId: 'geowarn-ingest',
  filters: [filters.uplinks()],
  batchMaxSize: 500,
  batchMaxWaitMs: 200,
  // Our choice: 100 k keys is one report per device of a provincial stack (domain.md §5), ~10 MB.
  dedupeWindow: 100_000,
  // Our choice: bounds the readings held in memory while the store is slow; past it we stop
  // reading the socket (see mqtt-consumer.ts).
  maxUnackedMessages: 2_000,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
  keepaliveS: 60
})

export const ingestConfigSchema = z
  .object({
    mqttUrl: z.string().url().default(INGEST_DEFAULTS.mqttUrl),
    mqttUsername: z.string().min(1).default(INGEST_DEFAULTS.mqttUsername),
    mqttPassword: z.string({ error: 'the service secret (GEOWARN_SERVICE_SECRET) is required' }).min(1, 'the service secret (GEOWARN_SERVICE_SECRET) is empty'),
    /** Stable, so the broker keeps the persistent session (and its unacked QoS 1 messages) across restarts. */
    clientId: z.string().min(1).default(INGEST_DEFAULTS.clientId),
    /** Subscription filters; several when this instance owns a province/county partition. */
    filters: z.array(z.string().min(1)).min(1).default([...INGEST_DEFAULTS.filters]),
    batchMaxSize: intFrom(1).default(INGEST_DEFAULTS.batchMaxSize),
    batchMaxWaitMs: intFrom(0).default(INGEST_DEFAULTS.batchMaxWaitMs),
    dedupeWindow: intFrom(0).default(INGEST_DEFAULTS.dedupeWindow),
    maxUnackedMessages: intFrom(1).default(INGEST_DEFAULTS.maxUnackedMessages),
    retryBaseMs: intFrom(1).default(INGEST_DEFAULTS.retryBaseMs),
    retryMaxMs: intFrom(1).default(INGEST_DEFAULTS.retryMaxMs),
    keepaliveS: intFrom(1).default(INGEST_DEFAULTS.keepaliveS)
  })
  .refine((c) => c.retryMaxMs >= c.retryBaseMs, { message: 'retryMaxMs must be at least retryBaseMs', path: ['retryMaxMs'] })
  .readonly()

export type IngestConfig = z.output<typeof ingestConfigSchema>
export type IngestConfigInput = z.input<typeof ingestConfigSchema>

/**
 * Filters for a partition: `GEOWARN_INGEST_PROVINCES=51,62` and/or `GEOWARN_INGEST_COUNTIES=511702`
 * (design.md: consumers partition by the province and county levels of the canonical topics).
 */
export function partitionFilters(provinces: readonly string[], counties: readonly string[]): string[] {
  return [
    ...provinces.map((p) => filters.uplinks(provinceCode.parse(p))),
    ...counties.map((c) => filters.uplinks(countyCode.parse(c).slice(0, 2), c))
  ]
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Throws a ZodError naming the bad variable's field; main.ts reports it and exits. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): IngestConfig {
  const partition = partitionFilters(list(env.GEOWARN_INGEST_PROVINCES), list(env.GEOWARN_INGEST_COUNTIES))
  const raw: Record<string, unknown> = {
    mqttUrl: env.GEOWARN_MQTT_URL,
    mqttPassword: env.GEOWARN_SERVICE_SECRET,
    clientId: env.GEOWARN_INGEST_CLIENT_ID,
    filters: partition.length > 0 ? partition : undefined,
    batchMaxSize: env.GEOWARN_INGEST_BATCH_MAX_SIZE,
    batchMaxWaitMs: env.GEOWARN_INGEST_BATCH_MAX_WAIT_MS,
    dedupeWindow: env.GEOWARN_INGEST_DEDUPE_WINDOW,
    maxUnackedMessages: env.GEOWARN_INGEST_MAX_UNACKED,
    retryBaseMs: env.GEOWARN_INGEST_RETRY_BASE_MS,
    retryMaxMs: env.GEOWARN_INGEST_RETRY_MAX_MS,
    keepaliveS: env.GEOWARN_INGEST_KEEPALIVE_S
  }
  for (const k of Object.keys(raw)) if (raw[k] === undefined || raw[k] === '') delete raw[k]
  return ingestConfigSchema.parse(raw)
}
