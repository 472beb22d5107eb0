import type { Evidence } from '../domain/index.js'
import type { ForecastPoint, ReplayReport, SiteReplay, TimelineEntry } from '../rules/replay.js'

/** The human-readable report of `geowarn replay`. Times in UTC, durations in d/h/min. */

const MIN_MS = 60_000
const HOUR_MS = 60 * MIN_MS
const DAY_MS = 24 * HOUR_MS
/** A forecast table longer than this is sampled evenly (first and last always shown). */
const MAX_FORECAST_ROWS = 12

export function formatTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`
}

/** Two units at most: `3 d 4 h`, `5 h 12 min`, `40 min`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  const minutes = Math.round(Math.abs(ms) / MIN_MS)
  const days = Math.floor(minutes / (DAY_MS / MIN_MS))
  const hours = Math.floor((minutes % (DAY_MS / MIN_MS)) / 60)
  const mins = minutes % 60
  if (days > 0) return `${sign}${days} d${hours > 0 ? ` ${hours} h` : ''}`
  if (hours > 0) return `${sign}${hours} h${mins > 0 ? ` ${mins} min` : ''}`
  return `${sign}${mins} min`
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toFixed(2)).toString()
}

export function formatEvidence(e: Evidence): string {
  const where = e.deviceId === undefined ? '' : ` (${e.deviceId})`
  return `${e.indicator} ${num(e.value)} ${e.unit} (threshold ${num(e.threshold)})${where}`
}

export function formatTransition(e: TimelineEntry): string {
  const arrow = `${e.from} → ${e.to}`.padEnd(17)
  const why = e.evidence.length === 0 ? '' : e.evidence.map(formatEvidence).join('; ')
  return `${formatTime(e.at)}  ${e.siteId}  ${arrow} ${why}`
}

function sample<T>(list: readonly T[], max: number): T[] {
  if (list.length <= max) return [...list]
  const out: T[] = []
  for (let i = 0; i < max; i++) out.push(list[Math.round((i * (list.length - 1)) / (max - 1))] as T)
  return out
}

function forecastLines(points: readonly ForecastPoint[], reference: SiteReplay['reference']): string[] {
  if (points.length === 0) return ['  inverse-velocity forecasts: none (no accelerating stage with a good enough 1/v fit)']
  const lines: string[] = []
  const byDevice = new Map<string, ForecastPoint[]>()
  for (const p of points) byDevice.set(p.deviceId, [...(byDevice.get(p.deviceId) ?? []), p])
  for (const [deviceId, list] of byDevice) {
    lines.push(`  inverse-velocity forecasts, ${deviceId}: ${list.length} fits${list.length > MAX_FORECAST_ROWS ? `, ${MAX_FORECAST_ROWS} shown` : ''}`)
    const failure = reference.kind === 'failure' ? reference.atMs : null
    lines.push(`    ${'at'.padEnd(19)}${'t_f'.padEnd(19)}${'to t_f'.padEnd(13)}${'R²'.padEnd(6)}${'points'.padEnd(8)}${failure === null ? '' : 't_f − failure'}`)
    for (const p of sample(list, MAX_FORECAST_ROWS)) {
      const error = failure === null ? '' : formatDuration(p.tfMs - failure)
      lines.push(`    ${formatTime(p.at).padEnd(19)}${formatTime(p.tfMs).padEnd(19)}${formatDuration(p.tfMs - p.at).padEnd(13)}${p.r2.toFixed(2).padEnd(6)}${String(p.points).padEnd(8)}${error}`)
    }
  }
  return lines
}

export function formatSite(s: SiteReplay): string[] {
  const ref = s.reference.kind === 'failure' ? `failure marker ${formatTime(s.reference.atMs)}` : s.reference.kind === 'peak' ? `peak level first reached ${formatTime(s.reference.atMs)}` : 'no level reached'
  const lines = [`${s.siteId} (county ${s.county}): peak ${s.peakLevel}, final ${s.finalLevel}; reference: ${ref}`]
  lines.push('  level timeline')
  if (s.timeline.length === 0) lines.push('    (no level change)')
  for (const e of s.timeline) {
    const next = e.nextRiseMs === null ? '' : `  [next rise in ${formatDuration(e.nextRiseMs)}]`
    lines.push(`    ${formatTime(e.at)}  ${`${e.from} → ${e.to}`.padEnd(17)}${e.evidence.map(formatEvidence).join('; ')}${next}`)
  }
  if (s.leadTimes.length > 0) {
    lines.push(`  lead times (to the ${s.reference.kind === 'failure' ? 'failure marker' : 'peak level'})`)
    for (const l of s.leadTimes) {
      const lead = l.leadMs < 0 ? `${formatDuration(-l.leadMs)} AFTER` : `${formatDuration(l.leadMs)} before`
      lines.push(`    ${l.level.padEnd(7)} first ${formatTime(l.firstRaisedAtMs)}  ${lead}`)
    }
  }
  lines.push(...forecastLines(s.forecasts, s.reference))
  return lines
}

export function formatReport(file: string, r: ReplayReport): string {
  const lines = [`geowarn replay ${file}: ${r.rows} rows, ${r.readings} readings fed, ${r.badRows.length} bad rows skipped; ${formatTime(r.fromMs)} → ${formatTime(r.toMs)}`, '']
  for (const s of r.sites) lines.push(...formatSite(s), '')
  const e = r.engine
  lines.push(`engine: ${e.evaluated} evaluated, ${e.transitions} transitions, ${e.grossErrors} gross errors rejected, ${e.unsupported} unsupported, ${e.duplicate} duplicate, ${e.stale} stale, ${e.invalid} invalid`)
  for (const p of r.problems) lines.push(`rules problem: ${p}`)
  for (const b of r.badRows) lines.push(`bad row: line ${b.line}: ${b.reason}`)
  return lines.join('\n')
}
