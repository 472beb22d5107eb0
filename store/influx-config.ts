import { z } from 'zod'
import { envBoolean, envNumber, envString, parseEnvConfig, secretVar, type EnvVars } from '../domain/config.js'
import { DEFAULT_RETENTION, retentionSchema } from './readings-store.js'

/** Defaults in one visible place (style.md). */
export const INFLUX_DEFAULTS = Object.freeze({
  bucket: 'geowarn',
  api: 'v2',
  // A hard deadline per HTTP request, from its start (influx-transport.ts aborts it), not the
  // client's idle socket timeout. Ingest gives up on a write sooner (GEOWARN_INGEST_STORE_TIMEOUT_MS)
  // and spools the batch; this bounds how long a request may hold a socket after that.
  timeoutMs: 10_000,
  gzip: true,
  retention: DEFAULT_RETENTION
})

const bucketSchema = z
  .string()
  .trim()
  .regex(/^[^/]+(\/[^/]+)?$/, 'a bucket name, or database/retention-policy')

export const influxConfigSchema = z
  .object({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'an http:// or https:// URL'),
    /** v2: an API token. v1: `user:password` (sent as HTTP basic auth), a token, or unset. */
    token: z.string().min(1).optional(),
    /** v2 only: InfluxDB 2.x needs it; 1.8 and 3.x ignore it. */
    org: z.string().min(1).optional(),
    /** v2: the bucket. v1: `database` or `database/retention-policy` (the 1.8 compatibility convention). */
    bucket: bucketSchema.default(INFLUX_DEFAULTS.bucket),
    /** v2: /api/v2/write (InfluxDB 2.x, 3.x, 1.8+). v1: /write?db=&rp= (InfluxDB 1.x up to 1.7). */
    api: z.enum(['v2', 'v1']).default(INFLUX_DEFAULTS.api),
    /** Every request (write, query, ping) is aborted after this. */
    timeoutMs: z.number().int().min(100).max(600_000).default(INFLUX_DEFAULTS.timeoutMs),
    /** v1 only: create the database and retention policy when missing. Default: on in v1. */
    create: z.boolean().optional(),
    /** Gzip write bodies over 1 kB (the client's threshold); off saves CPU on loopback. */
    gzip: z.boolean().default(INFLUX_DEFAULTS.gzip),
    /** Epoch ms; undefined keeps readings for ever. */
    retentionMs: retentionSchema.prefault(INFLUX_DEFAULTS.retention)
  })
  .superRefine((c, ctx) => {
    // Buckets are created with their retention by whoever runs InfluxDB 2.x (docker-compose here).
    if (c.api === 'v2' && c.create === true) ctx.addIssue({ code: 'custom', message: 'creating the database is for api v1 only', path: ['create'] })
  })
  .transform((c) => {
    const [database = c.bucket, retentionPolicy] = c.bucket.split('/')
    return Object.freeze({ ...c, create: c.create ?? c.api === 'v1', database, retentionPolicy })
  })

export type InfluxConfig = z.output<typeof influxConfigSchema>

const ENV_VARS: EnvVars = Object.freeze({
  url: 'GEOWARN_INFLUX_URL',
  token: secretVar('GEOWARN_INFLUX_TOKEN'),
  org: 'GEOWARN_INFLUX_ORG',
  bucket: 'GEOWARN_INFLUX_BUCKET',
  api: 'GEOWARN_INFLUX_API',
  timeoutMs: 'GEOWARN_INFLUX_TIMEOUT_MS',
  create: 'GEOWARN_INFLUX_CREATE',
  gzip: 'GEOWARN_INFLUX_GZIP',
  retentionMs: 'GEOWARN_READINGS_RETENTION'
})

/** The InfluxDB settings from the environment; throws a ConfigError listing every problem. */
export function loadInfluxConfig(env: Readonly<Record<string, string | undefined>>): InfluxConfig {
  const raw = {
    url: envString(env.GEOWARN_INFLUX_URL),
    token: envString(env.GEOWARN_INFLUX_TOKEN),
    org: envString(env.GEOWARN_INFLUX_ORG),
    bucket: envString(env.GEOWARN_INFLUX_BUCKET),
    api: envString(env.GEOWARN_INFLUX_API)?.toLowerCase(),
    timeoutMs: envNumber(env.GEOWARN_INFLUX_TIMEOUT_MS),
    create: envBoolean(env.GEOWARN_INFLUX_CREATE),
    gzip: envBoolean(env.GEOWARN_INFLUX_GZIP),
    retentionMs: envString(env.GEOWARN_READINGS_RETENTION)
  }
  return parseEnvConfig(influxConfigSchema, raw, ENV_VARS, 'InfluxDB readings store')
}
