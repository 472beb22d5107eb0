import { levelRank, regionChain, type Alert } from '../domain/index.js'
import type { EscalationTable } from './tables-escalation.js'

/**
 * 叫应 ladder (domain.md §1), pure: an alert and a time in, the calls that are due out. Every call
 * is a record in `alert.escalations` ({at, toRegion, reason}), so the ladder's whole state is in the
 * stored alert: a restarted service derives the same due times and never calls twice.
 *
 * A ladder starts with a call to the county (the alert opening, or a raise, which calls again);
 * `afterMin` counts from that call. A rung is done once any call to its region is recorded since
 * then (automatic, or an officer's manual escalation). Acknowledgement (state ≠ open) stops it.
 */

export const RUNGS = ['county', 'city', 'province', 'nation'] as const
export type Rung = (typeof RUNGS)[number]

export interface Call {
  rung: Rung
  toRegion: string
  reason: string
}

export interface LadderPlan {
  /** Calls to make now. */
  due: Call[]
  /** When the next call falls due if the alert stays unacknowledged, epoch ms; null if none. */
  nextAtMs: number | null
}

const MIN = 60_000
const LADDER_RUNGS = ['city', 'province', 'nation'] as const

function regionOf(alert: Alert, rung: Rung): string {
  const chain = regionChain(alert.county)
  return chain[RUNGS.indexOf(rung)] ?? (chain.at(-1) as string)
}

/** When the current ladder started: the latest call to the county; undefined if never called. */
export function ladderStartMs(alert: Alert): number | undefined {
  let start: number | undefined
  for (const e of alert.escalations) if (e.toRegion === alert.county && (start === undefined || e.at > start)) start = e.at
  return start
}

function calledSince(alert: Alert, region: string, sinceMs: number): boolean {
  return alert.escalations.some((e) => e.toRegion === region && e.at >= sinceMs)
}

/**
 * The calls an alert makes when it opens or rises (its level is the new one): the county, plus the
 * rungs `atOnce` names for this level (orange: province; red: province and ministry by default).
 */
export function callsOnRise(alert: Alert, table: EscalationTable): Call[] {
  const calls: Call[] = [{ rung: 'county', toRegion: alert.county, reason: `${alert.level}: county called` }]
  for (const rung of ['province', 'nation'] as const) {
    if (levelRank(alert.level) >= levelRank(table.atOnce[rung])) {
      calls.push({ rung, toRegion: regionOf(alert, rung), reason: `${alert.level}: ${rung} called at once` })
    }
  }
  return calls
}

/** The ladder's calls due at `nowMs`, and when the next one falls due. */
export function planLadder(alert: Alert, table: EscalationTable, nowMs: number): LadderPlan {
  if (alert.state !== 'open') return { due: [], nextAtMs: null }
  const startMs = ladderStartMs(alert)
  // An open alert that never called anyone (written before 叫应 existed): call the county now.
  if (startMs === undefined) return { due: callsOnRise(alert, table), nextAtMs: null }
  const due: Call[] = []
  let nextAtMs: number | null = null
  for (const rung of LADDER_RUNGS) {
    const toRegion = regionOf(alert, rung)
    if (calledSince(alert, toRegion, startMs)) continue
    const atMs = startMs + table.afterMin[rung] * MIN
    if (atMs <= nowMs) due.push({ rung, toRegion, reason: `unacknowledged ${table.afterMin[rung]} min: ${rung} called` })
    else if (nextAtMs === null || atMs < nextAtMs) nextAtMs = atMs
  }
  return { due, nextAtMs }
}

/**
 * Record calls on the alert at `nowMs`. `updatedAt` moves strictly forward: it is the version the
 * platform DB's compare-and-set checks.
 */
export function recordCalls(alert: Alert, calls: readonly Call[], nowMs: number): Alert {
  if (calls.length === 0) return alert
  return {
    ...alert,
    updatedAt: Math.max(nowMs, alert.updatedAt + 1),
    escalations: [...alert.escalations, ...calls.map((c) => ({ at: nowMs, toRegion: c.toRegion, reason: c.reason }))]
  }
}
