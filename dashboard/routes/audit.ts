import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { isAdmin } from '../auth.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { errorBodySchema } from '../schemas.js'
import { auditQuerySchema, auditResponseSchema } from '../schemas-admin.js'

/**
 * `GET /api/audit` for administrators, newest first. Scope: each entry carries the regions it is
 * about (an alert's or site's county, an account's region before and after a change, the region
 * of whoever logged in); an administrator sees the entries with one of those inside their
 * jurisdiction. Entries about no region (service events with no site) are for national ones.
 */
export const auditRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  fastify.get(
    '/api/audit',
    {
      schema: {
        summary: 'The audit log of the administrator’s jurisdiction, newest first, paged by `before`',
        tags: ['audit'],
        querystring: auditQuerySchema,
        response: { 200: auditResponseSchema, 400: errorBodySchema, 403: errorBodySchema }
      }
    },
    async (req) => {
      const { user } = authOf(req)
      if (!isAdmin(user)) throw new ApiError(403, 'GH_ERR_FORBIDDEN', `role ${user.role} may not read the audit log`)
      const { from, to, actor, action, before, limit } = req.query
      if (from !== undefined && to !== undefined && from >= to) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', 'from must be before to')
      const entries = ctx.db.queryAudit({
        scope: user.region,
        limit,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(actor === undefined ? {} : { actor }),
        ...(action === undefined ? {} : { action }),
        ...(before === undefined ? {} : { beforeSeq: before })
      })
      return { entries, nextBefore: entries.length === limit ? (entries.at(-1)?.seq ?? null) : null }
    }
  )
}
