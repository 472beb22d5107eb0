import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { SESSION_COOKIE, sessionInfo } from '../auth.js'
import type { RouteContext } from '../context.js'
import { authOf } from '../plugins/auth.js'
import { okSchema, sessionInfoSchema } from '../schemas.js'

export const sessionRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  fastify.get(
    '/api/me',
    { schema: { summary: 'The caller', tags: ['auth'], response: { 200: z.object({ user: sessionInfoSchema }) } } },
    async (req) => ({ user: sessionInfo(authOf(req).user) })
  )

  fastify.post(
    '/api/logout',
    { schema: { summary: 'End the session and disconnect its sockets', tags: ['auth'], response: { 200: okSchema } } },
    async (req, reply) => {
      const { token, session, user } = authOf(req)
      ctx.sessions.delete(token)
      ctx.sockets.dropSession(session.id)
      ctx.db.audit({ at: ctx.now(), actor: user.username, action: 'logout', target: `session:${session.id}`, detail: {}, regions: [user.region] })
      void reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return { ok: true as const }
    }
  )
}
