import type { FastifyInstance, FastifyRequest } from 'fastify'
import { authenticate, SESSION_COOKIE, tokenFrom, type Authenticated } from '../auth.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session hook on every protected route. */
    auth: Authenticated | null
  }
}

/** Every route registered in `fastify` (an encapsulated context) after this needs a session. */
export function requireSession(fastify: FastifyInstance, ctx: RouteContext): void {
  fastify.decorateRequest('auth', null)
  fastify.addHook('onRequest', async (req) => {
    const auth = authenticate(tokenFrom(req.headers.authorization, req.cookies[SESSION_COOKIE]), ctx.sessions, ctx.db)
    if (auth === undefined) throw new ApiError(401, 'GH_ERR_UNAUTHORIZED', 'log in first')
    req.auth = auth
  })
}

/** The caller of a protected route. */
export function authOf(req: FastifyRequest): Authenticated {
  if (req.auth === null) throw new Error('authOf called on a route without requireSession')
  return req.auth
}
