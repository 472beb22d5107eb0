import { randomUUID } from 'node:crypto'
import type pino from 'pino'
import {
  provincePrefix,
  topics,
  type Alert,
  type AlertEvent,
  type SiteAlertState,
  type SiteTopic
} from '../domain/index.js'
import type { PlatformDb, SiteLevelRecord } from '../store/platform-db.js'
import { casAlert } from './alert-cas.js'
import { applyTransition, type AlertChange } from './alert-lifecycle.js'
import type { Transition } from './engine.js'
import { callsOnRise, recordCalls, type Call } from './escalation.js'
import type { Addresser } from './notification.js'
import type { EscalationTable } from './tables-escalation.js'

/**
 * Turns a transition into the alert record and its messages. Design: alerts are written to the
 * platform DB before they are published, so a subscriber never sees an alert the DB lacks. The
 * write is a compare-and-set (alert-cas.ts), and an opening or a raise records its calls (叫应) in
 * the same write, so a crash can never keep the level and lose the call.
 */

export interface Publisher {
  publish(topic: string, payload: string | Buffer, retain: boolean): void
}

export interface AlertSinkStats {
  alertsWritten: number
  dbErrors: number
  /** Saves that lost a compare-and-set to another writer and were re-applied. */
  casConflicts: number
  calls: number
}

export interface AlertSink {
  handle(t: Transition): void
  stats(): AlertSinkStats
}

export interface AlertSinkOptions {
  db: PlatformDb
  publisher: Publisher
  log: pino.Logger
  escalation: EscalationTable
  addresser: Addresser
  /** Wall clock of the calls (humans answer them), epoch ms. */
  now: () => number
  /** Every saved alert, after its messages are published (escalation timers, device commands). */
  onAlert?: (alert: Alert) => void
  newId?: () => string
}

export function siteTopicOf(a: { county: string; siteId: string }): SiteTopic {
  return { prov: provincePrefix(a.county), county: a.county, siteId: a.siteId }
}

/** One `escalated` event carrying the calls just recorded. */
export function publishCalls(publisher: Publisher, alert: Alert, calls: readonly Call[], at: number): void {
  if (calls.length === 0) return
  const event: AlertEvent = { kind: 'escalated', at, alert }
  publisher.publish(topics.alert(siteTopicOf(alert)), JSON.stringify(event), false)
}

export function createAlertSink(opts: AlertSinkOptions): AlertSink {
  const { db, publisher, log, escalation, addresser, now } = opts
  const newId = opts.newId ?? randomUUID
  const stats: AlertSinkStats = { alertsWritten: 0, dbErrors: 0, casConflicts: 0, calls: 0 }

  function save(t: Transition): { change: AlertChange; calls: Call[]; calledAt: number } | null | 'failed' {
    const calledAt = now()
    // Re-read on every attempt: the dashboard may have acknowledged or resolved it meanwhile.
    const outcome = casAlert(
      db,
      () => db.activeAlertForSite(t.siteId),
      (current) => {
        const change = applyTransition(current, t, newId)
        if (change === null) return null
        if (change.kind !== 'opened' && change.kind !== 'raised') return { alert: change.alert, value: { change, calls: [] as Call[] } }
        const calls = addresser.address(callsOnRise(change.alert, escalation))
        const alert = recordCalls(change.alert, calls, calledAt)
        return { alert, value: { change: { ...change, alert }, calls } }
      }
    )
    stats.casConflicts += outcome.conflicts
    if (outcome.kind === 'gave-up') {
      log.error({ siteId: t.siteId, conflicts: outcome.conflicts }, 'alert kept changing under us: transition not recorded')
      return 'failed'
    }
    if (outcome.kind === 'unchanged') return null
    return { change: { ...outcome.value.change, alert: outcome.alert }, calls: outcome.value.calls, calledAt }
  }

  function handle(t: Transition): void {
    let saved: ReturnType<typeof save>
    let record: SiteLevelRecord
    try {
      saved = save(t)
      if (saved === 'failed') {
        stats.dbErrors++
        return
      }
      const active = saved === null ? db.activeAlertForSite(t.siteId) : saved.change.alert.state === 'resolved' ? undefined : saved.change.alert
      record = { siteId: t.siteId, county: t.county, level: t.to, alertId: active?.id ?? null, since: t.at }
      db.setSiteLevel(record)
    } catch (err) {
      stats.dbErrors++
      log.error({ err, siteId: t.siteId, from: t.from, to: t.to }, 'alert not saved, so not published')
      return
    }
    const site = siteTopicOf(t)
    if (saved !== null) {
      const { change, calls, calledAt } = saved
      stats.alertsWritten++
      const event: AlertEvent = { kind: change.kind, at: t.at, alert: change.alert }
      publisher.publish(topics.alert(site), JSON.stringify(event), false)
      log.info({ siteId: t.siteId, alertId: change.alert.id, kind: change.kind, from: t.from, to: t.to }, 'alert %s', change.kind)
      if (calls.length > 0) {
        stats.calls += calls.length
        publishCalls(publisher, change.alert, calls, calledAt)
        log.info({ siteId: t.siteId, alertId: change.alert.id, calls }, 'duty officers called')
      }
    }
    const state: SiteAlertState = { siteId: t.siteId, county: t.county, level: t.to, alertId: record.alertId, since: t.at }
    publisher.publish(topics.alertState(site), JSON.stringify(state), true)
    if (saved !== null) opts.onAlert?.(saved.change.alert)
  }

  return { handle, stats: () => ({ ...stats }) }
}
