import type { Alert } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'

/**
 * Compare-and-set on the alert's `updatedAt`: re-read, apply, save only if nobody wrote since the
 * read, else retry. Rules and the dashboard both write alerts (rules the levels and calls, the
 * dashboard the officers' actions); neither may overwrite the other's change.
 */

export const CAS_ATTEMPTS = 5

export interface CasStep<T> {
  alert: Alert
  value: T
}

export type CasOutcome<T> =
  | { kind: 'saved'; alert: Alert; value: T; conflicts: number }
  | { kind: 'unchanged'; current: Alert | undefined; conflicts: number }
  | { kind: 'gave-up'; conflicts: number }

/**
 * `apply` gets the current alert (undefined if none) and returns the new one, or null for no
 * change. The new alert's `updatedAt` is moved past the current one's, so every save is a new
 * version. Throws what the DB throws.
 */
export function casAlert<T>(db: PlatformDb, read: () => Alert | undefined, apply: (current: Alert | undefined) => CasStep<T> | null): CasOutcome<T> {
  let conflicts = 0
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = read()
    const step = apply(current)
    if (step === null) return { kind: 'unchanged', current, conflicts }
    const expected = current !== undefined && current.id === step.alert.id ? current.updatedAt : null
    const alert = expected === null || step.alert.updatedAt > expected ? step.alert : { ...step.alert, updatedAt: expected + 1 }
    if (db.saveAlertIf(alert, expected)) return { kind: 'saved', alert, value: step.value, conflicts }
    conflicts++
  }
  return { kind: 'gave-up', conflicts }
}
