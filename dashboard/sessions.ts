import { randomBytes } from 'node:crypto'

export interface Session {
  /** Not the token: safe to log and to name a Socket.IO room after. */
  id: string
  userId: string
  expiresAt: number
}

/**
 * Sessions held in memory, token → session. A restart logs everybody out and several dashboard
 * instances do not share sessions; persisting them in the platform DB is a later issue.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #ttlMs: number
  readonly #now: () => number

  constructor(ttlMs: number, now: () => number) {
    this.#ttlMs = ttlMs
    this.#now = now
  }

  /** A fresh random 32-byte token (base64url). */
  create(userId: string): { token: string; session: Session } {
    this.#sweep()
    const token = randomBytes(32).toString('base64url')
    const session: Session = { id: randomBytes(9).toString('base64url'), userId, expiresAt: this.#now() + this.#ttlMs }
    this.#sessions.set(token, session)
    return { token, session }
  }

  get(token: string): Session | undefined {
    const session = this.#sessions.get(token)
    if (session === undefined) return undefined
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(token)
      return undefined
    }
    return session
  }

  delete(token: string): Session | undefined {
    const session = this.#sessions.get(token)
    this.#sessions.delete(token)
    return session
  }

  get size(): number {
    return this.#sessions.size
  }

  #sweep(): void {
    const now = this.#now()
    for (const [token, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(token)
  }
}
