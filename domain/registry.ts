import { z } from 'zod'
import { countyCodeSchema, idSchema } from './ids.js'
import { sensorTypeSchema } from './sensors.js'

export const HAZARD_TYPES = ['landslide', 'rockfall', 'debris_flow', 'collapse', 'subsidence'] as const
export const hazardTypeSchema = z.enum(HAZARD_TYPES)
export type HazardType = z.infer<typeof hazardTypeSchema>

export const DIALECTS = ['native', 'dzt0450'] as const
export const dialectSchema = z.enum(DIALECTS)
export type Dialect = z.infer<typeof dialectSchema>

export const locationSchema = z.object({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) })

export const sensorSchema = z.object({
  /** Native devices: any id; DZ/T devices: the point code, e.g. `L3_YL_1`. */
  id: idSchema,
  type: sensorTypeSchema,
  /** Physical validity range of the sensor's main field, in its canonical unit. */
  range: z.object({ min: z.number(), max: z.number() }).optional(),
  /** Acceleration sensors: the vendor's unit (domain.md §2). */
  unit: z.string().max(16).optional(),
  sampleIntvS: z.number().int().positive().default(600),
  uploadIntvS: z.number().int().positive().default(3600),
  /** Intensified reporting interval; firmware default 300 s (domain.md §2). */
  plusIntvS: z.number().int().positive().default(300)
})
export type Sensor = z.infer<typeof sensorSchema>

export const deviceSchema = z.object({
  id: idSchema,
  siteId: idSchema,
  dialect: dialectSchema,
  model: z.string().max(64).optional(),
  sensors: z.array(sensorSchema).min(1)
})
export type Device = z.infer<typeof deviceSchema>

/** A device as it stands in an import file: may carry its plaintext secret, which is stored hashed. */
export const deviceImportSchema = deviceSchema.extend({ secret: z.string().min(8).max(128).optional() })
export type DeviceImport = z.input<typeof deviceImportSchema>

export const siteSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(100),
  hazardType: hazardTypeSchema,
  county: countyCodeSchema,
  location: locationSchema,
  /** People and property threatened (受威胁人数、财产 in 万元). */
  threatenedPeople: z.number().int().min(0).default(0),
  threatenedPropertyWanCny: z.number().min(0).default(0),
  /** The mass-monitoring group (群测群防) that receives public warnings for this site. */
  groupId: idSchema.optional(),
  /** Where residents go when told to evacuate. */
  shelter: z.string().max(100).optional(),
  /** Per-site rule overrides; their shape is the rules service's to validate. */
  rules: z.record(z.string(), z.unknown()).optional()
})
export type Site = z.infer<typeof siteSchema>

export const registryFileSchema = z
  .object({
    version: z.literal(1),
    sites: z.array(siteSchema),
    devices: z.array(deviceImportSchema)
  })
  .superRefine((reg, ctx) => {
    const siteIds = new Set<string>()
    for (const [i, s] of reg.sites.entries()) {
      if (siteIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `duplicate site id ${s.id}` })
      siteIds.add(s.id)
    }
    const deviceIds = new Set<string>()
    for (const [i, d] of reg.devices.entries()) {
      if (deviceIds.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id ${d.id}` })
      deviceIds.add(d.id)
      if (!siteIds.has(d.siteId)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'siteId'], message: `unknown site ${d.siteId}` })
      const sensorIds = new Set<string>()
      for (const [j, s] of d.sensors.entries()) {
        if (sensorIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'sensors', j, 'id'], message: `duplicate sensor id ${s.id}` })
        sensorIds.add(s.id)
      }
    }
  })
export type RegistryFile = z.infer<typeof registryFileSchema>

/** What the broker needs to place a device: everything downstream partitions by it. */
export interface DevicePlacement {
  deviceId: string
  siteId: string
  county: string
  province: string
  dialect: Dialect
}
