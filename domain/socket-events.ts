import type { AlertEvent, SiteAlertState } from './alerts.js'
import { idSchema } from './ids.js'
import type { Reading } from './readings.js'

/** Presence of one device as the dashboard forwards it. */
export interface DevicePresence {
  deviceId: string
  siteId: string
  county: string
  online: boolean
  since: number
}

export interface SessionInfo {
  username: string
  displayName: string
  role: string
  region: string
}

export type Ack = (res: { ok: true } | { ok: false; reason: string }) => void

/**
 * Socket.IO event maps (server → browser and browser → server). A socket joins the room of its
 * user's jurisdiction on connect; every event is emitted only to rooms that contain its site.
 */
export interface ServerToClientEvents {
  session: (info: SessionInfo) => void
  alert: (event: AlertEvent) => void
  'site-level': (state: SiteAlertState) => void
  /** Only for sites the socket watches. */
  reading: (reading: Reading) => void
  presence: (p: DevicePresence) => void
}

export interface ClientToServerEvents {
  'watch-site': (siteId: unknown, ack?: Ack) => void
  'unwatch-site': (siteId: unknown, ack?: Ack) => void
}

/** Whatever the browser sends is parsed too (style.md "Boundaries"). */
export const watchSiteSchema = idSchema
