import type pino from 'pino'
import type { PlatformDb } from '../store/platform-db.js'
import type { ReadingsStore } from '../store/readings-store.js'
import type { DashboardConfig } from './config.js'
import type { Live } from './live.js'
import type { LoginLimiter } from './login-limiter.js'
import type { RejectCounter } from './rejects.js'
import type { SessionStore } from './sessions.js'
import type { Sockets } from './socket.js'

/** What the route plugins share; built once in app.ts. */
export interface RouteContext {
  config: DashboardConfig
  db: PlatformDb
  readings: ReadingsStore
  live: Live
  sockets: Sockets
  sessions: SessionStore
  limiter: LoginLimiter
  rejects: RejectCounter
  log: pino.Logger
  now: () => number
  startedAt: number
  health?: () => Record<string, unknown>
}
