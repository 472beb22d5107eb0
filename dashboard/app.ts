import fastifyCookie from '@fastify/cookie'
import fastifySwagger from '@fastify/swagger'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type pino from 'pino'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import type { DashboardConfig } from './config.js'
import type { RouteContext } from './context.js'
import { startLive, type Live } from './live.js'
import { LoginLimiter } from './login-limiter.js'
import { requireSession } from './plugins/auth.js'
import { installErrorHandler } from './plugins/errors.js'
import { installWeb } from './plugins/web.js'
import { RejectCounter } from './rejects.js'
import { alertRoutes } from './routes/alerts.js'
import { auditRoutes } from './routes/audit.js'
import { metricsRoutes } from './routes/metrics.js'
import { publicRoutes } from './routes/public.js'
import { regionRoutes } from './routes/regions.js'
import { sessionRoutes } from './routes/session.js'
import { siteRoutes } from './routes/sites.js'
import { siteRulesRoutes } from './routes/site-rules.js'
import { userRoutes } from './routes/users.js'
import { statsRoutes } from './routes/stats.js'
import { SessionStore } from './sessions.js'
import { attachSockets, type DashboardIo } from './socket.js'

export interface DashboardDeps {
  db: PlatformDb
  readings: ReadingsStore
  log: pino.Logger
  now?: () => number
  /** Extra state for /api/health `services` (the launcher passes the other services' health). */
  health?: () => Record<string, unknown>
}

export interface DashboardHandle {
  fastify: FastifyInstance
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  url: string
  io: DashboardIo
  close(): Promise<void>
}

/** Request bodies are a login or a note of ≤ 2000 characters: 64 KiB is plenty (our choice). */
const BODY_LIMIT_BYTES = 64 * 1024

/**
 * The dashboard: REST API, Socket.IO live rooms and the web app on one HTTP server, fed by the
 * platform DB, the readings store and MQTT. Listens before it resolves; `close()` undoes it all
 * but leaves the stores (the caller's) open.
 */
export async function buildDashboard(config: DashboardConfig, deps: DashboardDeps): Promise<DashboardHandle> {
  const log = deps.log.child({ service: 'dashboard' })
  const now = deps.now ?? Date.now
  const httpLog: FastifyBaseLogger = log
  const fastify: FastifyInstance = Fastify({ loggerInstance: httpLog, bodyLimit: BODY_LIMIT_BYTES })
  fastify.setValidatorCompiler(validatorCompiler)
  fastify.setSerializerCompiler(serializerCompiler)
  const rejects = new RejectCounter(log.child({ module: 'rejects' }))
  installErrorHandler(fastify, rejects)
  await fastify.register(fastifyCookie)
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'GeoWarn dashboard API', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'gw_session' }
        }
      },
      security: [{ bearer: [] }, { cookie: [] }]
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject
  })

  const sessions = new SessionStore(config.sessionTtlMs, now, deps.db)
  const sockets = attachSockets(fastify.server, {
    db: deps.db,
    sessions,
    parseCookie: (header) => fastify.parseCookie(header),
    rejects,
    log: log.child({ module: 'socket' }),
    now,
    recheckMs: config.socketRecheckMs
  })
  let live: Live
  try {
    live = await startLive({
      url: config.mqttUrl,
      username: config.mqttUsername,
      ...(config.mqttPassword === undefined ? {} : { password: config.mqttPassword }),
      log: log.child({ module: 'live' }),
      rejects,
      now,
      sink: sockets.sink
    })
  } catch (err) {
    sockets.stop()
    sockets.io.disconnectSockets(true)
    await fastify.close()
    throw err
  }

  const ctx: RouteContext = {
    config,
    db: deps.db,
    readings: deps.readings,
    live,
    sockets,
    sessions,
    limiter: new LoginLimiter({ maxFailures: config.loginMaxFailures, windowMs: config.loginWindowMs, now }),
    rejects,
    log,
    now,
    startedAt: now(),
    ...(deps.health === undefined ? {} : { health: deps.health })
  }
  await fastify.register(publicRoutes, { ctx })
  await fastify.register(metricsRoutes, { ctx })
  await fastify.register(async (scope) => {
    requireSession(scope, ctx)
    await scope.register(sessionRoutes, { ctx })
    await scope.register(regionRoutes, { ctx })
    await scope.register(siteRoutes, { ctx })
    await scope.register(siteRulesRoutes, { ctx })
    await scope.register(alertRoutes, { ctx })
    await scope.register(userRoutes, { ctx })
    await scope.register(auditRoutes, { ctx })
    await scope.register(statsRoutes, { ctx })
  })
  await installWeb(fastify, config.webRoot)

  // Socket.IO shares the HTTP server: drop the sockets first or close() waits on them.
  fastify.addHook('preClose', async () => {
    sockets.stop()
    sockets.io.local.disconnectSockets(true)
  })
  fastify.addHook('onClose', async () => {
    await new Promise<void>((resolve) => {
      // io.close() also closes the HTTP server, which Fastify is closing already: ignore that error.
      void sockets.io.close(() => resolve())
    })
  })

  try {
    await fastify.listen({ host: config.httpHost, port: config.httpPort })
  } catch (err) {
    await fastify.close()
    await live.close()
    throw err
  }
  const address = fastify.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort
  const host = ['0.0.0.0', '::'].includes(config.httpHost) ? '127.0.0.1' : config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost
  const url = `http://${host}:${port}`
  log.info({ url, webRoot: config.webRoot }, 'dashboard listening')

  return {
    fastify,
    url,
    io: sockets.io,
    close: async () => {
      await fastify.close()
      await live.close()
    }
  }
}
