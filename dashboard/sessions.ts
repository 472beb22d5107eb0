import { createHash, randomBytes } from 'node:crypto'
import type { PlatformDb, SessionRecord } from '../store/platform-db.js'

export interface Session {
  /** Not the token: safe to log and to name a Socket.IO room after. */
  id: string
  userId: string
  expiresAt: number
}

/** Where sessions live: the platform DB in the dashboard, a Map in unit tests (memorySessionBackend). */
export type SessionBackend = Pick<
  PlatformDb,
  'createSession' | 'getSessionByTokenHash' | 'touchSession' | 'deleteSession' | 'deleteUserSessions' | 'listUserSessionIds' | 'pruneSessions' | 'countSessions'
>

/**
 * `last_seen_at` is bookkeeping for administrators, not security: writing it on every request
 * would be one fsync per request (the platform DB commits with synchronous=FULL), so at most one
 * write per session per minute (our choice).
 */
const TOUCH_EVERY_MS = 60_000

/**
 * Login sessions, token → session, with a fixed lifetime from login (config `sessionTtlMs`: one
 * duty shift). Kept in the platform DB, so a restarted dashboard keeps everybody logged in and
 * several instances share them. Only the SHA-256 of a token is stored: the token is 256 random
 * bits, so a fast hash is as good as a slow one, and a copy of the DB opens no session.
 */
export class SessionStore {
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #backend: SessionBackend

  constructor(ttlMs: number, now: () => number, backend: SessionBackend = memorySessionBackend()) {
    this.#ttlMs = ttlMs
    this.#now = now
    this.#backend = backend
    this.#backend.pruneSessions(now())
  }

  /** A fresh random 32-byte token (base64url). */
  create(userId: string): { token: string; session: Session } {
    const now = this.#now()
    this.#backend.pruneSessions(now)
    const token = randomBytes(32).toString('base64url')
    const record: SessionRecord = {
      id: randomBytes(9).toString('base64url'),
      tokenHash: hashToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.#ttlMs
    }
    this.#backend.createSession(record)
    return { token, session: toSession(record) }
  }

  get(token: string): Session | undefined {
    const record = this.#backend.getSessionByTokenHash(hashToken(token))
    if (record === undefined) return undefined
    const now = this.#now()
    if (record.expiresAt <= now) {
      this.#backend.deleteSession(record.id)
      return undefined
    }
    if (now - record.lastSeenAt >= TOUCH_EVERY_MS) this.#backend.touchSession(record.id, now)
    return toSession(record)
  }

  delete(token: string): Session | undefined {
    const record = this.#backend.getSessionByTokenHash(hashToken(token))
    if (record === undefined) return undefined
    this.#backend.deleteSession(record.id)
    return toSession(record)
  }

  /** End every session of a user (disabled, password reset); returns their ids for their sockets. */
  endUser(userId: string): string[] {
    return this.#backend.deleteUserSessions(userId)
  }

  /** The ids of a user's sessions (to reconnect their sockets after a change of role or region). */
  idsOf(userId: string): string[] {
    return this.#backend.listUserSessionIds(userId)
  }

  get size(): number {
    return this.#backend.countSessions()
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

function toSession(r: SessionRecord): Session {
  return { id: r.id, userId: r.userId, expiresAt: r.expiresAt }
}

/** Sessions in a Map: for tests and tools that run the routes without a platform DB. */
export function memorySessionBackend(): SessionBackend {
  const byHash = new Map<string, SessionRecord>()
  const removeWhere = (pred: (r: SessionRecord) => boolean): string[] => {
    const ids: string[] = []
    for (const [hash, r] of byHash) {
      if (!pred(r)) continue
      byHash.delete(hash)
      ids.push(r.id)
    }
    return ids
  }
  return {
    createSession: (r) => void byHash.set(r.tokenHash, { ...r }),
    getSessionByTokenHash: (hash) => {
      const r = byHash.get(hash)
      return r === undefined ? undefined : { ...r }
    },
    touchSession: (id, at) => {
      for (const r of byHash.values()) if (r.id === id) r.lastSeenAt = at
    },
    deleteSession: (id) => void removeWhere((r) => r.id === id),
    deleteUserSessions: (userId) => removeWhere((r) => r.userId === userId).sort(),
    listUserSessionIds: (userId) => [...byHash.values()].filter((r) => r.userId === userId).map((r) => r.id).sort(),
    pruneSessions: (now) => removeWhere((r) => r.expiresAt <= now).length,
    countSessions: () => byHash.size
  }
}
