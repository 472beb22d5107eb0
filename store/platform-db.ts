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
  countUsers(): number

  audit(entry: AuditEntry): void
  listAudit(limit?: number): AuditEntry[]

  close(): void
}

export type { AlertLevel }
