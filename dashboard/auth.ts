import type { SessionInfo } from '../domain/index.js'
import type { PlatformDb, User } from '../store/platform-db.js'
import type { Session, SessionStore } from './sessions.js'

export const SESSION_COOKIE = 'gw_session'

export interface Authenticated {
  token: string
  session: Session
  user: User
}

/** A session token → the live session and its user as the DB has them now (role or region may change). */
export function authenticate(token: string | undefined, sessions: SessionStore, db: PlatformDb): Authenticated | undefined {
  if (token === undefined || token === '') return undefined
  const session = sessions.get(token)
  if (session === undefined) return undefined
  const user = db.getUser(session.userId)
  // Disabling ends the sessions in the same transaction; this catches a session another
  // dashboard instance created in between, and a user deleted by hand.
  if (user === undefined || user.disabled) {
    sessions.delete(token)
    return undefined
  }
  return { token, session, user }
}

export function sessionInfo(user: User): SessionInfo {
  return { username: user.username, displayName: user.displayName, role: user.role, region: user.region }
}

/** The token from `Authorization: Bearer …`, else from the cookie. */
export function tokenFrom(authorization: string | undefined, cookieToken: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization)
  return m?.[1] ?? cookieToken
}

/** Administrators manage the accounts of their jurisdiction and read its audit log. */
export function isAdmin(user: User): boolean {
  return user.role === 'admin'
}

/** Viewers watch; everybody else may act on alerts (store/platform-db.ts USER_ROLES). */
export function mayActOnAlerts(user: User): boolean {
  return user.role !== 'viewer'
}
