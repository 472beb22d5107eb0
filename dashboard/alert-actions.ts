import {
  regionChain,
  type Alert,
  type AlertAction,
  type Disposition
} from '../domain/index.js'
import { fail, ok, type Result } from '../domain/result.js'

export type AlertCommand =
  | { action: 'acknowledge'; note?: string }
  | { action: 'escalate'; note?: string }
  | { action: 'resolve'; disposition: Disposition; note?: string }
  | { action: 'note'; note: string }

/** The AlertEvent kind each command publishes. */
export const EVENT_KIND_OF = Object.freeze({
  acknowledge: 'acknowledged',
  escalate: 'escalated',
  resolve: 'resolved',
  note: 'noted'
} as const)

/**
 * Apply a duty officer's command to an alert: state in, state out, no I/O. The lifecycle is
 * open → acknowledged → resolved; escalation (叫应, domain.md §1) moves the alert one level of
 * government up the chain county → city → province → nation and leaves the state as it is. A note
 * changes nothing but the record, so it is taken in any state: follow-ups come after the close.
 */
export function applyAlertCommand(alert: Alert, cmd: AlertCommand, by: string, now: number): Result<Alert> {
  if (alert.state === 'resolved' && cmd.action !== 'note') return fail(`alert ${alert.id} is resolved`)
  const action: AlertAction = {
    at: now,
    by,
    action: cmd.action,
    ...(cmd.note === undefined ? {} : { note: cmd.note }),
    ...(cmd.action === 'resolve' ? { disposition: cmd.disposition } : {})
  }
  const base = { ...alert, updatedAt: nextUpdatedAt(alert.updatedAt, now), actions: [...alert.actions, action] }
  switch (cmd.action) {
    case 'acknowledge':
      if (alert.state !== 'open') return fail(`alert ${alert.id} is ${alert.state}, not open`)
      return ok({ ...base, state: 'acknowledged' })
    case 'escalate': {
      const toRegion = nextRegionUp(alert)
      if (toRegion === undefined) return fail(`alert ${alert.id} has reached the nation already`)
      const reason = cmd.note ?? `escalated by ${by}`
      return ok({ ...base, escalations: [...alert.escalations, { at: now, toRegion, reason }] })
    }
    case 'resolve':
      return ok({ ...base, state: 'resolved', resolvedAt: now, disposition: cmd.disposition })
    case 'note':
      return ok(base)
  }
}

/**
 * `updatedAt` is the version compare-and-set checks (store/platform-db.ts `saveAlertIf`): every save
 * must move it forward, even when the clock stands still or rules' clock ran ahead of ours.
 */
export function nextUpdatedAt(previous: number, now: number): number {
  return Math.max(now, previous + 1)
}

/** The next region up from the alert's county, or from where it was last escalated to. */
export function nextRegionUp(alert: Alert): string | undefined {
  const chain = regionChain(alert.county)
  const current = alert.escalations.at(-1)?.toRegion ?? alert.county
  const i = chain.indexOf(current)
  return i < 0 ? undefined : chain[i + 1]
}
