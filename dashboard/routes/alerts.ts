import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { regionContains, type Alert, type AlertEvent, type SiteAlertState } from '../../domain/index.js'
import { updateAlertCas } from '../alert-cas.js'
import { applyAlertCommand, EVENT_KIND_OF, type AlertCommand } from '../alert-actions.js'
import type { User } from '../../store/platform-db.js'
import { mayActOnAlerts } from '../auth.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { fail, ok } from '../../domain/result.js'
import {
  addNoteBodySchema,
  alertIdParamsSchema,
  alertResponseSchema,
  alertsQuerySchema,
  alertsResponseSchema,
  errorBodySchema,
  noteBodySchema,
  resolveBodySchema
} from '../schemas.js'

export const alertRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  fastify.get(
    '/api/alerts',
    { schema: { summary: 'Alerts in the caller’s jurisdiction, newest first', tags: ['alerts'], querystring: alertsQuerySchema, response: { 200: alertsResponseSchema } } },
    async (req) => {
      const { state, siteId, limit } = req.query
      const alerts = ctx.db.listAlerts({
        scope: authOf(req).user.region,
        limit,
        ...(state === undefined ? {} : { state }),
        ...(siteId === undefined ? {} : { siteId })
      })
      return { alerts }
    }
  )

  const actionResponses = { 200: alertResponseSchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema }

  fastify.post(
    '/api/alerts/:id/ack',
    { schema: { summary: 'Acknowledge an open alert (叫应)', tags: ['alerts'], params: alertIdParamsSchema, body: noteBodySchema, response: actionResponses } },
    async (req) => ({ alert: applyAndPublish(ctx, authOf(req).user, req.params.id, { action: 'acknowledge', ...noteOf(req.body.note) }) })
  )
  fastify.post(
    '/api/alerts/:id/escalate',
    { schema: { summary: 'Escalate an alert to the next level of government', tags: ['alerts'], params: alertIdParamsSchema, body: noteBodySchema, response: actionResponses } },
    async (req) => ({ alert: applyAndPublish(ctx, authOf(req).user, req.params.id, { action: 'escalate', ...noteOf(req.body.note) }) })
  )
  fastify.post(
    '/api/alerts/:id/resolve',
    { schema: { summary: 'Close an alert with a disposition', tags: ['alerts'], params: alertIdParamsSchema, body: resolveBodySchema, response: actionResponses } },
    async (req) => ({ alert: applyAndPublish(ctx, authOf(req).user, req.params.id, { action: 'resolve', disposition: req.body.disposition, ...noteOf(req.body.note) }) })
  )
  fastify.post(
    '/api/alerts/:id/note',
    { schema: { summary: 'Add a note to an alert, in any state', tags: ['alerts'], params: alertIdParamsSchema, body: addNoteBodySchema, response: actionResponses } },
    async (req) => ({ alert: applyAndPublish(ctx, authOf(req).user, req.params.id, { action: 'note', note: req.body.note }) })
  )
}

/** What an officer's action can change, as the audit log records it before and after. */
function auditedState(a: Alert): { state: Alert['state']; level: Alert['level']; escalatedTo: string | null; disposition: Alert['disposition'] } {
  return { state: a.state, level: a.level, escalatedTo: a.escalations.at(-1)?.toRegion ?? null, disposition: a.disposition }
}

function noteOf(note: string | undefined): { note?: string } {
  return note === undefined ? {} : { note }
}

/**
 * Load, scope-check, apply, store (compare-and-set, alert-cas.ts), audit, publish: the platform DB
 * first, then MQTT (design.md). Rules may write the alert between our read and our save; then the
 * command is applied again to what rules wrote, so both changes survive.
 */
function applyAndPublish(ctx: RouteContext, user: User, id: string, cmd: AlertCommand): Alert {
  const now = ctx.now()
  // The version the saved change was applied to, for the audit's before/after (the last attempt wins).
  let before: Alert | undefined
  const outcome = updateAlertCas(ctx.db, id, (alert) => {
    before = alert
    if (!regionContains(user.region, alert.county)) return fail(new ApiError(404, 'GH_ERR_UNKNOWN_ALERT', `unknown alert ${id}`))
    if (!mayActOnAlerts(user)) return fail(new ApiError(403, 'GH_ERR_FORBIDDEN', `role ${user.role} may not act on alerts`))
    const applied = applyAlertCommand(alert, cmd, user.username, now)
    return applied.ok ? ok(applied.value) : fail(new ApiError(409, 'GH_ERR_ALERT_STATE', applied.reason))
  })
  switch (outcome.kind) {
    case 'missing':
      throw new ApiError(404, 'GH_ERR_UNKNOWN_ALERT', `unknown alert ${id}`)
    case 'rejected':
      throw outcome.reason
    case 'gave-up':
      ctx.log.warn({ alertId: id, action: cmd.action, conflicts: outcome.conflicts }, 'alert kept changing under the action; gave up')
      throw new ApiError(409, 'GH_ERR_ALERT_CONFLICT', `alert ${id} kept changing; try again`)
    case 'saved':
      break
  }
  if (outcome.conflicts > 0) ctx.log.info({ alertId: id, action: cmd.action, conflicts: outcome.conflicts }, 'alert changed under the action; applied again')
  const next = outcome.alert
  ctx.db.audit({
    at: now,
    actor: user.username,
    action: `alert.${cmd.action}`,
    target: `alert:${id}`,
    detail: {
      siteId: next.siteId,
      ...cmd,
      ...(cmd.action === 'escalate' ? { toRegion: next.escalations.at(-1)?.toRegion } : {}),
      ...(before === undefined ? {} : { before: auditedState(before) }),
      after: auditedState(next)
    },
    regions: [next.county]
  })
  const event: AlertEvent = { kind: EVENT_KIND_OF[cmd.action], at: now, alert: next }
  // Not awaited: while the broker is away MQTT.js queues the QoS 1 publish; the request must not wait.
  ctx.live.publishAlertEvent(event).catch((err: unknown) => ctx.log.error({ err, alertId: id }, 'publishing the alert event failed'))

  if (cmd.action === 'resolve') clearSiteLevel(ctx, next, now)
  return next
}

/**
 * The rules service owns the site level and its retained alert-state topic. A human closing the
 * alert is the one change rules cannot see coming, so the dashboard clears the level itself (only
 * if it still points at this alert) rather than leave the map red until rules' next evaluation.
 */
function clearSiteLevel(ctx: RouteContext, alert: Alert, now: number): void {
  const current = ctx.db.getSiteLevel(alert.siteId)
  if (current !== undefined && current.alertId !== null && current.alertId !== alert.id) return
  const state: SiteAlertState = { siteId: alert.siteId, county: alert.county, level: 'none', alertId: null, since: now }
  ctx.db.setSiteLevel(state)
  ctx.live.publishSiteState(state).catch((err: unknown) => ctx.log.error({ err, siteId: alert.siteId }, 'publishing the site state failed'))
}
