import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { SESSION_COOKIE, sessionInfo } from '../auth.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { collectServiceReports, reportsDegraded, SERVICE_STALE_AFTER_MS, spoolsOf } from '../service-health.js'
import { errorBodySchema, healthSchema, loginBodySchema, sessionInfoSchema } from '../schemas.js'

/** The routes that need no session: health, login, the OpenAPI document. */
export const publicRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  fastify.get(
    '/api/health',
    { schema: { summary: 'Liveness and the state of broker and stores', tags: ['health'], response: { 200: healthSchema } } },
    async () => {
      const readingsOk = await ctx.readings.ping().catch((err: unknown) => {
        ctx.log.warn({ err }, 'readings store ping failed')
        return false
      })
      const platformOk = probePlatformDb(ctx)
      const brokerConnected = ctx.live.connected()
      const reports = collectServiceReports(ctx.health?.(), ctx.live.serviceHealth(), ctx.now(), SERVICE_STALE_AFTER_MS)
      const spools = spoolsOf(reports)
      const healthy = readingsOk && platformOk && brokerConnected && !reportsDegraded(reports, spools)
      return {
        status: healthy ? ('ok' as const) : ('degraded' as const),
        uptimeS: Math.round((ctx.now() - ctx.startedAt) / 1000),
        broker: { connected: brokerConnected },
        readingsStore: { kind: ctx.readings.kind, ok: readingsOk },
        platformDb: { ok: platformOk },
        // Not `stats`: this answer is public, and the services' stats tell anyone who asks how many
        // sirens, sites and offline devices there are nationwide. Operators read them on /metrics.
        services: Object.fromEntries(reports.map((r) => [r.key, { service: r.service, source: r.source, online: r.online, reportedAt: r.reportedAt, stale: r.stale }])),
        spools,
        dashboard: { sockets: ctx.sockets.count(), rejected: ctx.rejects.snapshot() }
      }
    }
  )

  fastify.post(
    '/api/login',
    {
      schema: {
        summary: 'Open a session: sets the gw_session cookie and returns a bearer token for scripts',
        tags: ['auth'],
        body: loginBodySchema,
        response: { 200: z.object({ user: sessionInfoSchema, token: z.string() }), 401: errorBodySchema, 429: errorBodySchema }
      }
    },
    async (req, reply) => {
      const { username, password } = req.body
      const key = `${req.ip}|${username}`
      if (ctx.limiter.blocked(key)) {
        ctx.rejects.reject('http:login-limited', 'too many failed logins', { ip: req.ip, username })
        throw new ApiError(429, 'GH_ERR_RATE_LIMITED', 'too many failed logins; try again later')
      }
      const user = await ctx.db.verifyUser(username, password)
      if (user === undefined) {
        ctx.limiter.fail(key)
        ctx.rejects.reject('http:login-failed', 'wrong username or password', { ip: req.ip, username })
        throw new ApiError(401, 'GH_ERR_BAD_CREDENTIALS', 'wrong username or password')
      }
      ctx.limiter.succeed(key)
      const { token, session } = ctx.sessions.create(user.id)
      ctx.db.audit({ at: ctx.now(), actor: user.username, action: 'login', target: `session:${session.id}`, detail: { ip: req.ip } })
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: ctx.config.cookieSecure,
        maxAge: Math.floor(ctx.config.sessionTtlMs / 1000)
      })
      return { user: sessionInfo(user), token }
    }
  )

  fastify.get(
    '/api/docs',
    { schema: { summary: 'This API as an OpenAPI 3 document', tags: ['docs'], response: { 200: z.record(z.string(), z.unknown()) } } },
    async () => fastify.swagger() as unknown as Record<string, unknown>
  )
}

export function probePlatformDb(ctx: RouteContext): boolean {
  try {
    ctx.db.countUsers()
    return true
  } catch (err) {
    ctx.log.warn({ err }, 'platform DB probe failed')
    return false
  }
}
