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

export interface User {
  id: string
  username: string
  role: UserRole
  /** GB/T 2260 code; `000000` is the nation. The user sees this region and all below it. */
  region: string
  displayName: string
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
  roles?: readonly UserRole[]
}

export interface AuditEntry {
  at: number
  actor: string
  action: string
  target: string
  detail: Record<string, unknown>
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

  createUser(user: Omit<User, 'id'> & { password: string }): User
  /** The user if the password matches. */
  verifyUser(username: string, password: string): Promise<User | undefined>
  getUser(id: string): User | undefined
  /** Users by exact region and role (e.g. a county's duty officers), ordered by username. */
  listUsers(filter?: UserFilter): User[]
  countUsers(): number

  audit(entry: AuditEntry): void
  listAudit(limit?: number): AuditEntry[]

  close(): void
}

export type { AlertLevel }
