import type pino from 'pino'
import {
  alertSchema,
  deviceSchema,
  provincePrefix,
  siteLevelSchema,
  siteSchema,
  type Alert,
  type Device,
  type DevicePlacement,
  type Dialect,
  type RegistryFile,
  type Site
} from '../domain/index.js'
import { migrate, PLATFORM_MIGRATIONS } from './migrations.js'
import type { AlertFilter, PlatformDb, SiteLevelRecord } from './platform-db.js'
import { scopeLikePattern } from './scope-sql.js'
import { openAccounts } from './sqlite-accounts.js'
import { hashDeviceSecret, verifyDeviceSecret } from './secrets.js'
import { openSqlite } from './sqlite-open.js'
import { StoreError } from './store-error.js'

export interface PlatformDbOptions {
  log?: pino.Logger
}

interface JsonRow {
  json: string
}
interface PlacementRow {
  id: string
  site_id: string
  dialect: Dialect
  county: string
}
interface SiteLevelRow {
  site_id: string
  county: string
  level: string
  alert_id: string | null
  since: number
}

const ACTIVE_STATES = "('open', 'acknowledged')"

/** A device hash nobody can match, so unknown devices cost the same HMAC as known ones. */
const DECOY_DEVICE_HASH = hashDeviceSecret('decoy')

/** The platform DB on SQLite (path may be `:memory:`). See store/platform-db.ts for the contract. */
export function openPlatformDb(path: string, opts: PlatformDbOptions = {}): PlatformDb {
  // FULL: alerts are written here before they are published (design.md "Delivery guarantees"), and
  // platform writes are rare enough that an fsync per commit costs nothing that matters.
  const db = openSqlite(path, { synchronous: 'FULL' })
  const version = migrate(db, PLATFORM_MIGRATIONS)
  opts.log?.child({ module: 'platform-db' }).info({ path, schemaVersion: version }, 'platform db open')

  const st = {
    upsertSite: db.prepare<[string, string, string]>(
      'INSERT INTO sites (id, county, json) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET county = excluded.county, json = excluded.json'
    ),
    upsertDevice: db.prepare<[string, string, string, string, string | null]>(
      `INSERT INTO devices (id, site_id, dialect, json, secret_hash) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, dialect = excluded.dialect, json = excluded.json,
         secret_hash = COALESCE(excluded.secret_hash, devices.secret_hash)`
    ),
    getSite: db.prepare<[string], JsonRow>('SELECT json FROM sites WHERE id = ?'),
    listSites: db.prepare<[], JsonRow>('SELECT json FROM sites ORDER BY id'),
    listSitesIn: db.prepare<[string], JsonRow>('SELECT json FROM sites WHERE county LIKE ? ORDER BY id'),
    getDevice: db.prepare<[string], JsonRow>('SELECT json FROM devices WHERE id = ?'),
    listDevices: db.prepare<[], JsonRow>('SELECT json FROM devices ORDER BY id'),
    listDevicesOf: db.prepare<[string], JsonRow>('SELECT json FROM devices WHERE site_id = ? ORDER BY id'),
    placement: db.prepare<[string], PlacementRow>(
      'SELECT d.id, d.site_id, d.dialect, s.county FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = ?'
    ),
    setSecret: db.prepare<[string, string]>('UPDATE devices SET secret_hash = ? WHERE id = ?'),
    getSecret: db.prepare<[string], { secret_hash: string | null }>('SELECT secret_hash FROM devices WHERE id = ?'),
    saveAlert: db.prepare<[string, string, string, string, string, number, number, string]>(
      `INSERT OR REPLACE INTO alerts (id, site_id, county, state, level, opened_at, updated_at, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
    ),
    insertAlertIfAbsent: db.prepare<[string, string, string, string, string, number, number, string]>(
      `INSERT INTO alerts (id, site_id, county, state, level, opened_at, updated_at, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
    ),
    updateAlertIf: db.prepare<[string, string, string, string, number, number, string, string, number]>(
      `UPDATE alerts SET site_id = ?, county = ?, state = ?, level = ?, opened_at = ?, updated_at = ?, json = ? WHERE id = ? AND updated_at = ?`
    ),
    getAlert: db.prepare<[string], JsonRow>('SELECT json FROM alerts WHERE id = ?'),
    activeAlert: db.prepare<[string], JsonRow>(
      `SELECT json FROM alerts WHERE site_id = ? AND state IN ${ACTIVE_STATES} ORDER BY opened_at DESC LIMIT 1`
    ),
    setSiteLevel: db.prepare<[string, string, string, string | null, number]>(
      'INSERT OR REPLACE INTO site_levels (site_id, county, level, alert_id, since) VALUES (?, ?, ?, ?, ?)'
    ),
    getSiteLevel: db.prepare<[string], SiteLevelRow>('SELECT * FROM site_levels WHERE site_id = ?'),
    listSiteLevels: db.prepare<[], SiteLevelRow>('SELECT * FROM site_levels ORDER BY site_id'),
    listSiteLevelsIn: db.prepare<[string], SiteLevelRow>('SELECT * FROM site_levels WHERE county LIKE ? ORDER BY site_id')
  }
  const accounts = openAccounts(db)

  const importRegistry = db.transaction((registry: RegistryFile) => {
    for (const raw of registry.sites) {
      const site = siteSchema.parse(raw)
      st.upsertSite.run(site.id, site.county, JSON.stringify(site))
    }
    for (const raw of registry.devices) {
      // deviceSchema strips `secret`: the plaintext never reaches the json column.
      const device = deviceSchema.parse(raw)
      const hash = raw.secret === undefined ? null : hashDeviceSecret(raw.secret)
      st.upsertDevice.run(device.id, device.siteId, device.dialect, JSON.stringify(device), hash)
    }
    return { sites: registry.sites.length, devices: registry.devices.length }
  })

  let closed = false

  return {
    importRegistry: (registry) => importRegistry(registry),
    getSite: (id) => parseOne(st.getSite.get(id), siteSchema.parse),
    listSites: (scope) => {
      const pattern = scopeLikePattern(scope)
      const rows = pattern === undefined ? st.listSites.all() : st.listSitesIn.all(pattern)
      return rows.map((r): Site => siteSchema.parse(JSON.parse(r.json)))
    },
    getDevice: (id) => parseOne(st.getDevice.get(id), deviceSchema.parse),
    listDevices: (siteId) => {
      const rows = siteId === undefined ? st.listDevices.all() : st.listDevicesOf.all(siteId)
      return rows.map((r): Device => deviceSchema.parse(JSON.parse(r.json)))
    },
    getPlacement: (deviceId): DevicePlacement | undefined => {
      const row = st.placement.get(deviceId)
      if (row === undefined) return undefined
      // `province` is the 2-digit prefix the canonical topics carry (domain/topics.ts `prov`).
      return { deviceId: row.id, siteId: row.site_id, county: row.county, province: provincePrefix(row.county), dialect: row.dialect }
    },
    setDeviceSecret: (deviceId, secret) => {
      const { changes } = st.setSecret.run(hashDeviceSecret(secret), deviceId)
      if (changes === 0) throw new StoreError('GH_ERR_UNKNOWN_DEVICE', `unknown device ${deviceId}`)
    },
    verifyDeviceSecret: (deviceId, secret) => {
      const stored = st.getSecret.get(deviceId)?.secret_hash ?? null
      const matches = verifyDeviceSecret(secret, stored ?? DECOY_DEVICE_HASH)
      return stored !== null && matches
    },

    saveAlert: (raw) => {
      const a = alertSchema.parse(raw)
      st.saveAlert.run(a.id, a.siteId, a.county, a.state, a.level, a.openedAt, a.updatedAt, JSON.stringify(a))
    },
    saveAlertIf: (raw, expectedUpdatedAt) => {
      const a = alertSchema.parse(raw)
      const json = JSON.stringify(a)
      const { changes } =
        expectedUpdatedAt === null
          ? st.insertAlertIfAbsent.run(a.id, a.siteId, a.county, a.state, a.level, a.openedAt, a.updatedAt, json)
          : st.updateAlertIf.run(a.siteId, a.county, a.state, a.level, a.openedAt, a.updatedAt, json, a.id, expectedUpdatedAt)
      return changes === 1
    },
    getAlert: (id) => parseOne(st.getAlert.get(id), alertSchema.parse),
    activeAlertForSite: (siteId) => parseOne(st.activeAlert.get(siteId), alertSchema.parse),
    listAlerts: (filter = {}) => listAlerts(db, filter),

    setSiteLevel: (r) => {
      const level = siteLevelSchema.parse(r.level)
      st.setSiteLevel.run(r.siteId, r.county, level, r.alertId, r.since)
    },
    getSiteLevel: (siteId) => {
      const row = st.getSiteLevel.get(siteId)
      return row === undefined ? undefined : toSiteLevel(row)
    },
    listSiteLevels: (scope) => {
      const pattern = scopeLikePattern(scope)
      const rows = pattern === undefined ? st.listSiteLevels.all() : st.listSiteLevelsIn.all(pattern)
      return rows.map(toSiteLevel)
    },

    ...accounts,

    close: () => {
      if (closed) return
      closed = true
      db.close()
    }
  }
}

function listAlerts(db: ReturnType<typeof openSqlite>, filter: AlertFilter): Alert[] {
  const where: string[] = []
  const params: (string | number)[] = []
  const pattern = scopeLikePattern(filter.scope)
  if (pattern !== undefined) {
    where.push('county LIKE ?')
    params.push(pattern)
  }
  if (filter.state === 'active') where.push(`state IN ${ACTIVE_STATES}`)
  else if (filter.state !== undefined) {
    where.push('state = ?')
    params.push(filter.state)
  }
  if (filter.siteId !== undefined) {
    where.push('site_id = ?')
    params.push(filter.siteId)
  }
  // LIMIT -1 is SQLite for "no limit".
  params.push(filter.limit ?? -1)
  const sql = `SELECT json FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id LIMIT ?`
  return db
    .prepare<(string | number)[], JsonRow>(sql)
    .all(...params)
    .map((r) => alertSchema.parse(JSON.parse(r.json)))
}

function parseOne<T>(row: JsonRow | undefined, parse: (v: unknown) => T): T | undefined {
  return row === undefined ? undefined : parse(JSON.parse(row.json))
}

function toSiteLevel(row: SiteLevelRow): SiteLevelRecord {
  return { siteId: row.site_id, county: row.county, level: siteLevelSchema.parse(row.level), alertId: row.alert_id, since: row.since }
}
