import { spoolStatsSchema, type ServiceHealth, type SpoolStats } from '../domain/index.js'

/**
 * The other services' health as the dashboard sees it, from two sources: the launcher's in-process
 * stats (the embedded default) and the retained `gh/sys/{service}/{instance}` reports (separate
 * processes, docker-compose). /api/health, /metrics and the web app's health page all read this.
 */
/**
 * Ingest reports every 10 s (ingest/health-report.ts); three missed reports make it stale. A
 * crashed process's last will says offline at once; this catches a hung one.
 */
export const SERVICE_STALE_AFTER_MS = 30_000

export interface ServiceReport {
  /** `service` (in-process) or `service/instance` (heard on MQTT). */
  key: string
  service: string
  source: 'in-process' | 'mqtt'
  online: boolean
  /** Epoch ms of the report; for in-process stats, now. */
  reportedAt: number
  /** Heard on MQTT but not refreshed for longer than the reporting period allows. */
  stale: boolean
  stats: Record<string, unknown>
}

export interface SpoolReport extends SpoolStats {
  /** The ServiceReport key of the ingest owning it. */
  key: string
}

export function collectServiceReports(
  inProcess: Record<string, unknown> | undefined,
  heard: ReadonlyMap<string, ServiceHealth>,
  nowMs: number,
  staleAfterMs: number
): ServiceReport[] {
  const out: ServiceReport[] = []
  for (const [service, stats] of Object.entries(inProcess ?? {})) {
    if (!isRecord(stats)) continue
    out.push({ key: service, service, source: 'in-process', online: true, reportedAt: nowMs, stale: false, stats })
  }
  for (const [key, h] of heard) {
    out.push({
      key,
      service: h.service,
      source: 'mqtt',
      online: h.online,
      reportedAt: h.at,
      stale: h.online && nowMs - h.at > staleAfterMs,
      stats: h.stats ?? {}
    })
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** The spool of every ingest that reported one (an ingest without a spool reports none). */
export function spoolsOf(reports: readonly ServiceReport[]): SpoolReport[] {
  const out: SpoolReport[] = []
  for (const r of reports) {
    if (r.service !== 'ingest') continue
    const spool = spoolStatsSchema.safeParse(r.stats.spool)
    if (spool.success) out.push({ key: r.key, ...spool.data })
  }
  return out
}

/** Whether the reports say something is wrong: a service offline or silent, a spool full or failing. */
export function reportsDegraded(reports: readonly ServiceReport[], spools: readonly SpoolReport[]): boolean {
  return reports.some((r) => !r.online || r.stale) || spools.some((s) => s.state === 'full' || s.state === 'error')
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
