import type { Transport } from '@influxdata/influxdb-client'
import type pino from 'pino'
import { z } from 'zod'
import type { InfluxConfig } from './influx-config.js'
import { quoteIdent, type Series } from './influx-ql.js'

const HOUR_MS = 3_600_000

/** Runs one InfluxQL statement on `/query`, against the store's database or none. */
export type InfluxQl = (statement: string, onDatabase?: boolean) => Promise<Series[]>

/** An InfluxQL duration for a retention in ms; our retentions are whole hours (retentionSchema). */
function durationLiteral(ms: number | undefined): string {
  return ms === undefined ? 'INF' : `${Math.round(ms / HOUR_MS)}h`
}

/** Go's duration text from SHOW RETENTION POLICIES (`17520h0m0s`; `0s` is INF) in ms, undefined for INF. */
export function goDurationMs(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text)
  if (m === null) return Number.NaN
  const ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000
  return ms === 0 ? undefined : ms
}

function rows(series: readonly Series[]): Array<Record<string, unknown>> {
  return series.flatMap((s) => (s.values ?? []).map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))))
}

/**
 * api v1 with create: the database and its retention policy, made when missing with the duration
 * of GEOWARN_READINGS_RETENTION. An existing policy with another duration is the operator's: a
 * warning, no change. Statements that already hold are no-ops in InfluxDB, so two processes
 * opening the store at once do no harm.
 */
export async function ensureDatabase(influxql: InfluxQl, config: InfluxConfig, log: pino.Logger | undefined): Promise<void> {
  const db = config.database
  const rp = config.retentionPolicy
  const duration = durationLiteral(config.retentionMs)
  const databases = rows(await influxql('SHOW DATABASES', false)).map((r) => r.name)
  if (!databases.includes(db)) {
    await influxql(`CREATE DATABASE ${quoteIdent(db)} WITH DURATION ${duration} REPLICATION 1${rp === undefined ? '' : ` NAME ${quoteIdent(rp)}`}`, false)
    log?.info({ database: db, retentionPolicy: rp ?? 'autogen', duration }, 'InfluxDB database created')
    return
  }
  const policies = rows(await influxql(`SHOW RETENTION POLICIES ON ${quoteIdent(db)}`, false))
  const policy = policies.find((p) => (rp === undefined ? p.default === true : p.name === rp))
  if (policy === undefined && rp !== undefined) {
    await influxql(`CREATE RETENTION POLICY ${quoteIdent(rp)} ON ${quoteIdent(db)} DURATION ${duration} REPLICATION 1`, false)
    log?.info({ database: db, retentionPolicy: rp, duration }, 'InfluxDB retention policy created')
    return
  }
  const actual = typeof policy?.duration === 'string' ? goDurationMs(policy.duration) : Number.NaN
  if (actual !== config.retentionMs) {
    log?.warn(
      { database: db, retentionPolicy: policy?.name, duration: policy?.duration, wanted: duration },
      'InfluxDB retention policy differs from GEOWARN_READINGS_RETENTION; left as it is (ALTER RETENTION POLICY changes it)'
    )
  }
}

const bucketsSchema = z.object({
  buckets: z.array(z.object({ name: z.string(), retentionRules: z.array(z.object({ everySeconds: z.number() })).optional() }))
})

/**
 * api v2: a bucket's retention is set when it is created (docker-compose does it), so only warn
 * when the bucket's differs from GEOWARN_READINGS_RETENTION. Best effort: InfluxDB 1.8 and 3.x
 * have no /api/v2/buckets, and a write-only token may not read it.
 */
export async function checkBucketRetention(transport: Transport, config: InfluxConfig, log: pino.Logger | undefined): Promise<void> {
  const q = new URLSearchParams({ name: config.bucket })
  if (config.org !== undefined) q.set('org', config.org)
  let body: unknown
  try {
    body = await transport.request(`/api/v2/buckets?${q.toString()}`, '', { method: 'GET', headers: { accept: 'application/json' } })
  } catch (err) {
    log?.debug({ err, bucket: config.bucket }, 'bucket retention not readable; not checked')
    return
  }
  const bucket = bucketsSchema.safeParse(body).data?.buckets.find((b) => b.name === config.bucket)
  if (bucket === undefined) return
  const seconds = bucket.retentionRules?.[0]?.everySeconds ?? 0
  const actual = seconds === 0 ? undefined : seconds * 1000
  if (actual !== config.retentionMs) {
    log?.warn(
      { bucket: config.bucket, bucketRetention: actual === undefined ? 'inf' : `${actual / HOUR_MS}h`, wanted: durationLiteral(config.retentionMs) },
      "InfluxDB bucket retention differs from GEOWARN_READINGS_RETENTION; the bucket's applies"
    )
  }
}
