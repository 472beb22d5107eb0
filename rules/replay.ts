import { levelRank, SITE_LEVELS, type Evidence, type Reading, type SiteLevel } from '../domain/index.js'
import { createEngine, DEFAULT_EVALUATORS, type EngineStats, type SiteInput } from './engine.js'
import { createRegistry, type Channel, type Evaluator } from './evaluator.js'
import type { FailureForecast } from './inverse-velocity.js'
import { FAILURE_TYPE, rowFields, type BadRow, type ReplayRow } from './replay-csv.js'
import { compileSiteRules, resolveSiteRules, type SiteRules } from './site-rules.js'
import type { RuleTables } from './tables.js'

/**
 * Replay and backtest (`geowarn replay`): a recorded series through the same pure engine the rules
 * service runs (createEngine with the loaded tables), no broker, no clock. Time is the rows' own,
 * so daily or monthly points work as well as minute ones: windows and velocities use real elapsed
 * time. Pure; pacing and printing are the CLI's (cli/replay.ts).
 *
 * Lead time (our definition): the reference time of a site is its failure marker (a `failure` row,
 * or `failureAtMs`) when one is declared, else the time the site first reached the highest level of
 * the replay. For every level reached, lead = reference − the time the site first stood at that
 * level or higher. Negative with a failure marker: the level came after the failure. Each rise in the
 * timeline also carries `nextRiseMs`, the time until the site rose above it again.
 */

export interface ReplayOptions {
  tables: RuleTables
  /** Registry sites (county, per-site rules); sites not listed run with `county`'s rules. */
  sites?: readonly SiteInput[]
  /** County of sites not in `sites`; `000000` (no regional layers) by default. */
  county?: string
  evaluators?: readonly Evaluator[]
  /** Failure time for every site (epoch ms), unless the series marks its own. */
  failureAtMs?: number
  /** Only this site's rows are fed. */
  siteId?: string
}

export interface TimelineEntry {
  siteId: string
  at: number
  from: SiteLevel
  to: SiteLevel
  evidence: Evidence[]
  /** Rises only: time until the site rose above `to`; null if it never did. */
  nextRiseMs: number | null
}

export interface ForecastPoint {
  siteId: string
  deviceId: string
  /** Reading time of the fit. */
  at: number
  /** Forecast failure time, epoch ms. */
  tfMs: number
  toFailureH: number
  r2: number
  points: number
  spanH: number
  onsetMs: number
}

export interface LeadTime {
  level: SiteLevel
  firstRaisedAtMs: number
  leadMs: number
}

export interface SiteReplay {
  siteId: string
  county: string
  peakLevel: SiteLevel
  finalLevel: SiteLevel
  reference: { kind: 'failure' | 'peak' | 'none'; atMs: number | null }
  leadTimes: LeadTime[]
  timeline: TimelineEntry[]
  forecasts: ForecastPoint[]
}

export interface ReplayReport {
  rows: number
  /** Rows fed to the engine (sensor rows of the selected site). */
  readings: number
  badRows: BadRow[]
  fromMs: number | null
  toMs: number | null
  sites: SiteReplay[]
  engine: EngineStats
  /** Rejected site overrides. */
  problems: string[]
}

export interface ReplayStep {
  transition: TimelineEntry | null
  forecast: ForecastPoint | null
}

export interface Replay {
  /** Feed one row; rows must come in time order (runReplay sorts them). */
  step(row: ReplayRow): ReplayStep
  report(badRows?: readonly BadRow[]): ReplayReport
}

interface Shadow {
  channel: Channel & { readonly forecast?: Readonly<FailureForecast> }
}

const HOUR_MS = 3_600_000
const NO_COUNTY = '000000'

export function createReplay(opts: ReplayOptions): Replay {
  const evaluators = opts.evaluators ?? DEFAULT_EVALUATORS
  const engine = createEngine(opts.tables, opts.sites ?? [], evaluators)
  const registry = createRegistry(evaluators)
  const known = new Map((opts.sites ?? []).map((s) => [s.id, s]))
  const timeline = new Map<string, TimelineEntry[]>()
  const forecasts = new Map<string, ForecastPoint[]>()
  const failures = new Map<string, number>()
  const counties = new Map<string, string>()
  const rulesBySite = new Map<string, SiteRules>()
  // Forecasts are read from a second channel of the same model fed the same readings: the engine
  // keeps its channels private, and the forecast is shown every reading, not only when it grades.
  const shadows = new Map<string, Shadow | null>()
  let rows = 0
  let readings = 0
  let fromMs: number | null = null
  let toMs: number | null = null

  function siteOf(siteId: string): SiteInput {
    return known.get(siteId) ?? { id: siteId, county: opts.county ?? NO_COUNTY }
  }

  function rulesOf(site: SiteInput): SiteRules {
    let rules = rulesBySite.get(site.id)
    if (rules === undefined) {
      rules = compileSiteRules(opts.tables, resolveSiteRules(opts.tables, site.id, site.rules, site.county).overrides)
      rulesBySite.set(site.id, rules)
    }
    return rules
  }

  function shadowForecast(r: Reading): ForecastPoint | null {
    const key = `${r.siteId}\u0000${r.deviceId}\u0000${r.sensorId}`
    let shadow = shadows.get(key)
    if (shadow === undefined) {
      const evaluator = registry.get(r.type)
      const channel = evaluator?.createChannel(rulesOf(siteOf(r.siteId)), r.type)
      shadow = channel !== undefined && 'forecast' in channel ? { channel: channel as Shadow['channel'] } : null
      shadows.set(key, shadow)
    }
    if (shadow === null || shadow.channel.update(r) !== 'evaluated') return null
    const f = shadow.channel.forecast
    if (f === undefined || f.verdict !== 'forecast' || !Number.isFinite(f.tfMs)) return null
    const point: ForecastPoint = {
      siteId: r.siteId,
      deviceId: r.deviceId,
      at: r.ts,
      tfMs: f.tfMs,
      toFailureH: (f.tfMs - r.ts) / HOUR_MS,
      r2: f.r2,
      points: f.points,
      spanH: f.spanMs / HOUR_MS,
      onsetMs: f.onsetMs
    }
    push(forecasts, r.siteId, point)
    return point
  }

  function step(row: ReplayRow): ReplayStep {
    rows++
    if (opts.siteId !== undefined && row.siteId !== opts.siteId) return { transition: null, forecast: null }
    if (fromMs === null || row.ts < fromMs) fromMs = row.ts
    if (toMs === null || row.ts > toMs) toMs = row.ts
    const site = siteOf(row.siteId)
    counties.set(site.id, site.county)
    if (!engine.hasSite(site.id)) engine.upsertSite(site)
    if (row.type === FAILURE_TYPE) {
      if (!failures.has(site.id)) failures.set(site.id, row.ts)
      return { transition: null, forecast: null }
    }
    readings++
    const reading: Reading = { deviceId: row.deviceId, sensorId: '1', type: row.type, siteId: site.id, county: site.county, ts: row.ts, fields: rowFields(row.type, row.value) }
    const t = engine.ingest(reading)
    const forecast = shadowForecast(reading)
    if (t === null) return { transition: null, forecast }
    const entry: TimelineEntry = { siteId: t.siteId, at: t.at, from: t.from, to: t.to, evidence: t.evidence, nextRiseMs: null }
    push(timeline, t.siteId, entry)
    return { transition: entry, forecast }
  }

  function report(badRows: readonly BadRow[] = []): ReplayReport {
    const sites = [...counties.keys()].sort().map((siteId) =>
      siteReport(siteId, counties.get(siteId) ?? NO_COUNTY, engine.level(siteId), timeline.get(siteId) ?? [], forecasts.get(siteId) ?? [], failures.get(siteId) ?? opts.failureAtMs)
    )
    return { rows, readings, badRows: [...badRows], fromMs, toMs, sites, engine: engine.stats(), problems: [...engine.problems()] }
  }

  return { step, report }
}

/** Sort the rows by time (stable: equal times keep file order) and replay them all. */
export function runReplay(rows: readonly ReplayRow[], opts: ReplayOptions, badRows: readonly BadRow[] = []): ReplayReport {
  const replay = createReplay(opts)
  for (const row of sortRows(rows)) replay.step(row)
  return replay.report(badRows)
}

export function sortRows(rows: readonly ReplayRow[]): ReplayRow[] {
  return [...rows].sort((a, b) => a.ts - b.ts)
}

function siteReport(siteId: string, county: string, finalLevel: SiteLevel, timeline: TimelineEntry[], forecasts: ForecastPoint[], failureAtMs: number | undefined): SiteReplay {
  const firstRaised = new Map<number, number>()
  for (const [i, e] of timeline.entries()) {
    const to = levelRank(e.to)
    if (to <= levelRank(e.from)) continue
    for (let r = 1; r <= to; r++) if (!firstRaised.has(r)) firstRaised.set(r, e.at)
    e.nextRiseMs = null
    for (const later of timeline.slice(i + 1)) {
      if (levelRank(later.to) > to) {
        e.nextRiseMs = later.at - e.at
        break
      }
    }
  }
  const peak = Math.max(0, ...firstRaised.keys())
  const reference: SiteReplay['reference'] =
    failureAtMs !== undefined ? { kind: 'failure', atMs: failureAtMs } : peak > 0 ? { kind: 'peak', atMs: firstRaised.get(peak) ?? null } : { kind: 'none', atMs: null }
  const leadTimes: LeadTime[] = []
  for (let r = 1; r <= peak; r++) {
    const at = firstRaised.get(r)
    if (at === undefined || reference.atMs === null) continue
    leadTimes.push({ level: SITE_LEVELS[r] ?? 'none', firstRaisedAtMs: at, leadMs: reference.atMs - at })
  }
  return { siteId, county, peakLevel: SITE_LEVELS[peak] ?? 'none', finalLevel, reference, leadTimes, timeline, forecasts }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
