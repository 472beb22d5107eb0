import type pino from 'pino'
import type { Alert } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { casAlert } from './alert-cas.js'
import { publishCalls, type Publisher } from './alert-sink.js'
import { planLadder, recordCalls, type Call } from './escalation.js'
import type { Addresser } from './notification.js'
import type { EscalationTable } from './tables-escalation.js'

/**
 * The 叫应 ladder's timers (the shell of escalation.ts). One timer per open alert, armed for the
 * ladder's next due time, which derives from the calls stored on the alert: after a restart
 * `resume()` re-arms every open alert and fires what fell due while the service was away, once.
 * When a timer fires the alert is re-read, so an acknowledgement that arrived meanwhile wins.
 */

export interface EscalatorStats {
  /** Calls made by the ladder (the opening's and raises' calls are the sink's). */
  escalations: number
  armed: number
  dbErrors: number
  casConflicts: number
}

export interface Escalator {
  /** (Re)arm an alert's ladder from its stored state; fires at once what is due. */
  track(alert: Alert): void
  /** Re-arm every open alert within the region scope (a restart); returns how many. */
  resume(scope?: string): number
  stats(): EscalatorStats
  close(): void
}

export interface EscalatorOptions {
  db: PlatformDb
  publisher: Publisher
  log: pino.Logger
  escalation: EscalationTable
  addresser: Addresser
  now: () => number
}

export function createEscalator(opts: EscalatorOptions): Escalator {
  const { db, publisher, escalation, addresser, now } = opts
  const log = opts.log.child({ module: 'escalation' })
  const timers = new Map<string, NodeJS.Timeout>()
  const stats = { escalations: 0, dbErrors: 0, casConflicts: 0 }
  let closed = false

  function disarm(id: string): void {
    const timer = timers.get(id)
    if (timer !== undefined) clearTimeout(timer)
    timers.delete(id)
  }

  function track(alert: Alert): void {
    if (closed) return
    disarm(alert.id)
    const plan = planLadder(alert, escalation, now())
    if (plan.due.length > 0) return fire(alert.id)
    if (plan.nextAtMs === null) return
    timers.set(
      alert.id,
      setTimeout(() => fire(alert.id), Math.max(0, plan.nextAtMs - now()))
    )
  }

  function fire(id: string): void {
    timers.delete(id)
    if (closed) return
    const at = now()
    let latest: Alert | undefined
    try {
      const outcome = casAlert(
        db,
        () => db.getAlert(id),
        (current) => {
          if (current === undefined) return null
          const { due } = planLadder(current, escalation, at)
          if (due.length === 0) return null
          const calls = addresser.address(due)
          return { alert: recordCalls(current, calls, at), value: calls }
        }
      )
      stats.casConflicts += outcome.conflicts
      if (outcome.kind === 'gave-up') {
        stats.dbErrors++
        log.error({ alertId: id, conflicts: outcome.conflicts }, 'alert kept changing under us: escalation retried at the next change')
        return
      }
      if (outcome.kind === 'saved') {
        announce(outcome.alert, outcome.value, at)
        latest = outcome.alert
      } else latest = outcome.current
    } catch (err) {
      stats.dbErrors++
      log.error({ err, alertId: id }, 'escalation not recorded, so not announced')
      return
    }
    if (latest !== undefined) track(latest)
  }

  function announce(alert: Alert, calls: readonly Call[], at: number): void {
    stats.escalations += calls.length
    publishCalls(publisher, alert, calls, at)
    log.info({ alertId: alert.id, siteId: alert.siteId, level: alert.level, calls }, 'unacknowledged alert escalated')
  }

  return {
    track,
    resume(scope) {
      const open = db.listAlerts({ state: 'open', ...(scope === undefined ? {} : { scope }) })
      for (const a of open) track(a)
      return open.length
    },
    stats: () => ({ ...stats, armed: timers.size }),
    close() {
      closed = true
      for (const id of [...timers.keys()]) disarm(id)
    }
  }
}
