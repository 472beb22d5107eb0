import { z } from 'zod'
import {
  ALERT_LEVELS,
  alertSchema,
  alertStateSchema,
  deviceStatusSchema,
  dialectSchema,
  dispositionSchema,
  hazardTypeSchema,
  idSchema,
  locationSchema,
  readingSchema,
  spoolStatsSchema,
  REGION_LEVELS,
  regionCodeSchema,
  sensorSchema,
  sensorTypeSchema,
  siteLevelSchema
} from '../domain/index.js'
import { AGGREGATE_FNS } from '../store/readings-store.js'
import type { RegionNode } from './region-tree.js'

/** The HTTP shapes of /tmp/dashboard-api.md; the OpenAPI document is generated from these. */

export const errorBodySchema = z.object({ code: z.string(), message: z.string() })

export const sessionInfoSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  region: regionCodeSchema
})

export const loginBodySchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256)
})

export const okSchema = z.object({ ok: z.literal(true) })

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  uptimeS: z.number(),
  broker: z.object({ connected: z.boolean() }),
  readingsStore: z.object({ kind: z.enum(['sqlite', 'influxdb']), ok: z.boolean() }),
  platformDb: z.object({ ok: z.boolean() }),
  /** The other services, by `service` (same process) or `service/instance` (heard on gh/sys). */
  services: z.record(
    z.string(),
    z.object({
      service: z.string(),
      source: z.enum(['in-process', 'mqtt']),
      online: z.boolean(),
      reportedAt: z.number().int(),
      stale: z.boolean()
    })
  ),
  /** Ingest's durable spool(s): size and age (design.md "Delivery guarantees"). */
  spools: z.array(spoolStatsSchema.extend({ key: z.string() })),
  /** Additive: the dashboard's own counters (live sockets, rejected inputs by kind). */
  dashboard: z.object({ sockets: z.number().int(), rejected: z.record(z.string(), z.number().int()) }).optional()
})

const alertCountsSchema = z.object(Object.fromEntries(ALERT_LEVELS.map((l) => [l, z.number().int()])) as Record<(typeof ALERT_LEVELS)[number], z.ZodNumber>)

/** Recursive, so it needs an id: the OpenAPI document refers to it as `RegionNode`. */
export const regionNodeSchema: z.ZodType<RegionNode> = z.object({
  code: regionCodeSchema,
  name: z.string(),
  level: z.enum(REGION_LEVELS),
  activeLevel: siteLevelSchema,
  siteCount: z.number().int(),
  alertCounts: alertCountsSchema,
  get children(): z.ZodArray<z.ZodType<RegionNode>> {
    return z.array(regionNodeSchema)
  }
}).meta({ id: 'RegionNode' })

export const siteSummarySchema = z.object({
  id: idSchema,
  name: z.string(),
  hazardType: hazardTypeSchema,
  county: regionCodeSchema,
  countyName: z.string(),
  location: locationSchema,
  threatenedPeople: z.number().int(),
  level: siteLevelSchema,
  alertId: idSchema.nullable(),
  deviceCount: z.number().int()
})
export type SiteSummary = z.infer<typeof siteSummarySchema>

export const siteDetailSchema = z.object({
  site: siteSummarySchema.extend({
    regionPath: z.array(z.object({ code: regionCodeSchema, name: z.string() })),
    shelter: z.string().optional()
  }),
  devices: z.array(
    z.object({
      id: idSchema,
      dialect: dialectSchema,
      model: z.string().optional(),
      sensors: z.array(sensorSchema),
      online: z.boolean().nullable(),
      lastSeen: z.number().int().nullable()
    })
  ),
  latest: z.array(readingSchema),
  statuses: z.array(deviceStatusSchema)
})

export const siteIdParamsSchema = z.object({ id: idSchema })
export const sitesQuerySchema = z.object({ region: regionCodeSchema.optional() })

/** Epoch ms (digits) or an ISO-8601 timestamp with `Z` or an offset. */
export const instantSchema = z.string().transform((s, ctx) => {
  const ms = /^\d{1,15}$/.test(s) ? Number(s) : /^\d{4}-\d\d-\d\dT/.test(s) ? Date.parse(s) : Number.NaN
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO-8601 timestamp' })
    return z.NEVER
  }
  return ms
})

const EVERY_UNITS_MS: Readonly<Record<string, number>> = Object.freeze({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 })

/** `5m`, `1h`, `1d`, `30s` or plain milliseconds; at least one second. */
const everySchema = z.string().transform((s, ctx) => {
  const m = /^(\d{1,9})([smhd]?)$/.exec(s)
  const ms = m === null ? Number.NaN : Number(m[1]) * (m[2] === '' ? 1 : (EVERY_UNITS_MS[m[2] ?? ''] ?? Number.NaN))
  if (!(ms >= 1000)) {
    ctx.addIssue({ code: 'custom', message: 'expected a window like 5m, 1h, 1d or milliseconds ≥ 1000' })
    return z.NEVER
  }
  return ms
})

export const readingsQuerySchema = z.object({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  every: everySchema.optional(),
  type: sensorTypeSchema.optional(),
  fn: z.enum(AGGREGATE_FNS).optional(),
  deviceId: idSchema.optional(),
  sensorId: idSchema.optional()
})

export const readingsResponseSchema = z.object({
  siteId: idSchema,
  from: z.number().int(),
  to: z.number().int(),
  everyMs: z.number().int(),
  fn: z.enum(AGGREGATE_FNS),
  points: z.array(
    z.object({
      ts: z.number().int(),
      deviceId: idSchema,
      sensorId: idSchema,
      type: sensorTypeSchema,
      fields: z.record(z.string(), z.number())
    })
  )
})

export const alertsQuerySchema = z.object({
  state: z.union([alertStateSchema, z.literal('active')]).optional(),
  siteId: idSchema.optional(),
  /** Additive to the contract: at most this many, newest first. */
  limit: z.coerce.number().int().min(1).max(1000).default(500)
})

export const alertIdParamsSchema = z.object({ id: idSchema })
export const noteBodySchema = z.object({ note: z.string().max(2000).optional() }).default({})
export const addNoteBodySchema = z.object({ note: z.string().trim().min(1).max(2000) })
export const resolveBodySchema = z.object({ disposition: dispositionSchema, note: z.string().max(2000).optional() })
export const alertResponseSchema = z.object({ alert: alertSchema })
export const alertsResponseSchema = z.object({ alerts: z.array(alertSchema) })
