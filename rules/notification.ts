import type pino from 'pino'
import type { PlatformDb, UserRole } from '../store/platform-db.js'
import type { Call } from './escalation.js'

/**
 * Who a call reaches: the users of exactly that region with one of the called roles. Their
 * usernames go into the recorded reason, so the alert says who was called; the dashboards push the
 * `escalated` event to everyone whose jurisdiction covers the site.
 */

const NAMES_SHOWN = 8

export interface Addresser {
  address(calls: readonly Call[]): Call[]
}

export function createAddresser(db: PlatformDb, roles: readonly UserRole[], log: pino.Logger): Addresser {
  /** Regions already reported as having nobody to call: one warning each, not one per call. */
  const warned = new Set<string>()

  function recipients(region: string): string[] {
    try {
      return db.listUsers({ region, roles }).map((u) => u.username)
    } catch (err) {
      log.error({ err, region }, 'could not list the duty officers: call recorded without names')
      return []
    }
  }

  return {
    address: (calls) =>
      calls.map((c) => {
        const names = recipients(c.toRegion)
        if (names.length === 0 && !warned.has(c.toRegion)) {
          warned.add(c.toRegion)
          log.warn({ region: c.toRegion, roles }, 'nobody to call in this region: register its duty officers')
        }
        const shown = names.slice(0, NAMES_SHOWN).join(', ') + (names.length > NAMES_SHOWN ? ` +${names.length - NAMES_SHOWN}` : '')
        return { ...c, reason: `${c.reason} (${names.length === 0 ? 'no duty officer registered' : shown})` }
      })
  }
}
