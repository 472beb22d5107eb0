import type { Alert } from '../domain/index.js'
import type { Result } from '../domain/result.js'
import type { PlatformDb } from '../store/platform-db.js'

/**
 * Compare-and-set on the alert's `updatedAt` (the pattern of rules/alert-cas.ts): re-read, apply,
 * save only if nobody wrote since the read, else retry. Rules writes the same record (levels,
 * calls); an officer's action must neither overwrite rules' change nor be overwritten by it.
 */

/** Attempts before giving up; a conflict needs a writer faster than a SQLite round trip, so a few suffice. */
export const ALERT_CAS_ATTEMPTS = 5

export type AlertCasOutcome<R> =
  | { kind: 'saved'; alert: Alert; conflicts: number }
  | { kind: 'missing' }
  | { kind: 'rejected'; reason: R }
  | { kind: 'gave-up'; conflicts: number }

/**
 * `apply` gets the alert as stored now and returns the next version, whose `updatedAt` must be
 * past the current one (alert-actions.ts `nextUpdatedAt`), or why it refuses. It runs once per
 * attempt, each time on a fresh read, so it must not have side effects. Throws what the DB throws.
 */
export function updateAlertCas<R>(db: PlatformDb, id: string, apply: (current: Alert) => Result<Alert, R>): AlertCasOutcome<R> {
  let conflicts = 0
  for (let attempt = 0; attempt < ALERT_CAS_ATTEMPTS; attempt++) {
    const current = db.getAlert(id)
    if (current === undefined) return { kind: 'missing' }
    const next = apply(current)
    if (!next.ok) return { kind: 'rejected', reason: next.reason }
    if (next.value.updatedAt <= current.updatedAt) throw new Error(`alert ${id}: updatedAt must move forward (${current.updatedAt} → ${next.value.updatedAt})`)
    if (db.saveAlertIf(next.value, current.updatedAt)) return { kind: 'saved', alert: next.value, conflicts }
    conflicts++
  }
  return { kind: 'gave-up', conflicts }
}
