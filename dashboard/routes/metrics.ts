import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import { SPOOL_STATES } from '../../domain/index.js'
import type { RouteContext } from '../context.js'
import { probePlatformDb } from './public.js'
import { collectServiceReports, SERVICE_STALE_AFTER_MS, spoolsOf, type ServiceReport, type SpoolReport } from '../service-health.js'
import { tokenFrom } from '../auth.js'
import { ApiError } from '../errors.js'

/**
 * `GET /metrics` in the Prometheus text format, for the operators' scraper. Built with prom-client
 * (the de-facto Node client: exposition format, process and event-loop metrics) on a registry of
 * its own, so that two dashboards in one process (tests, the launcher) do not share series.
 * What it exposes: dependency and service up/down, every numeric value of every service's stats
 * (nationwide counts such as rule sites, siren sites, offline devices, alerts by state), ingest's
 * spools, refused inputs by kind and the socket count: no names, ids, places or accounts, but
 * operational numbers for the whole country. Public unless GEOWARN_METRICS_TOKEN is set, then
 * only with `Authorization: Bearer <token>`.
 */
export const metricsRoutes: FastifyPluginAsync<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'geowarn_dashboard_' })

  // One snapshot per scrape, shared by every collector below.
  let reports: ServiceReport[] = []
  let spools: SpoolReport[] = []
  const snapshot = (): void => {
    reports = collectServiceReports(ctx.health?.(), ctx.live.serviceHealth(), ctx.now(), SERVICE_STALE_AFTER_MS)
    spools = spoolsOf(reports)
  }

  new Gauge({
    name: 'geowarn_up',
    help: 'Whether a dependency answers: readings_store, platform_db, broker (the dashboard\'s MQTT link)',
    labelNames: ['component'],
    registers: [registry],
    async collect() {
      const readingsOk = await ctx.readings.ping().catch(() => false)
      this.set({ component: 'readings_store' }, readingsOk ? 1 : 0)
      this.set({ component: 'broker' }, ctx.live.connected() ? 1 : 0)
      this.set({ component: 'platform_db' }, probePlatformDb(ctx) ? 1 : 0)
    }
  })
  new Gauge({
    name: 'geowarn_service_up',
    help: 'A service is online and reporting (1) or offline / silent for 30 s (0)',
    labelNames: ['service', 'key'],
    registers: [registry],
    collect() {
      this.reset()
      for (const r of reports) this.set({ service: r.service, key: r.key }, r.online && !r.stale ? 1 : 0)
    }
  })
  new Gauge({
    name: 'geowarn_service_stat',
    help: 'Every numeric value of a service\'s stats() snapshot, by dotted path (counters and gauges alike)',
    labelNames: ['service', 'key', 'stat'],
    registers: [registry],
    collect() {
      this.reset()
      for (const r of reports) {
        for (const [stat, value] of numericLeaves(r.stats, '')) this.set({ service: r.service, key: r.key, stat }, value)
      }
    }
  })

  const spoolGauge = (name: string, help: string, pick: (s: SpoolReport) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['ingest'],
      registers: [registry],
      collect() {
        this.reset()
        for (const s of spools) this.set({ ingest: s.key }, pick(s))
      }
    })
  }
  spoolGauge('geowarn_ingest_spool_bytes', 'Bytes held in ingest\'s durable spool', (s) => s.bytes)
  spoolGauge('geowarn_ingest_spool_batches', 'Batches waiting in the spool', (s) => s.batches)
  spoolGauge('geowarn_ingest_spool_readings', 'Readings waiting in the spool', (s) => s.readings)
  spoolGauge('geowarn_ingest_spool_oldest_age_seconds', 'Age of the oldest spooled batch (0 when empty)', (s) => s.oldestAgeMs / 1000)
  new Gauge({
    name: 'geowarn_ingest_spool_state',
    help: 'The spool\'s state: 1 for the current one of empty, draining, full, error',
    labelNames: ['ingest', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of spools) for (const state of SPOOL_STATES) this.set({ ingest: s.key, state }, s.state === state ? 1 : 0)
    }
  })
  new Counter({
    name: 'geowarn_dashboard_rejected_total',
    help: 'Inputs the dashboard refused (HTTP bodies, socket events, MQTT payloads), by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [kind, n] of Object.entries(ctx.rejects.snapshot())) this.inc({ kind }, n)
    }
  })
  new Gauge({
    name: 'geowarn_dashboard_sockets',
    help: 'Connected Socket.IO clients',
    registers: [registry],
    collect() {
      this.set(ctx.sockets.count())
    }
  })

  // Compared as SHA-256 digests: equal lengths for timingSafeEqual, and no timing leak of the length.
  const expected = ctx.config.metricsToken === undefined ? undefined : sha256(ctx.config.metricsToken)
  fastify.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (expected !== undefined) {
      const given = tokenFrom(req.headers.authorization, undefined)
      if (given === undefined || !timingSafeEqual(sha256(given), expected)) {
        ctx.rejects.reject('http:metrics-unauthorized', 'no or wrong metrics token', { ip: req.ip })
        throw new ApiError(401, 'GH_ERR_UNAUTHORIZED', 'GET /metrics needs Authorization: Bearer <GEOWARN_METRICS_TOKEN>')
      }
    }
    snapshot()
    const body = await registry.metrics()
    return reply.type(registry.contentType).send(body)
  })
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

/** [dotted.path, value] for every finite number (and boolean, as 0/1) in a stats object. */
function numericLeaves(v: unknown, prefix: string): Array<[string, number]> {
  if (typeof v === 'number') return Number.isFinite(v) ? [[prefix, v]] : []
  if (typeof v === 'boolean') return [[prefix, v ? 1 : 0]]
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return []
  return Object.entries(v).flatMap(([k, child]) => numericLeaves(child, prefix === '' ? k : `${prefix}.${k}`))
}
