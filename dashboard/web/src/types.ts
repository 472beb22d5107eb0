import type { z } from 'zod'
import type { healthSchema, readingsResponseSchema, siteDetailSchema, siteSummarySchema } from '../../schemas.js'
import type { Alert, AlertEvent, SiteAlertState } from '../../../domain/alerts.js'
import type { AlertLevel, SiteLevel } from '../../../domain/levels.js'
import type { DeviceStatus, Reading } from '../../../domain/readings.js'
import type { SensorType } from '../../../domain/sensors.js'
import type { SessionInfo } from '../../../domain/socket-events.js'

export type { Alert, AlertEvent, AlertLevel, DeviceStatus, Reading, SensorType, SessionInfo, SiteAlertState, SiteLevel }

/**
 * Response shapes of the dashboard REST API: the server's zod schemas are the truth, imported as
 * types only, so nothing of zod reaches the browser bundle.
 */
export type { RegionNode } from '../../region-tree.js'
export type SiteSummary = z.infer<typeof siteSummarySchema>
export type SiteDetail = z.infer<typeof siteDetailSchema>
export type SiteDevice = SiteDetail['devices'][number]
export type ReadingsResponse = z.infer<typeof readingsResponseSchema>
export type AggregatePoint = ReadingsResponse['points'][number]
export type Health = z.infer<typeof healthSchema>
export type { OfflineDevicesResponse, StatsResponse } from '../../schemas-stats.js'
export type { BoundaryFeature } from '../../boundaries.js'

export interface ReadingsQuery {
  from: number
  to: number
  every: string
  type: SensorType
  fn?: 'mean' | 'min' | 'max' | 'sum' | 'last' | 'count'
}
