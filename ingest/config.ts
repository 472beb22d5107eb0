import path from 'node:path'
import { z } from 'zod'
import { checkEnvConfig, ConfigError, envList, envString, secretVar, serviceSecretSchema, type EnvVars } from '../domain/config.js'
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
  keepaliveS: 60,
  dataDir: './data',
  // Our choice: ~5 million readings of ~200 bytes on disk, hours of a 100 k-device provincial
  // stack (domain.md §5); an operator sizes it to the store outage to ride out.
  spoolMaxBytes: 1024 ** 3,
  // Our choice: the drain reads one segment into memory; 16 MiB is ~160 full batches.
  spoolSegmentMaxBytes: 16 * 1024 ** 2,
  // Our choice: well above a healthy write of a 500-reading batch (tens of ms), short enough that a
  // hung store does not hold PUBACKs long.
  storeTimeoutMs: 5_000,
  // Our choice: the dashboard calls a reporter silent after three missed reports (30 s).
  healthReportMs: 10_000
})

export const ingestConfigSchema = z
  .object({
    mqttUrl: z.string().url().default(INGEST_DEFAULTS.mqttUrl),
    mqttUsername: z.string().min(1).default(INGEST_DEFAULTS.mqttUsername),
    /** The service secret; the broker checks it for `svc:*` usernames. */
    mqttPassword: serviceSecretSchema,
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
    keepaliveS: intFrom(1).default(INGEST_DEFAULTS.keepaliveS),
    /**
     * The durable spool's folder, owned by this ingest alone. Unset: no spool, and a failing store
     * holds the messages unacknowledged (loadConfig always sets it; tests and the bench may not).
     */
    spoolDir: z.string().min(1).optional(),
    spoolMaxBytes: intFrom(1).default(INGEST_DEFAULTS.spoolMaxBytes),
    spoolSegmentMaxBytes: intFrom(1).default(INGEST_DEFAULTS.spoolSegmentMaxBytes),
    /** A store write still pending after this is given up on and the batch spooled. */
    storeTimeoutMs: intFrom(1).default(INGEST_DEFAULTS.storeTimeoutMs),
    /** How often stats go to `gh/sys/ingest/{clientId}` for a dashboard in another process; 0 = never. */
    healthReportMs: intFrom(0).default(INGEST_DEFAULTS.healthReportMs)
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

const partitionSchema = z.object({ provinces: z.array(provinceCode), counties: z.array(countyCode) })

const ENV_VARS: EnvVars = Object.freeze({
  provinces: 'GEOWARN_INGEST_PROVINCES',
  counties: 'GEOWARN_INGEST_COUNTIES',
  mqttUrl: 'GEOWARN_MQTT_URL',
  clientId: 'GEOWARN_INGEST_CLIENT_ID',
  batchMaxSize: 'GEOWARN_INGEST_BATCH_MAX_SIZE',
  batchMaxWaitMs: 'GEOWARN_INGEST_BATCH_MAX_WAIT_MS',
  dedupeWindow: 'GEOWARN_INGEST_DEDUPE_WINDOW',
  maxUnackedMessages: 'GEOWARN_INGEST_MAX_UNACKED',
  retryBaseMs: 'GEOWARN_INGEST_RETRY_BASE_MS',
  retryMaxMs: 'GEOWARN_INGEST_RETRY_MAX_MS',
  keepaliveS: 'GEOWARN_INGEST_KEEPALIVE_S',
  spoolDir: 'GEOWARN_INGEST_SPOOL_DIR',
  spoolMaxBytes: 'GEOWARN_INGEST_SPOOL_MAX_BYTES',
  storeTimeoutMs: 'GEOWARN_INGEST_STORE_TIMEOUT_MS',
  healthReportMs: 'GEOWARN_INGEST_HEALTH_REPORT_MS'
})

/** `<dataDir>/spool/<clientId>`: each ingest of a partitioned deployment has its own. */
function defaultSpoolDir(dataDir: string, clientId: string): string {
  // A client id is any MQTT string; keep the folder name to safe characters (no '/', no '..').
  return path.join(dataDir, 'spool', clientId.replace(/[^A-Za-z0-9_-]/g, '_'))
}

/** Read the settings from the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): IngestConfig {
  // The broker gives svc:ingest GEOWARN_SERVICE_SECRET_INGEST when set (broker/config.ts), so do we.
  const ownSecret = envString(env.GEOWARN_SERVICE_SECRET_INGEST)
  const partition = checkEnvConfig(
    partitionSchema,
    { provinces: envList(env.GEOWARN_INGEST_PROVINCES) ?? [], counties: envList(env.GEOWARN_INGEST_COUNTIES) ?? [] },
    ENV_VARS
  )
  const filters = partition.ok ? partitionFilters(partition.value.provinces, partition.value.counties) : []
  const raw = {
    mqttUrl: envString(env.GEOWARN_MQTT_URL),
    mqttPassword: ownSecret ?? envString(env.GEOWARN_SERVICE_SECRET),
    clientId: envString(env.GEOWARN_INGEST_CLIENT_ID),
    filters: filters.length > 0 ? filters : undefined,
    batchMaxSize: envString(env.GEOWARN_INGEST_BATCH_MAX_SIZE),
    batchMaxWaitMs: envString(env.GEOWARN_INGEST_BATCH_MAX_WAIT_MS),
    dedupeWindow: envString(env.GEOWARN_INGEST_DEDUPE_WINDOW),
    maxUnackedMessages: envString(env.GEOWARN_INGEST_MAX_UNACKED),
    retryBaseMs: envString(env.GEOWARN_INGEST_RETRY_BASE_MS),
    retryMaxMs: envString(env.GEOWARN_INGEST_RETRY_MAX_MS),
    keepaliveS: envString(env.GEOWARN_INGEST_KEEPALIVE_S),
    spoolDir:
      envString(env.GEOWARN_INGEST_SPOOL_DIR) ??
      defaultSpoolDir(envString(env.GEOWARN_DATA_DIR) ?? INGEST_DEFAULTS.dataDir, envString(env.GEOWARN_INGEST_CLIENT_ID) ?? INGEST_DEFAULTS.clientId),
    spoolMaxBytes: envString(env.GEOWARN_INGEST_SPOOL_MAX_BYTES),
    storeTimeoutMs: envString(env.GEOWARN_INGEST_STORE_TIMEOUT_MS),
    healthReportMs: envString(env.GEOWARN_INGEST_HEALTH_REPORT_MS)
  }
  const vars = { ...ENV_VARS, mqttPassword: secretVar(ownSecret === undefined ? 'GEOWARN_SERVICE_SECRET' : 'GEOWARN_SERVICE_SECRET_INGEST') }
  const config = checkEnvConfig(ingestConfigSchema, raw, vars)
  if (partition.ok && config.ok) return config.value
  throw new ConfigError([...(partition.ok ? [] : partition.reason), ...(config.ok ? [] : config.reason)], 'ingest configuration')
}
