import type {
  Alert,
  AlertLevel,
  AlertStateName,
  Device,
  DevicePlacement,
  RegistryFile,
  Site,
  SiteLevel
} from '../domain/index.js'

export const USER_ROLES = ['viewer', 'duty_officer', 'supervisor', 'admin'] as const
export type UserRole = (typeof USER_ROLES)[number]

/** Shortest password a person may set (NIST SP 800-63B asks ≥ 8; `geowarn user add` already asks 10). */
export const MIN_PASSWORD_LENGTH = 10

export interface User {
  id: string
  username: string
  role: UserRole
  /** GB/T 2260 code; `000000` is the nation. The user sees this region and all below it. */
  region: string
  displayName: string
  /** A disabled account cannot log in and its sessions are gone; it stays for the audit trail. */
  disabled: boolean
}

/** What an administrator may change on an account (store/platform-db.ts `updateUser`). */
export interface UserPatch {
  role?: UserRole
  region?: string
  displayName?: string
  disabled?: boolean
}

/** A login session. The token itself is never stored: only its SHA-256 (`tokenHash`). */
export interface SessionRecord {
  /** Not the token: safe to log and to name a Socket.IO room after. */
  id: string
  tokenHash: string
  userId: string
  createdAt: number
  lastSeenAt: number
  expiresAt: number
}

export interface SiteLevelRecord {
  siteId: string
  county: string
  level: SiteLevel
  alertId: string | null
  since: number
}

export interface AlertFilter {
  /** Region code; only alerts of sites within it. */
  scope?: string
  state?: AlertStateName | 'active'
  siteId?: string
  limit?: number
}

export interface UserFilter {
  /** Exactly this region code (not the ones below it). */
  region?: string
  /** This region code and every region below it (an administrator's jurisdiction). */
  scope?: string
  roles?: readonly UserRole[]
  /** Disabled accounts are left out unless this is true (nobody notifies a disabled officer). */
  includeDisabled?: boolean
}

export interface AuditEntry {
  at: number
  actor: string
  action: string
  target: string
  detail: Record<string, unknown>
  /**
   * The region codes the entry is about (a site's county, an account's region before and after);
   * an administrator sees the entries with a region inside their jurisdiction. When absent the
   * store derives it from `target` (`alert:`, `site:`, `device:`, `user:`, `session:`); entries about nothing
   * regional are seen by national administrators only.
   */
  regions?: readonly string[]
}

/** An audit entry as stored: `seq` orders entries and is the cursor for paging. */
export interface AuditRecord extends AuditEntry {
  seq: number
  regions: string[]
}

export interface AuditFilter {
  /** Only entries with a region inside this one (undefined: all). */
  scope?: string
  /** Epoch ms, inclusive. */
  from?: number
  /** Epoch ms, exclusive. */
  to?: number
  actor?: string
  /** Exactly this action, or with a trailing `.` every action under it (`user.`). */
  action?: string
  /** Only entries older than this `seq` (paging: pass the last `seq` of the previous page). */
  beforeSeq?: number
  limit?: number
}

/**
 * The platform DB: registry, credentials, alerts, site levels, users, audit. SQLite by default
 * (store/sqlite-platform-db.ts). Synchronous: SQLite calls take microseconds and the broker's
 * authentication path must not yield between lookup and decision.
 */
export interface PlatformDb {
  /** Upsert the sites and devices of a registry file; plaintext device secrets are stored hashed. */
  importRegistry(registry: RegistryFile): { sites: number; devices: number }
  getSite(id: string): Site | undefined
  /** Sites within a region scope (default: all), ordered by id. */
  listSites(scope?: string): Site[]
  getDevice(id: string): Device | undefined
  listDevices(siteId?: string): Device[]
  /** What the broker needs to rewrite a device's topics; undefined for unknown devices. */
  getPlacement(deviceId: string): DevicePlacement | undefined
  setDeviceSecret(deviceId: string, secret: string): void
  verifyDeviceSecret(deviceId: string, secret: string): boolean

  /** Insert or replace an alert (the whole record, history included). */
  saveAlert(alert: Alert): void
  getAlert(id: string): Alert | undefined
  /**
   * Compare-and-set: save only if the stored alert's `updatedAt` still equals `expectedUpdatedAt`
   * (null: only if no alert with this id exists). False when someone else wrote it first: re-read,
   * re-apply, retry. A writer must move `updatedAt` forward on every save.
   */
  saveAlertIf(alert: Alert, expectedUpdatedAt: number | null): boolean
  /** The open or acknowledged alert of a site, if any. */
  activeAlertForSite(siteId: string): Alert | undefined
  listAlerts(filter?: AlertFilter): Alert[]

  setSiteLevel(record: SiteLevelRecord): void
  getSiteLevel(siteId: string): SiteLevelRecord | undefined
  listSiteLevels(scope?: string): SiteLevelRecord[]

  createUser(user: Omit<User, 'id' | 'disabled'> & { password: string }): User
  /** The user if the password matches and the account is enabled. */
  verifyUser(username: string, password: string): Promise<User | undefined>
  getUser(id: string): User | undefined
  getUserByUsername(username: string): User | undefined
  /** Users by region and role (e.g. a county's duty officers), ordered by username. */
  listUsers(filter?: UserFilter): User[]
  countUsers(): number
  /**
   * Change an account; returns it as it is now. Throws GH_ERR_UNKNOWN_USER, GH_ERR_BAD_USER, and
   * GH_ERR_LAST_ADMIN when the change would leave no enabled national administrator (checked in
   * the same transaction as the write). Disabling also ends the account's sessions.
   */
  updateUser(id: string, patch: UserPatch): User
  /** Replace the password (scrypt); throws GH_ERR_UNKNOWN_USER. Does not end sessions. */
  setPassword(id: string, password: string): void

  createSession(session: SessionRecord): void
  /** The session with this token hash, expired or not (the caller judges expiry). */
  getSessionByTokenHash(tokenHash: string): SessionRecord | undefined
  touchSession(id: string, lastSeenAt: number): void
  deleteSession(id: string): void
  /** End every session of a user; returns their ids (to disconnect their sockets). */
  deleteUserSessions(userId: string): string[]
  listUserSessionIds(userId: string): string[]
  /** Delete sessions with `expiresAt <= now`; returns how many. */
  pruneSessions(now: number): number
  /** Sessions stored, expired ones not yet pruned included. */
  countSessions(): number

  audit(entry: AuditEntry): void
  /** The newest entries first. */
  listAudit(limit?: number): AuditEntry[]
  /** Entries matching the filter, newest first (by `seq`). */
  queryAudit(filter?: AuditFilter): AuditRecord[]

  close(): void
}

export type { AlertLevel }
