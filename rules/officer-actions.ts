import { alertEventSchema, type AlertEvent } from '../domain/index.js'
import { fail, ok, type Result } from '../domain/result.js'
import { RULES_ACTOR } from './alert-lifecycle.js'

/**
 * What rules hears on `gh/alert/…`: the dashboard publishes the officers' acknowledge, escalate
 * and resolve as alert events (dashboard/alert-actions.ts). Rules' own events come back on the same
 * topics and are ignored: an officer's event carries the officer's action, stamped at the event's
 * time, as the alert's newest action.
 */

const ACTION_OF = Object.freeze({ acknowledged: 'acknowledge', escalated: 'escalate', resolved: 'resolve' } as const)
export type OfficerEventKind = keyof typeof ACTION_OF

export interface OfficerEvent {
  kind: OfficerEventKind
  by: string
  event: AlertEvent
}

function isOfficerKind(kind: string): kind is OfficerEventKind {
  return Object.hasOwn(ACTION_OF, kind)
}

/** ok(null): a valid event that is not an officer's action (ours, or a level change). */
export function parseOfficerEvent(payload: Buffer): Result<OfficerEvent | null> {
  let json: unknown
  try {
    json = JSON.parse(payload.toString('utf8'))
  } catch {
    return fail('alert event is not JSON')
  }
  const parsed = alertEventSchema.safeParse(json)
  if (!parsed.success) return fail(`not an alert event: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  const event = parsed.data
  if (!isOfficerKind(event.kind)) return ok(null)
  const action = event.alert.actions.findLast((a) => a.at === event.at && a.action === ACTION_OF[event.kind as OfficerEventKind])
  if (action === undefined || action.by === RULES_ACTOR) return ok(null)
  return ok({ kind: event.kind, by: action.by, event })
}
