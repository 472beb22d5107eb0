import { z } from 'zod'
import { ALERT_LEVELS, idSchema, regionCodeSchema } from '../domain/index.js'
import { instantSchema } from './schemas.js'

/** The HTTP shapes of /api/stats and /api/devices/offline (dashboard/stats.ts computes them). */

const levelCountsSchema = z.object(Object.fromEntries(ALERT_LEVELS.map((l) => [l, z.number().int()])) as Record<(typeof ALERT_LEVELS)[number], z.ZodNumber>)

const ackSummarySchema = z.object({
  count: z.number().int(),
  unacknowledged: z.number().int(),
  medianMs: z.number().nullable(),
  p90Ms: z.number().nullable(),
  maxMs: z.number().nullable()
})

export const statsQuerySchema = z.object({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  /** Narrow to a region inside the caller's jurisdiction (as /api/sites?region=). */
  region: regionCodeSchema.optional()
})

export const statsResponseSchema = z.object({
  scope: regionCodeSchema,
  from: z.number().int(),
  to: z.number().int(),
  total: z.number().int(),
  byLevel: levelCountsSchema,
  byRegion: z.array(z.object({ code: regionCodeSchema, name: z.string(), total: z.number().int(), counts: levelCountsSchema })),
  byDay: z.array(z.object({ day: z.string(), counts: levelCountsSchema })),
  ack: ackSummarySchema.extend({ byLevel: z.object(Object.fromEntries(ALERT_LEVELS.map((l) => [l, ackSummarySchema])) as Record<(typeof ALERT_LEVELS)[number], typeof ackSummarySchema>) }),
  devices: z.object({
    total: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    unknown: z.number().int(),
    rate: z.number().nullable(),
    byCounty: z.array(
      z.object({
        county: regionCodeSchema,
        name: z.string(),
        total: z.number().int(),
        online: z.number().int(),
        offline: z.number().int(),
        unknown: z.number().int(),
        rate: z.number().nullable()
      })
    )
  })
})
export type StatsResponse = z.infer<typeof statsResponseSchema>

export const offlineQuerySchema = z.object({ region: regionCodeSchema.optional() })

export const offlineDevicesResponseSchema = z.object({
  /** Registry devices in scope. */
  total: z.number().int(),
  /** Not online: presence says offline (`online: false`) or none heard since the dashboard started (`null`). */
  devices: z.array(
    z.object({
      id: idSchema,
      siteId: idSchema,
      siteName: z.string(),
      county: regionCodeSchema,
      countyName: z.string(),
      online: z.literal(false).nullable(),
      lastSeen: z.number().int().nullable()
    })
  )
})
export type OfflineDevicesResponse = z.infer<typeof offlineDevicesResponseSchema>
