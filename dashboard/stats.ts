import { ALERT_LEVELS, regionChain, regionContains, type Alert, type AlertLevel } from '../domain/index.js'

const DAY_MS = 86_400_000
/** China Standard Time, UTC+8 all year (no daylight saving): duty days start at local midnight. */
export const CHINA_UTC_OFFSET_MS = 8 * 3_600_000

export type LevelCounts = Record<AlertLevel, number>

export interface AckSummary {
  /** Alerts acknowledged by an officer. */
  count: number
  /** Opened in the range and not acknowledged (still open, or resolved without an acknowledgement). */
  unacknowledged: number
  medianMs: number | null
  p90Ms: number | null
  maxMs: number | null
}

export interface DeviceOnline {
  county: string
  name: string
  total: number
  online: number
  /** Presence says offline. */
  offline: number
  /** No presence heard since the dashboard started. */
  unknown: number
  /** online / total; null without devices. */
  rate: number | null
}

export interface WarningStats {
  scope: string
  from: number
  to: number
  total: number
  byLevel: LevelCounts
  /** The scope's child regions (the county itself when the scope is a county), busiest first. */
  byRegion: Array<{ code: string; name: string; total: number; counts: LevelCounts }>
  /** Every local day from `from` to `to`, oldest first, including days without warnings. */
  byDay: Array<{ day: string; counts: LevelCounts }>
  ack: AckSummary & { byLevel: Record<AlertLevel, AckSummary> }
  devices: { total: number; online: number; offline: number; unknown: number; rate: number | null; byCounty: DeviceOnline[] }
}

export interface StatsInput {
  scope: string
  from: number
  to: number
  /** Alerts of the scope; those not opened in [from, to) are ignored. */
  alerts: readonly Alert[]
  /** The registry's devices of the scope with the presence the dashboard heard. */
  devices: ReadonlyArray<{ county: string; online: boolean | null }>
  nameOf: (code: string) => string
  /** Where days begin: UTC offset in ms (default China Standard Time). */
  utcOffsetMs?: number
}

/** Warnings by level, region and day; time to acknowledge; device online rate. Pure: time is in the input. */
export function computeStats(input: StatsInput): WarningStats {
  const { scope, from, to, nameOf } = input
  const offset = input.utcOffsetMs ?? CHINA_UTC_OFFSET_MS
  const alerts = input.alerts.filter((a) => a.openedAt >= from && a.openedAt < to && regionContains(scope, a.county))

  const byLevel = zeroCounts()
  const regions = new Map<string, LevelCounts>()
  const days = new Map<string, LevelCounts>()
  for (let d = dayStart(from, offset); d < to; d += DAY_MS) days.set(dayKey(d, offset), zeroCounts())
  for (const a of alerts) {
    // A warning counts once, at the highest level it reached.
    byLevel[a.peakLevel] += 1
    const region = childRegionOf(scope, a.county)
    const rc = regions.get(region) ?? zeroCounts()
    rc[a.peakLevel] += 1
    regions.set(region, rc)
    const dc = days.get(dayKey(a.openedAt, offset))
    if (dc !== undefined) dc[a.peakLevel] += 1
  }

  return {
    scope,
    from,
    to,
    total: alerts.length,
    byLevel,
    byRegion: [...regions]
      .map(([code, counts]) => ({ code, name: nameOf(code), total: sum(counts), counts }))
      .sort((a, b) => b.total - a.total || a.code.localeCompare(b.code)),
    byDay: [...days].map(([day, counts]) => ({ day, counts })),
    ack: ackStats(alerts),
    devices: deviceStats(scope, input.devices, nameOf)
  }
}

/** The region one level below `scope` on the way to `county`; the county itself at county scope. */
export function childRegionOf(scope: string, county: string): string {
  const chain = regionChain(county)
  const i = chain.indexOf(scope)
  return i > 0 ? (chain[i - 1] ?? county) : county
}

/** When an officer first acknowledged the alert and the level it had then; undefined if never. */
export function firstAck(alert: Alert): { afterMs: number; level: AlertLevel } | undefined {
  const ack = alert.actions.find((x) => x.action === 'acknowledge')
  if (ack === undefined) return undefined
  // The history opens with the first level, so the peak is only a fallback for a malformed record.
  let level: AlertLevel = alert.peakLevel
  for (const change of alert.history) {
    if (change.at > ack.at) break
    if (change.to !== 'none') level = change.to
  }
  return { afterMs: Math.max(0, ack.at - alert.openedAt), level }
}

function ackStats(alerts: readonly Alert[]): WarningStats['ack'] {
  const all: number[] = []
  const perLevel = new Map<AlertLevel, number[]>(ALERT_LEVELS.map((l) => [l, []]))
  const pendingPerLevel = zeroCounts()
  for (const a of alerts) {
    const ack = firstAck(a)
    if (ack === undefined) {
      pendingPerLevel[a.level] += 1
      continue
    }
    all.push(ack.afterMs)
    perLevel.get(ack.level)?.push(ack.afterMs)
  }
  const byLevel = Object.fromEntries(ALERT_LEVELS.map((l) => [l, summarize(perLevel.get(l) ?? [], pendingPerLevel[l])])) as Record<AlertLevel, AckSummary>
  return { ...summarize(all, sum(pendingPerLevel)), byLevel }
}

function summarize(values: number[], unacknowledged: number): AckSummary {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    unacknowledged,
    medianMs: median(sorted),
    p90Ms: percentile(sorted, 0.9),
    maxMs: sorted.at(-1) ?? null
  }
}

/** Of ascending values; the mean of the two middle ones for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length
  if (n === 0) return null
  const hi = sorted[Math.floor(n / 2)] ?? 0
  return n % 2 === 1 ? hi : ((sorted[n / 2 - 1] ?? 0) + hi) / 2
}

/** Nearest-rank percentile of ascending values: a time some alert really took, never interpolated. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] ?? null
}

function deviceStats(scope: string, devices: StatsInput['devices'], nameOf: (code: string) => string): WarningStats['devices'] {
  const byCounty = new Map<string, DeviceOnline>()
  for (const d of devices) {
    if (!regionContains(scope, d.county)) continue
    let c = byCounty.get(d.county)
    if (c === undefined) {
      c = { county: d.county, name: nameOf(d.county), total: 0, online: 0, offline: 0, unknown: 0, rate: null }
      byCounty.set(d.county, c)
    }
    c.total += 1
    if (d.online === true) c.online += 1
    else if (d.online === false) c.offline += 1
    else c.unknown += 1
  }
  const rows = [...byCounty.values()].sort((a, b) => a.county.localeCompare(b.county))
  for (const r of rows) r.rate = r.online / r.total
  const total = rows.reduce((n, r) => n + r.total, 0)
  const online = rows.reduce((n, r) => n + r.online, 0)
  return {
    total,
    online,
    offline: rows.reduce((n, r) => n + r.offline, 0),
    unknown: rows.reduce((n, r) => n + r.unknown, 0),
    rate: total === 0 ? null : online / total,
    byCounty: rows
  }
}

function zeroCounts(): LevelCounts {
  return { blue: 0, yellow: 0, orange: 0, red: 0 }
}

function sum(c: LevelCounts): number {
  return c.blue + c.yellow + c.orange + c.red
}

function dayStart(ts: number, offsetMs: number): number {
  return Math.floor((ts + offsetMs) / DAY_MS) * DAY_MS - offsetMs
}

/** `YYYY-MM-DD` of the local day holding `ts`. */
export function dayKey(ts: number, offsetMs: number): string {
  return new Date(ts + offsetMs).toISOString().slice(0, 10)
}
