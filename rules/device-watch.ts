import type pino from 'pino'
import type { PlatformDb } from '../store/platform-db.js'
import { RULES_ACTOR } from './alert-lifecycle.js'
import { offlineDevices, onlineRate } from './device-health.js'
import type { MaintenanceItem } from './engine.js'

/**
 * Device health in the shell: the last report of every device and the offline sweep on a timer
 * (the pure rules are device-health.ts), plus the engine's `sensor_state` items. Data faults open
 * maintenance items, never hazard warnings (issue 3): each opening and closing is logged once and
 * recorded in the platform DB's audit trail (`maintenance.open` / `maintenance.close`, target
 * `device:<id>`).
 */

export interface DeviceWatchStats {
  devicesWatched: number
  devicesOffline: number
  /** Sites below the 70 % online rate at the last sweep (device-health.ts). */
  sitesNonCompliant: number
  maintenanceOpened: number
  maintenanceClosed: number
}

export interface DeviceWatch {
  /** A report from a device (reading or status), at the wall-clock time it arrived. */
  seen(deviceId: string, siteId: string, atMs: number): void
  /** What engine.ingestStatus returned. */
  maintenance(items: readonly MaintenanceItem[]): void
  sweep(): void
  stats(): DeviceWatchStats
  close(): void
}

export interface DeviceWatchOptions {
  db: PlatformDb
  log: pino.Logger
  now: () => number
  /** Region scope of this instance's partition; undefined: all. */
  scope?: string | undefined
  offlineAfterMs: number
  sweepMs: number
}

export function createDeviceWatch(opts: DeviceWatchOptions): DeviceWatch {
  const { db, now, offlineAfterMs } = opts
  const log = opts.log.child({ module: 'device-health' })
  const lastSeen = new Map<string, number>()
  const siteOf = new Map<string, string>()
  const offline = new Set<string>()
  const counts = { maintenanceOpened: 0, maintenanceClosed: 0, sitesNonCompliant: 0 }

  function record(kind: 'opened' | 'closed', deviceId: string, detail: Record<string, unknown>): void {
    if (kind === 'opened') counts.maintenanceOpened++
    else counts.maintenanceClosed++
    try {
      db.audit({ at: now(), actor: RULES_ACTOR, action: kind === 'opened' ? 'maintenance.open' : 'maintenance.close', target: `device:${deviceId}`, detail })
    } catch (err) {
      log.error({ err, deviceId, kind }, 'maintenance item not recorded')
    }
  }

  // Registered devices start the clock at our start: a silent one goes offline after the full delay.
  const startMs = now()
  try {
    const ours = new Set(db.listSites(opts.scope).map((s) => s.id))
    for (const d of db.listDevices()) {
      if (!ours.has(d.siteId)) continue
      lastSeen.set(d.id, startMs)
      siteOf.set(d.id, d.siteId)
    }
  } catch (err) {
    log.error({ err }, 'could not read the registry: devices are watched from their first report')
  }

  function seen(deviceId: string, siteId: string, atMs: number): void {
    siteOf.set(deviceId, siteId)
    const last = lastSeen.get(deviceId)
    if (last === undefined || atMs > last) lastSeen.set(deviceId, atMs)
    if (offline.has(deviceId) && now() - (lastSeen.get(deviceId) ?? atMs) < offlineAfterMs) {
      offline.delete(deviceId)
      log.info({ deviceId, siteId }, 'device back online: maintenance item closed')
      record('closed', deviceId, { reason: 'offline', siteId })
    }
  }

  function maintenance(items: readonly MaintenanceItem[]): void {
    for (const i of items) {
      const detail = { reason: 'sensor_state', siteId: i.siteId, sensorId: i.sensorId, sensorState: i.code, at: i.at }
      if (i.kind === 'opened') log.warn(detail, 'sensor fault: maintenance item opened')
      else log.info(detail, 'sensor fault cleared: maintenance item closed')
      record(i.kind, i.deviceId, detail)
    }
  }

  function sweep(): void {
    const nowMs = now()
    for (const deviceId of offlineDevices(lastSeen, nowMs, offlineAfterMs)) {
      if (offline.has(deviceId)) continue
      offline.add(deviceId)
      const detail = { reason: 'offline', siteId: siteOf.get(deviceId), lastMs: lastSeen.get(deviceId) }
      log.warn({ deviceId, ...detail }, 'device offline: maintenance item opened')
      record('opened', deviceId, detail)
    }
    const bySite = new Map<string, string[]>()
    for (const [deviceId, siteId] of siteOf) {
      const ids = bySite.get(siteId)
      if (ids === undefined) bySite.set(siteId, [deviceId])
      else ids.push(deviceId)
    }
    let nonCompliant = 0
    for (const ids of bySite.values()) if (!onlineRate(ids, lastSeen, nowMs, offlineAfterMs).compliant) nonCompliant++
    counts.sitesNonCompliant = nonCompliant
  }

  const timer = setInterval(sweep, opts.sweepMs)
  timer.unref()

  return {
    seen,
    maintenance,
    sweep,
    stats: () => ({ devicesWatched: lastSeen.size, devicesOffline: offline.size, ...counts }),
    close: () => clearInterval(timer)
  }
}
