import { z } from 'zod'
import { alertLevelSchema } from '../domain/index.js'
import { USER_ROLES } from '../store/platform-db.js'

/**
 * 叫应 (call and response, domain.md §1): who an alert calls, and when an unacknowledged alert
 * climbs to the next level of government. Times count from the county's call (the alert opening,
 * or its latest raise, which calls again).
 */

const minutes = z.number().finite().positive()

export const escalationTableSchema = z
  .object({
    source: z.string().min(1),
    /** Minutes after the county's call at which each rung is called if nobody has acknowledged. */
    afterMin: z.object({ city: minutes, province: minutes, nation: minutes }).strict(),
    /** Rungs called as soon as the alert reaches this level, without waiting. */
    atOnce: z.object({ province: alertLevelSchema, nation: alertLevelSchema }).strict(),
    /** The users of a region who are called. */
    roles: z.array(z.enum(USER_ROLES)).min(1)
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!(t.afterMin.city < t.afterMin.province && t.afterMin.province < t.afterMin.nation)) {
      ctx.addIssue({ code: 'custom', path: ['afterMin'], message: 'city < province < nation: each rung comes after the one below' })
    }
  })
export type EscalationTable = z.infer<typeof escalationTableSchema>

/**
 * Shipped defaults, also in config/rules-default.json. Our choice, after Hunan's "631" practice
 * (domain.md §1: call 1 h ahead, call again 30 min ahead): a call unanswered for 30 min goes up
 * one level, and so on every 30 min, then an hour for the ministry. Orange and red go to the
 * province at once and red to the ministry at once (issue 3).
 */
export const DEFAULT_ESCALATION: EscalationTable = {
  source:
    'Our choice after Hunan "631" (domain.md §1: call again every 30 min): unacknowledged 30 min → city, 60 min → province, 120 min → ministry; orange/red call the province at once, red the ministry (issue 3)',
  afterMin: { city: 30, province: 60, nation: 120 },
  atOnce: { province: 'orange', nation: 'red' },
  roles: ['duty_officer', 'supervisor']
}
