import { randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import { NATION_CODE, regionCodeSchema } from '../domain/index.js'
import {
  USER_ROLES,
  type AuditEntry,
  type AuditFilter,
  type AuditRecord,
  type PlatformDb,
  type SessionRecord,
  type User,
  type UserFilter,
  type UserPatch,
  type UserRole
} from './platform-db.js'
import { scopeLikePattern } from './scope-sql.js'
import { decoyPasswordHash, hashPasswordSync, verifyPassword } from './secrets.js'
import { StoreError } from './store-error.js'

/** The part of the platform DB about people: accounts, sessions, audit (store/platform-db.ts). */
export type AccountsDb = Pick<
  PlatformDb,
  | 'createUser'
  | 'verifyUser'
  | 'getUser'
  | 'getUserByUsername'
  | 'listUsers'
  | 'countUsers'
  | 'updateUser'
  | 'setPassword'
  | 'createSession'
  | 'getSessionByTokenHash'
  | 'touchSession'
  | 'deleteSession'
  | 'deleteUserSessions'
  | 'listUserSessionIds'
  | 'pruneSessions'
  | 'countSessions'
  | 'audit'
  | 'listAudit'
  | 'queryAudit'
>

interface UserRow {
  id: string
  username: string
  password_hash: string
  role: UserRole
  region: string
  display_name: string
  disabled: number
}
interface SessionRow {
  id: string
  token_hash: string
  user_id: string
  created_at: number
  last_seen_at: number
  expires_at: number
}
interface AuditRow {
  seq: number
  at: number
  actor: string
  action: string
  target: string
  detail: string
  regions: string | null
}

export function openAccounts(db: Database.Database): AccountsDb {
  const st = {
    insertUser: db.prepare<[string, string, string, string, string, string]>(
      'INSERT INTO users (id, username, password_hash, role, region, display_name) VALUES (?, ?, ?, ?, ?, ?)'
    ),
    userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    userById: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
    updateUser: db.prepare<[string, string, string, number, string]>('UPDATE users SET role = ?, region = ?, display_name = ?, disabled = ? WHERE id = ?'),
    setPassword: db.prepare<[string, string]>('UPDATE users SET password_hash = ? WHERE id = ?'),
    enabledNationalAdmins: db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM users WHERE role = 'admin' AND region = '${NATION_CODE}' AND disabled = 0 AND id <> ?`
    ),
    insertSession: db.prepare<[string, string, string, number, number, number]>(
      'INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'
    ),
    sessionByHash: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE token_hash = ?'),
    touchSession: db.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?'),
    deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
    userSessionIds: db.prepare<[string], { id: string }>('SELECT id FROM sessions WHERE user_id = ? ORDER BY id'),
    deleteUserSessions: db.prepare<[string]>('DELETE FROM sessions WHERE user_id = ?'),
    pruneSessions: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
    countSessions: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions'),
    audit: db.prepare<[number, string, string, string, string]>('INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)'),
    auditRegion: db.prepare<[number, string]>('INSERT OR IGNORE INTO audit_regions (seq, region) VALUES (?, ?)'),
    alertCounty: db.prepare<[string], { county: string }>('SELECT county FROM alerts WHERE id = ?'),
    siteCounty: db.prepare<[string], { county: string }>('SELECT county FROM sites WHERE id = ?'),
    deviceCounty: db.prepare<[string], { county: string }>('SELECT s.county FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = ?'),
    sessionRegion: db.prepare<[string], { region: string }>('SELECT u.region FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?')
  }

  const toUser = (row: UserRow): User => ({
    id: row.id,
    username: row.username,
    role: row.role,
    region: row.region,
    displayName: row.display_name,
    disabled: row.disabled !== 0
  })

  const userIds = (userId: string): string[] => st.userSessionIds.all(userId).map((r) => r.id)

  const updateUser = db.transaction((id: string, patch: UserPatch): User => {
    const row = st.userById.get(id)
    if (row === undefined) throw new StoreError('GH_ERR_UNKNOWN_USER', `unknown user ${id}`)
    const before = toUser(row)
    const next: User = {
      ...before,
      ...(patch.role === undefined ? {} : { role: patch.role }),
      ...(patch.region === undefined ? {} : { region: patch.region }),
      ...(patch.displayName === undefined ? {} : { displayName: patch.displayName }),
      ...(patch.disabled === undefined ? {} : { disabled: patch.disabled })
    }
    checkUserFields(next.role, next.region)
    const wasNationalAdmin = isEnabledNationalAdmin(before)
    // Without an enabled national administrator nobody could manage the nation's accounts again.
    if (wasNationalAdmin && !isEnabledNationalAdmin(next) && (st.enabledNationalAdmins.get(id)?.n ?? 0) === 0) {
      throw new StoreError('GH_ERR_LAST_ADMIN', `${before.username} is the last enabled national administrator`)
    }
    st.updateUser.run(next.role, next.region, next.displayName, next.disabled ? 1 : 0, id)
    if (next.disabled && !before.disabled) st.deleteUserSessions.run(id)
    return next
  })

  const deleteUserSessions = db.transaction((userId: string): string[] => {
    const ids = userIds(userId)
    st.deleteUserSessions.run(userId)
    return ids
  })

  const audit = db.transaction((e: AuditEntry): void => {
    const { lastInsertRowid } = st.audit.run(e.at, e.actor, e.action, e.target, JSON.stringify(e.detail))
    const seq = Number(lastInsertRowid)
    for (const region of e.regions ?? derivedRegions(e.target)) st.auditRegion.run(seq, region)
  })

  /** What `target` names, as region codes (store/platform-db.ts AuditEntry.regions). */
  function derivedRegions(target: string): string[] {
    const colon = target.indexOf(':')
    const kind = target.slice(0, colon)
    const id = target.slice(colon + 1)
    const county =
      kind === 'alert'
        ? st.alertCounty.get(id)?.county
        : kind === 'site'
          ? st.siteCounty.get(id)?.county
          : kind === 'device'
            ? st.deviceCounty.get(id)?.county
            : kind === 'user'
              ? st.userById.get(id)?.region
              : kind === 'session'
                ? st.sessionRegion.get(id)?.region
                : undefined
    return county === undefined ? [] : [county]
  }

  return {
    createUser: (u) => {
      checkUserFields(u.role, u.region)
      if (u.username.length === 0 || u.password.length === 0) throw new StoreError('GH_ERR_BAD_USER', 'username and password are required')
      if (st.userByName.get(u.username) !== undefined) {
        throw new StoreError('GH_ERR_USERNAME_TAKEN', `username ${u.username} is taken`)
      }
      const user: User = { id: randomUUID(), username: u.username, role: u.role, region: u.region, displayName: u.displayName, disabled: false }
      st.insertUser.run(user.id, user.username, hashPasswordSync(u.password), user.role, user.region, user.displayName)
      return user
    },
    verifyUser: async (username, password) => {
      const row = st.userByName.get(username)
      if (row === undefined) {
        // Pay one scrypt anyway, so timing does not tell which usernames exist.
        await verifyPassword(password, await decoyPasswordHash())
        return undefined
      }
      const matches = await verifyPassword(password, row.password_hash)
      // Read again: the account may have been disabled while scrypt ran.
      const now = st.userById.get(row.id)
      return matches && now !== undefined && now.disabled === 0 ? toUser(now) : undefined
    },
    getUser: (id) => {
      const row = st.userById.get(id)
      return row === undefined ? undefined : toUser(row)
    },
    getUserByUsername: (username) => {
      const row = st.userByName.get(username)
      return row === undefined ? undefined : toUser(row)
    },
    listUsers: (filter = {}) => listUsers(db, filter).map(toUser),
    countUsers: () => st.countUsers.get()?.n ?? 0,
    updateUser: (id, patch) => updateUser(id, patch),
    setPassword: (id, password) => {
      if (password.length === 0) throw new StoreError('GH_ERR_BAD_USER', 'the password is required')
      const { changes } = st.setPassword.run(hashPasswordSync(password), id)
      if (changes === 0) throw new StoreError('GH_ERR_UNKNOWN_USER', `unknown user ${id}`)
    },

    createSession: (s) => {
      st.insertSession.run(s.id, s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt)
    },
    getSessionByTokenHash: (tokenHash) => {
      const row = st.sessionByHash.get(tokenHash)
      return row === undefined ? undefined : toSession(row)
    },
    touchSession: (id, lastSeenAt) => {
      st.touchSession.run(lastSeenAt, id)
    },
    deleteSession: (id) => {
      st.deleteSession.run(id)
    },
    deleteUserSessions: (userId) => deleteUserSessions(userId),
    listUserSessionIds: userIds,
    pruneSessions: (now) => st.pruneSessions.run(now).changes,
    countSessions: () => st.countSessions.get()?.n ?? 0,

    audit: (e) => audit(e),
    listAudit: (limit = 100) => queryAudit(db, { limit }).map(({ seq: _seq, regions: _regions, ...e }): AuditEntry => e),
    queryAudit: (filter = {}) => queryAudit(db, filter)
  }
}

function isEnabledNationalAdmin(u: User): boolean {
  return u.role === 'admin' && u.region === NATION_CODE && !u.disabled
}

function checkUserFields(role: UserRole, region: string): void {
  if (!USER_ROLES.includes(role)) throw new StoreError('GH_ERR_BAD_USER', `unknown role ${String(role)}`)
  if (!regionCodeSchema.safeParse(region).success) throw new StoreError('GH_ERR_BAD_USER', `bad region ${region}`)
}

function toSession(row: SessionRow): SessionRecord {
  return { id: row.id, tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at }
}

function listUsers(db: Database.Database, filter: UserFilter): UserRow[] {
  const where: string[] = []
  const params: string[] = []
  if (filter.region !== undefined) {
    where.push('region = ?')
    params.push(filter.region)
  }
  const pattern = scopeLikePattern(filter.scope)
  if (pattern !== undefined) {
    where.push('region LIKE ?')
    params.push(pattern)
  }
  if (filter.roles !== undefined) {
    if (filter.roles.length === 0) return []
    where.push(`role IN (${filter.roles.map(() => '?').join(', ')})`)
    params.push(...filter.roles)
  }
  if (filter.includeDisabled !== true) where.push('disabled = 0')
  const sql = `SELECT * FROM users ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY username`
  return db.prepare<string[], UserRow>(sql).all(...params)
}

/** Cap on one page of the audit log (our choice: a page the browser renders at once). */
const MAX_AUDIT_PAGE = 1000

function queryAudit(db: Database.Database, filter: AuditFilter): AuditRecord[] {
  const where: string[] = []
  const params: (string | number)[] = []
  const pattern = scopeLikePattern(filter.scope)
  if (pattern !== undefined) {
    where.push('EXISTS (SELECT 1 FROM audit_regions r WHERE r.seq = a.seq AND r.region LIKE ?)')
    params.push(pattern)
  }
  if (filter.from !== undefined) {
    where.push('a.at >= ?')
    params.push(filter.from)
  }
  if (filter.to !== undefined) {
    where.push('a.at < ?')
    params.push(filter.to)
  }
  if (filter.actor !== undefined) {
    where.push('a.actor = ?')
    params.push(filter.actor)
  }
  if (filter.action !== undefined) {
    if (filter.action.endsWith('.')) {
      // substr rather than LIKE: action names may hold `_` or `%`, which LIKE would read as wildcards.
      where.push('substr(a.action, 1, ?) = ?')
      params.push(filter.action.length, filter.action)
    } else {
      where.push('a.action = ?')
      params.push(filter.action)
    }
  }
  if (filter.beforeSeq !== undefined) {
    where.push('a.seq < ?')
    params.push(filter.beforeSeq)
  }
  params.push(Math.min(filter.limit ?? 100, MAX_AUDIT_PAGE))
  const sql = `SELECT a.seq, a.at, a.actor, a.action, a.target, a.detail,
      (SELECT group_concat(region, ',') FROM audit_regions r WHERE r.seq = a.seq) AS regions
    FROM audit a ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.seq DESC LIMIT ?`
  return db
    .prepare<(string | number)[], AuditRow>(sql)
    .all(...params)
    .map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      target: r.target,
      detail: parseDetail(r.detail),
      regions: r.regions === null || r.regions === '' ? [] : r.regions.split(',').sort()
    }))
}

function parseDetail(json: string): Record<string, unknown> {
  const v: unknown = JSON.parse(json)
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v }
}
