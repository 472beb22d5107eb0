import type { Server as HttpServer } from 'node:http'
import type pino from 'pino'
import { Server } from 'socket.io'
import {
  regionChain,
  regionContains,
  watchSiteSchema,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SessionInfo
} from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { authenticate, SESSION_COOKIE, sessionInfo } from './auth.js'
import type { LiveSink } from './live.js'
import type { RejectCounter } from './rejects.js'
import type { SessionStore } from './sessions.js'

interface SocketData {
  user: SessionInfo
  sessionId: string
  /** Kept to re-authenticate the socket periodically (the session may end on another instance). */
  token: string
  expiresAt: number
}
type InterServerEvents = Record<string, never>
export type DashboardIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

export const regionRoom = (code: string): string => `region:${code}`
export const siteRoom = (siteId: string): string => `site:${siteId}`
const sessionRoom = (sessionId: string): string => `session:${sessionId}`

export interface SocketDeps {
  db: PlatformDb
  sessions: SessionStore
  parseCookie: (header: string) => Record<string, string | undefined>
  rejects: RejectCounter
  log: pino.Logger
  now: () => number
  /** How often every live socket's session and account are checked again (config `socketRecheckMs`). */
  recheckMs: number
}

export interface Sockets {
  io: DashboardIo
  sink: LiveSink
  /** Disconnect the sockets of a session (on logout). */
  dropSession(sessionId: string): void
  count(): number
  /** Stop the periodic re-check (on close). */
  stop(): void
}

/**
 * Socket.IO on the dashboard's HTTP server. A socket sits in the room of its user's region; every
 * live event goes to the rooms of its site's whole chain county → nation, so each socket gets
 * exactly what lies in its jurisdiction. Readings go only to the sockets that watch the site.
 */
export function attachSockets(server: HttpServer, deps: SocketDeps): Sockets {
  const { db, sessions, rejects, log } = deps
  const io: DashboardIo = new Server(server, { path: '/socket.io', serveClient: false })

  io.use((socket, next) => {
    const authToken: unknown = socket.handshake.auth.token
    const cookieHeader = socket.request.headers.cookie
    const token = typeof authToken === 'string' ? authToken : cookieHeader === undefined ? undefined : deps.parseCookie(cookieHeader)[SESSION_COOKIE]
    const auth = authenticate(token, sessions, db)
    if (auth === undefined) {
      rejects.reject('socket:unauthorized', 'no valid session', { address: socket.handshake.address })
      next(new Error('GH_ERR_UNAUTHORIZED'))
      return
    }
    socket.data.user = sessionInfo(auth.user)
    socket.data.sessionId = auth.session.id
    socket.data.token = auth.token
    socket.data.expiresAt = auth.session.expiresAt
    next()
  })

  /**
   * A socket outlives its handshake by hours, and sessions are shared through the platform DB:
   * another dashboard instance may end the session, disable the account or narrow its scope, and
   * `dropSession` only reaches this instance's sockets. So every socket is re-authenticated on a
   * timer (two indexed lookups per socket) and dropped when its session is gone or the account
   * no longer matches the scope it joined with; the web app then reconnects (new rooms) or
   * returns to login.
   */
  const stillValid = (data: SocketData): boolean => {
    const auth = authenticate(data.token, sessions, db)
    return auth !== undefined && auth.session.id === data.sessionId && auth.user.region === data.user.region && auth.user.role === data.user.role
  }
  const recheck = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      if (stillValid(socket.data)) continue
      log.info({ username: socket.data.user.username, sessionId: socket.data.sessionId }, 'socket session no longer valid: disconnecting')
      socket.disconnect(true)
    }
  }, deps.recheckMs)
  recheck.unref()

  io.on('connection', (socket) => {
    const user = socket.data.user
    // Sessions have a fixed lifetime from login: the socket ends with it, not at the next re-check.
    // setTimeout holds at most 2^31-1 ms (~24.8 days); a longer TTL is left to the re-check.
    const expiresInMs = socket.data.expiresAt - deps.now()
    const expiry = expiresInMs < 2 ** 31 ? setTimeout(() => socket.disconnect(true), Math.max(0, expiresInMs)) : undefined
    expiry?.unref()
    socket.on('disconnect', () => clearTimeout(expiry))
    void socket.join([regionRoom(user.region), sessionRoom(socket.data.sessionId)])
    socket.emit('session', user)

    const refuse = (kind: string, reason: string, ack: unknown): void => {
      rejects.reject(`socket:${kind}`, reason, { username: user.username })
      if (typeof ack === 'function') (ack as Ack)({ ok: false, reason })
    }
    const siteInScope = (raw: unknown): { ok: true; siteId: string } | { ok: false; reason: string } => {
      const parsed = watchSiteSchema.safeParse(raw)
      if (!parsed.success) return { ok: false, reason: 'a site id is 1–64 of A–Z a–z 0–9 _ . : -' }
      const site = db.getSite(parsed.data)
      // Out of scope answers exactly like unknown: the socket learns nothing about other regions.
      if (site === undefined || !regionContains(user.region, site.county)) return { ok: false, reason: `unknown site ${parsed.data}` }
      return { ok: true, siteId: site.id }
    }

    socket.on('watch-site', (raw: unknown, ack?: unknown) => {
      const r = siteInScope(raw)
      if (!r.ok) return refuse('watch-site', r.reason, ack)
      void socket.join(siteRoom(r.siteId))
      if (typeof ack === 'function') (ack as Ack)({ ok: true })
    })
    socket.on('unwatch-site', (raw: unknown, ack?: unknown) => {
      const parsed = watchSiteSchema.safeParse(raw)
      if (!parsed.success) return refuse('unwatch-site', 'a site id is 1–64 of A–Z a–z 0–9 _ . : -', ack)
      void socket.leave(siteRoom(parsed.data))
      if (typeof ack === 'function') (ack as Ack)({ ok: true })
    })
    socket.on('error', (err) => log.warn({ err, username: user.username }, 'socket error'))
  })

  const regionRooms = (county: string): string[] => regionChain(county).map(regionRoom)
  const sink: LiveSink = {
    alert: (county, event) => io.to(regionRooms(county)).emit('alert', event),
    siteLevel: (county, state) => io.to(regionRooms(county)).emit('site-level', state),
    presence: (p) => io.to(regionRooms(p.county)).emit('presence', p),
    reading: (r) => io.to(siteRoom(r.siteId)).emit('reading', r),
    watched: (siteId) => (io.sockets.adapter.rooms.get(siteRoom(siteId))?.size ?? 0) > 0
  }

  return {
    io,
    sink,
    dropSession: (sessionId) => io.in(sessionRoom(sessionId)).disconnectSockets(true),
    count: () => io.engine.clientsCount,
    stop: () => clearInterval(recheck)
  }
}
