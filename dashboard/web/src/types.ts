import type { Alert, AlertEvent, SiteAlertState } from '../../../domain/alerts.js'
import type { AlertLevel, SiteLevel } from '../../../domain/levels.js'
import type { DeviceStatus, Reading } from '../../../domain/readings.js'
import type { Sensor } from '../../../domain/registry.js'
import type { SensorType } from '../../../domain/sensors.js'
import type { SessionInfo } from '../../../domain/socket-events.js'

export type { Alert, AlertEvent, AlertLevel, DeviceStatus, Reading, SensorType, SessionInfo, SiteAlertState, SiteLevel }

/** Response shapes of the dashboard REST API (/tmp/dashboard-api.md, mirrored by GET /api/docs). */
export interface RegionNode {
  code: string
  name: string
  level: 'nation' | 'province' | 'city' | 'county'
  activeLevel: SiteLevel
  siteCount: number
  alertCounts: Record<AlertLevel, number>
  children: RegionNode[]
}

export interface SiteSummary {
  id: string
  name: string
  hazardType: string
  county: string
  countyName: string
  location: { lon: number; lat: number }
  threatenedPeople: number
  level: SiteLevel
  alertId: string | null
  deviceCount: number
}

export interface SiteDevice {
  id: string
  dialect: string
  model?: string
  sensors: Sensor[]
  online: boolean | null
  lastSeen: number | null
}

export interface SiteDetail {
  site: SiteSummary & { regionPath: Array<{ code: string; name: string }>; shelter?: string }
  devices: SiteDevice[]
  latest: Reading[]
  statuses: DeviceStatus[]
}

export interface AggregatePoint {
  ts: number
  deviceId: string
  sensorId: string
  type: SensorType
  fields: Record<string, number>
}

export interface ReadingsResponse {
  siteId: string
  from: number
  to: number
  everyMs: number
  fn: string
  points: AggregatePoint[]
}

export interface ReadingsQuery {
  from: number
  to: number
  every: string
  type: SensorType
  fn?: 'mean' | 'min' | 'max' | 'sum' | 'last' | 'count'
}
