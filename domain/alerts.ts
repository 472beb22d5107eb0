import { z } from 'zod'
import { countyCodeSchema, idSchema, regionCodeSchema } from './ids.js'
import { alertLevelSchema, siteLevelSchema } from './levels.js'

/** Why a level was reached: which rule, which values, which thresholds (design.md data model). */
export const evidenceSchema = z.object({
  /** Indicator name, e.g. `rain.1h`, `displacement.velocity`. */
  indicator: z.string(),
  level: alertLevelSchema,
  deviceId: idSchema.optional(),
  sensorId: idSchema.optional(),
  value: z.number(),
  threshold: z.number(),
  unit: z.string(),
  /** Device time of the reading that tipped it, epoch ms. */
  at: z.number().int()
})
export type Evidence = z.infer<typeof evidenceSchema>

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const
export const alertStateSchema = z.enum(ALERT_STATES)
export type AlertStateName = z.infer<typeof alertStateSchema>

export const DISPOSITIONS = ['confirmed', 'false_alarm', 'evacuated', 'sensor_fault', 'hazard_ended', 'other'] as const
export const dispositionSchema = z.enum(DISPOSITIONS)
export type Disposition = z.infer<typeof dispositionSchema>

export const levelChangeSchema = z.object({
  at: z.number().int(),
  from: siteLevelSchema,
  to: siteLevelSchema,
  evidence: z.array(evidenceSchema)
})
export type LevelChange = z.infer<typeof levelChangeSchema>

export const alertActionSchema = z.object({
  at: z.number().int(),
  by: z.string(),
  action: z.enum(['acknowledge', 'escalate', 'resolve', 'note']),
  note: z.string().max(2000).optional(),
  disposition: dispositionSchema.optional()
})
export type AlertAction = z.infer<typeof alertActionSchema>

export const escalationSchema = z.object({ at: z.number().int(), toRegion: regionCodeSchema, reason: z.string() })

/** One alert per site and hazard episode. */
export const alertSchema = z.object({
  id: idSchema,
  siteId: idSchema,
  county: countyCodeSchema,
  level: alertLevelSchema,
  peakLevel: alertLevelSchema,
  state: alertStateSchema,
  openedAt: z.number().int(),
  updatedAt: z.number().int(),
  resolvedAt: z.number().int().nullable(),
  disposition: dispositionSchema.nullable(),
  history: z.array(levelChangeSchema),
  actions: z.array(alertActionSchema),
  escalations: z.array(escalationSchema)
})
export type Alert = z.infer<typeof alertSchema>

export const ALERT_EVENT_KINDS = ['opened', 'raised', 'lowered', 'acknowledged', 'escalated', 'resolved', 'noted'] as const

/** Published on `gh/alert/{prov}/{county}/{siteId}`. */
export const alertEventSchema = z.object({
  kind: z.enum(ALERT_EVENT_KINDS),
  at: z.number().int(),
  alert: alertSchema
})
export type AlertEvent = z.infer<typeof alertEventSchema>

/** Retained on `gh/alert-state/{prov}/{county}/{siteId}`: the site's current level. */
export const siteAlertStateSchema = z.object({
  siteId: idSchema,
  county: countyCodeSchema,
  level: siteLevelSchema,
  alertId: idSchema.nullable(),
  since: z.number().int()
})
export type SiteAlertState = z.infer<typeof siteAlertStateSchema>

/** Retained on `gh/presence/{prov}/{county}/{siteId}/{deviceId}`. */
export const presenceSchema = z.object({ online: z.boolean(), since: z.number().int() })
export type Presence = z.infer<typeof presenceSchema>

/** Retained on `gh/public/{county}/{groupId}`: what residents see, in plain words. */
export const publicWarningSchema = z.object({
  county: countyCodeSchema,
  groupId: idSchema,
  siteId: idSchema,
  level: siteLevelSchema,
  at: z.number().int(),
  headline: z.string(),
  instruction: z.string()
})
export type PublicWarning = z.infer<typeof publicWarningSchema>
