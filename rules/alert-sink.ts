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
import { applyTransition } from './alert-lifecycle.js'
import type { Transition } from './engine.js'

/**
 * Turns a transition into the alert record and the two messages. Design: alerts are written to
 * the platform DB before they are published, so a subscriber never sees an alert the DB lacks.
 */

export interface Publisher {
  publish(topic: string, payload: string, retain: boolean): void
}

export interface AlertSinkStats {
  alertsWritten: number
  dbErrors: number
}

export interface AlertSink {
  handle(t: Transition): void
  stats(): AlertSinkStats
}

export function createAlertSink(db: PlatformDb, publisher: Publisher, log: pino.Logger, newId: () => string = randomUUID): AlertSink {
  const stats: AlertSinkStats = { alertsWritten: 0, dbErrors: 0 }

  function handle(t: Transition): void {
    let current: Alert | undefined
    try {
      // Re-read: the dashboard may have acknowledged or resolved it since our last write.
      current = db.activeAlertForSite(t.siteId)
    } catch (err) {
      stats.dbErrors++
      log.error({ err, siteId: t.siteId }, 'could not read the active alert: transition not recorded')
      return
    }
    const change = applyTransition(current, t, newId)
    const active = change === null ? current : change.alert.state === 'resolved' ? undefined : change.alert
    const record: SiteLevelRecord = { siteId: t.siteId, county: t.county, level: t.to, alertId: active?.id ?? null, since: t.at }
    try {
      if (change !== null) db.saveAlert(change.alert)
      db.setSiteLevel(record)
    } catch (err) {
      stats.dbErrors++
      log.error({ err, siteId: t.siteId, from: t.from, to: t.to }, 'alert not saved, so not published')
      return
    }
    const site: SiteTopic = { prov: provincePrefix(t.county), county: t.county, siteId: t.siteId }
    if (change !== null) {
      stats.alertsWritten++
      const event: AlertEvent = { kind: change.kind, at: t.at, alert: change.alert }
      publisher.publish(topics.alert(site), JSON.stringify(event), false)
      log.info({ siteId: t.siteId, alertId: change.alert.id, kind: change.kind, from: t.from, to: t.to }, 'alert %s', change.kind)
    }
    const state: SiteAlertState = { siteId: t.siteId, county: t.county, level: t.to, alertId: record.alertId, since: t.at }
    publisher.publish(topics.alertState(site), JSON.stringify(state), true)
  }

  return { handle, stats: () => ({ ...stats }) }
}
