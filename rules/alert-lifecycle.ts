import { isAlertLevel, levelRank, maxLevel, type Alert, type AlertLevel } from '../domain/index.js'
import type { Transition } from './engine.js'

/**
 * What a site level transition does to the site's alert (one alert per site and hazard episode).
 * Pure: the shell reads the current alert from the DB, applies this, writes, then publishes.
 */

export const RULES_ACTOR = 'svc:rules'

export type AlertChangeKind = 'opened' | 'raised' | 'lowered' | 'resolved'

export interface AlertChange {
  kind: AlertChangeKind
  alert: Alert
}

function isActive(alert: Alert | undefined): alert is Alert {
  return alert !== undefined && alert.state !== 'resolved'
}

/**
 * `current` is the site's active alert as the DB has it now (the dashboard may have acknowledged
 * it). Returns null when no alert changes (a fall with no active alert, e.g. resolved by a human).
 */
export function applyTransition(current: Alert | undefined, t: Transition, newId: () => string): AlertChange | null {
  const change = { at: t.at, from: t.from, to: t.to, evidence: t.evidence }
  const rising = levelRank(t.to) > levelRank(t.from)

  if (!isActive(current)) {
    if (!rising || !isAlertLevel(t.to)) return null
    return {
      kind: 'opened',
      alert: {
        id: newId(),
        siteId: t.siteId,
        county: t.county,
        level: t.to,
        peakLevel: t.to,
        state: 'open',
        openedAt: t.at,
        updatedAt: t.at,
        resolvedAt: null,
        disposition: null,
        history: [change],
        actions: [],
        escalations: []
      }
    }
  }

  const base = { ...current, updatedAt: Math.max(current.updatedAt, t.at), history: [...current.history, change] }
  if (rising && isAlertLevel(t.to)) {
    // A raise calls again (叫应, domain.md §1): an acknowledged alert goes back to open so the
    // new level is acknowledged in its turn.
    return { kind: 'raised', alert: { ...base, level: t.to, peakLevel: maxLevel(current.peakLevel, t.to) as AlertLevel, state: 'open' } }
  }
  if (isAlertLevel(t.to)) return { kind: 'lowered', alert: { ...base, level: t.to } }

  // Down to none. Orange and red need a duty officer to close (domain.md §1, T/CAGHP 064-2019):
  // the alert stays active at its last level with the fall recorded. Blue and yellow episodes end.
  if (levelRank(current.peakLevel) >= levelRank('orange')) return { kind: 'lowered', alert: base }
  return {
    kind: 'resolved',
    alert: {
      ...base,
      state: 'resolved',
      resolvedAt: t.at,
      disposition: 'hazard_ended',
      actions: [...current.actions, { at: t.at, by: RULES_ACTOR, action: 'resolve', note: 'all indicators below blue for the dwell time', disposition: 'hazard_ended' }]
    }
  }
}
