import mqtt, { type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { topics, type ServiceHealth, type SpoolStats } from '../../domain/index.js'
import { collectServiceReports, reportsDegraded, spoolsOf } from '../../dashboard/service-health.js'
import { startHealthReport } from '../../ingest/health-report.js'
import { startHarness, T0, type Harness } from './fixture.js'

const SPOOL: SpoolStats = {
  state: 'draining',
  segments: 2,
  batches: 7,
  readings: 3500,
  bytes: 123_456,
  oldestAgeMs: 42_000,
  spooledBatchesTotal: 9,
  drainedBatchesTotal: 2,
  quarantinedTotal: 0,
  appendFailuresTotal: 0
}

let h: Harness
let ingest: MqttClient

beforeAll(async () => {
  h = await startHarness()
  // Plays an ingest in another process (the real broker's ACL lets only svc:ingest publish gh/sys/ingest/+).
  ingest = await mqtt.connectAsync(h.mqttUrl, { clientId: 'test-ingest-health', clean: true, reconnectPeriod: 0 })
})
afterAll(async () => {
  await ingest.endAsync()
  await h.close()
})

async function health(): Promise<Record<string, unknown> & { status: string; spools: Array<SpoolStats & { key: string }>; services: Record<string, { online: boolean; stale: boolean; source: string }> }> {
  return (await h.dashboard.fastify.inject({ method: 'GET', url: '/api/health' })).json()
}

async function metrics(): Promise<string> {
  const res = await h.dashboard.fastify.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain/)
  return res.body
}

/** Polls until `check` passes: the dashboard hears MQTT asynchronously. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 5_000
  for (;;) {
    const v = await read()
    if (check(v)) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function report(instance: string, spool: SpoolStats, at = T0): string {
  const r: ServiceHealth = { service: 'ingest', instance, online: true, at, stats: { received: 10, spool } }
  return JSON.stringify(r)
}

describe('service health heard on gh/sys', () => {
  test('an ingest in another process shows on /api/health with its spool, and on /metrics', async () => {
    await ingest.publishAsync(topics.serviceHealth('ingest', 'ing-1'), report('ing-1', SPOOL), { qos: 1, retain: true })
    const got = await eventually(health, (x) => x.spools.length > 0, 'the spool on /api/health')
    expect(got.status).toBe('ok')
    expect(got.spools).toEqual([{ key: 'ingest/ing-1', ...SPOOL }])
    expect(got.services['ingest/ing-1']).toMatchObject({ source: 'mqtt', online: true, stale: false })
    // Public: the services' stats (nationwide counts) stay off it; the spools are the operators' alarm.
    expect(got.services['ingest/ing-1']).not.toHaveProperty('stats')
    expect(JSON.stringify(got.services)).not.toContain('received')

    const text = await metrics()
    expect(text).toContain('geowarn_ingest_spool_bytes{ingest="ingest/ing-1"} 123456')
    expect(text).toContain('geowarn_ingest_spool_batches{ingest="ingest/ing-1"} 7')
    expect(text).toContain('geowarn_ingest_spool_oldest_age_seconds{ingest="ingest/ing-1"} 42')
    expect(text).toContain('geowarn_ingest_spool_state{ingest="ingest/ing-1",state="draining"} 1')
    expect(text).toContain('geowarn_ingest_spool_state{ingest="ingest/ing-1",state="full"} 0')
    expect(text).toContain('geowarn_service_stat{service="ingest",key="ingest/ing-1",stat="received"} 10')
    expect(text).toContain('geowarn_up{component="readings_store"} 1')
    // prom-client's process metrics come along.
    expect(text).toMatch(/geowarn_dashboard_process_cpu_seconds_total \d/)
  })

  test('a full spool makes the platform degraded; clearing the retained report forgets it', async () => {
    const topic = topics.serviceHealth('ingest', 'ing-2')
    await ingest.publishAsync(topic, report('ing-2', { ...SPOOL, state: 'full', lastError: 'spool is at its 1 GiB limit' }), { qos: 1, retain: true })
    const got = await eventually(health, (x) => x.spools.some((s) => s.key === 'ingest/ing-2'), 'the full spool')
    expect(got.status).toBe('degraded')
    await ingest.publishAsync(topic, '', { qos: 1, retain: true })
    const after = await eventually(health, (x) => !x.spools.some((s) => s.key === 'ingest/ing-2'), 'the cleared report')
    expect(after.services['ingest/ing-2']).toBeUndefined()
  })

  test('a malformed report is refused, counted, and changes nothing', async () => {
    const before = await health()
    await ingest.publishAsync(topics.serviceHealth('ingest', 'ing-3'), '{"service":"ingest","instance":"someone-else","online":true,"at":1}', { qos: 1 })
    await ingest.publishAsync(topics.serviceHealth('ingest', 'ing-3'), 'not json', { qos: 1 })
    const got = await eventually(health, (x) => (x.dashboard as { rejected: Record<string, number> }).rejected['mqtt:sys'] === 2, 'two rejections')
    expect(got.services['ingest/ing-3']).toBeUndefined()
    expect(Object.keys(got.services)).toEqual(Object.keys(before.services))
  })

  test("ingest's own reporter: online with its stats, offline when it closes", async () => {
    let stats: Record<string, unknown> = { received: 1, spool: { ...SPOOL, state: 'empty', batches: 0, bytes: 0, oldestAgeMs: 0 } }
    const reporter = startHealthReport(
      { mqttUrl: h.mqttUrl, mqttUsername: 'svc:ingest', mqttPassword: 'unused-by-the-bare-broker', instance: 'ing-4', everyMs: 100, stats: () => stats, now: () => T0 },
      pino({ level: 'silent' })
    )
    const online = await eventually(health, (x) => x.services['ingest/ing-4']?.online === true, 'the reporter online')
    expect(online.spools.find((s) => s.key === 'ingest/ing-4')?.state).toBe('empty')
    stats = { received: 2, spool: { ...SPOOL, state: 'draining' } }
    await eventually(health, (x) => x.spools.find((s) => s.key === 'ingest/ing-4')?.state === 'draining', 'the next report')
    await reporter.close()
    const offline = await eventually(health, (x) => x.services['ingest/ing-4']?.online === false, 'the reporter offline')
    expect(offline.status).toBe('degraded')
    await ingest.publishAsync(topics.serviceHealth('ingest', 'ing-4'), '', { qos: 1, retain: true })
  })
})

describe('collectServiceReports', () => {
  const heard = new Map<string, ServiceHealth>([['ingest/a', { service: 'ingest', instance: 'a', online: true, at: 1_000, stats: { spool: SPOOL } }]])

  test('in-process stats and heard reports side by side; a silent reporter goes stale', () => {
    const fresh = collectServiceReports({ broker: { clients: 3 }, notAnObject: 5 }, heard, 20_000, 30_000)
    expect(fresh.map((r) => [r.key, r.source, r.stale])).toEqual([
      ['broker', 'in-process', false],
      ['ingest/a', 'mqtt', false]
    ])
    const silent = collectServiceReports(undefined, heard, 40_000, 30_000)
    expect(silent[0]?.stale).toBe(true)
    expect(reportsDegraded(silent, spoolsOf(silent))).toBe(true)
  })

  test('a report without a valid spool yields no spool', () => {
    const odd = new Map<string, ServiceHealth>([['ingest/b', { service: 'ingest', instance: 'b', online: true, at: 1, stats: { spool: { state: 'weird' } } }]])
    expect(spoolsOf(collectServiceReports(undefined, odd, 1, 30_000))).toEqual([])
  })
})

describe('/metrics with GEOWARN_METRICS_TOKEN', () => {
  const TOKEN = 'scraper-token-0123456789'
  let guarded: Harness
  beforeAll(async () => {
    guarded = await startHarness({ config: { metricsToken: TOKEN } })
  })
  afterAll(async () => {
    await guarded.close()
  })
  const scrape = (authorization?: string) =>
    guarded.dashboard.fastify.inject({ method: 'GET', url: '/metrics', ...(authorization === undefined ? {} : { headers: { authorization } }) })

  test('without the token, or with a wrong one, it is 401; with it, the metrics', async () => {
    for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`, 'Bearer ']) {
      const res = await scrape(auth)
      expect(res.statusCode, String(auth)).toBe(401)
      expect(res.json()).toMatchObject({ code: 'GH_ERR_UNAUTHORIZED' })
      expect(res.body).not.toContain('geowarn_')
    }
    const ok = await scrape(`Bearer ${TOKEN}`)
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('geowarn_up{component="platform_db"} 1')
    // /api/health stays public for the load balancer.
    expect((await guarded.dashboard.fastify.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200)
  })
})
