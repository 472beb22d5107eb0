import { randomUUID } from 'node:crypto'
import type pino from 'pino'
import {
  encodeDztCommand,
  encodeNativeCommand,
  levelRank,
  topics,
  WORK_MODE,
  type Alert,
  type Device,
  type DeviceCommand
} from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { Publisher } from './alert-sink.js'

/**
 * Intensified reporting (domain.md §3): once a site's alert reaches yellow its devices switch to
 * work mode 2 (`setworkmode&mode=2`), and back to mode 0 when the alert resolves. Natives get the
 * JSON command on `gh/dev/{id}/cmd`, DZ/T devices the ASCII one on `$creq/{id}/cmd`.
 * A debris-flow site at red also sounds its on-site sirens (`$cmd=alarm`, domain.md §3 "Mud level":
 * "→ red, and drive the on-site siren"), silenced when the alert resolves.
 */

/** domain.md §3: "On any site level ≥ yellow … switch its devices to intensified reporting". */
export const INTENSIFY_AT = 'yellow'

export interface DeviceCommandStats {
  commandsSent: number
  /** DZ/T commands not sent because no API key is configured. */
  commandsSkipped: number
  intensifiedSites: number
  /** Debris-flow sites whose sirens are sounding. */
  sirenSites: number
}

export interface DeviceCommander {
  /** After every saved alert change: intensify or release its site as needed. */
  onAlert(alert: Alert): void
  /** A restart: sites whose active alert reached yellow are already intensified; no command resent. */
  resume(active: readonly Alert[]): void
  stats(): DeviceCommandStats
}

export interface DeviceCommanderOptions {
  db: PlatformDb
  publisher: Publisher
  log: pino.Logger
  /** The deployment's DZ/T `apikey`; undefined: DZ/T devices get no command (warned once). */
  dztApiKey: string | undefined
  /** DZ/T devices ignore a repeated msgid (domain.md §2), so each command gets a fresh one. */
  newMsgId?: () => string
}

function shouldIntensify(alert: Alert): boolean {
  return alert.state !== 'resolved' && levelRank(alert.peakLevel) >= levelRank(INTENSIFY_AT)
}

/** Sirens sound for a debris flow at red and stay on until the alert resolves. */
function shouldSound(alert: Alert, debrisFlow: boolean): boolean {
  return debrisFlow && alert.state !== 'resolved' && alert.peakLevel === 'red'
}

export function createDeviceCommander(opts: DeviceCommanderOptions): DeviceCommander {
  const { db, publisher, dztApiKey } = opts
  const log = opts.log.child({ module: 'device-commands' })
  const newMsgId = opts.newMsgId ?? (() => randomUUID().replaceAll('-', ''))
  const intensified = new Set<string>()
  const sounding = new Set<string>()
  const stats = { commandsSent: 0, commandsSkipped: 0 }
  let warnedNoKey = false

  function isDebrisFlow(siteId: string): boolean {
    try {
      return db.getSite(siteId)?.hazardType === 'debris_flow'
    } catch (err) {
      log.error({ err, siteId }, 'could not read the site: its hazard type is unknown')
      return false
    }
  }

  /** One command per device of the site; `cmdFor` may tailor it to the device. */
  function command(siteId: string, cmdFor: DeviceCommand | ((device: Device) => DeviceCommand)): void {
    let devices
    try {
      devices = db.listDevices(siteId)
    } catch (err) {
      log.error({ err, siteId }, 'could not list the site’s devices: no command sent')
      return
    }
    for (const d of devices) {
      const cmd = typeof cmdFor === 'function' ? cmdFor(d) : cmdFor
      if (d.dialect === 'native') {
        publisher.publish(topics.nativeCommand(d.id), encodeNativeCommand(cmd, newMsgId()), false)
        stats.commandsSent++
      } else if (dztApiKey !== undefined) {
        publisher.publish(topics.dztCommand(d.id), encodeDztCommand(cmd, dztApiKey, newMsgId()), false)
        stats.commandsSent++
      } else {
        stats.commandsSkipped++
        if (!warnedNoKey) {
          warnedNoKey = true
          log.warn({ deviceId: d.id }, 'GEOWARN_DZT_API_KEY is not set: DZ/T devices get no commands')
        }
      }
    }
    log.info({ siteId, cmd: typeof cmdFor === 'function' ? 'per device' : cmdFor, devices: devices.length }, 'site devices commanded')
  }

  return {
    onAlert(alert) {
      const sound = shouldSound(alert, isDebrisFlow(alert.siteId))
      if (sound !== sounding.has(alert.siteId)) {
        if (sound) sounding.add(alert.siteId)
        else sounding.delete(alert.siteId)
        // The alarm names a point of the device (its first sensor); `none` is DZ/T level code 4, normal.
        command(alert.siteId, (d) => ({ cmd: 'alarm', point: d.sensors[0]?.id ?? d.id, level: sound ? 'red' : 'none' }))
      }
      const want = shouldIntensify(alert)
      if (want === intensified.has(alert.siteId)) return
      if (want) intensified.add(alert.siteId)
      else intensified.delete(alert.siteId)
      command(alert.siteId, { cmd: 'setworkmode', mode: want ? WORK_MODE.intensified : WORK_MODE.normal })
    },
    resume(active) {
      for (const a of active) {
        if (shouldIntensify(a)) intensified.add(a.siteId)
        if (shouldSound(a, isDebrisFlow(a.siteId))) sounding.add(a.siteId)
      }
    },
    stats: () => ({ ...stats, intensifiedSites: intensified.size, sirenSites: sounding.size })
  }
}
