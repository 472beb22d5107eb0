import { z } from 'zod'
import { idSchema, timestampSchema } from './ids.js'
import { SENSOR_FIELDS, sensorTypeSchema } from './sensors.js'

/**
 * Native JSON v1, our own dialect, published on `gh/dev/{deviceId}/data`:
 * `{"v":1,"seq":17,"readings":[{"sensor":"YL1","type":"rain","ts":"2026-07-27T10:00:00Z","fields":{"intervalMm":2.4}}]}`
 */
export const nativeReadingSchema = z
  .object({
    sensor: idSchema,
    type: sensorTypeSchema,
    ts: timestampSchema,
    fields: z.record(z.string(), z.number().finite())
  })
  .superRefine((r, ctx) => {
    const allowed: Record<string, string> = SENSOR_FIELDS[r.type]
    const names = Object.keys(r.fields)
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'a reading needs at least one field', path: ['fields'] })
    for (const name of names) {
      if (!(name in allowed)) {
        ctx.addIssue({ code: 'custom', message: `field ${name} is not one of ${r.type}'s: ${Object.keys(allowed).join(', ')}`, path: ['fields', name] })
      }
    }
  })

export const nativeDataSchema = z.object({
  v: z.literal(1),
  seq: z.number().int().min(0).optional(),
  readings: z.array(nativeReadingSchema).min(1).max(1000)
})
export type NativeData = z.input<typeof nativeDataSchema>

/** Native JSON v1 status, published on `gh/dev/{deviceId}/status`. */
export const nativeStatusSchema = z.object({
  v: z.literal(1),
  ts: timestampSchema,
  batteryPct: z.number().min(0).max(100).optional(),
  batteryV: z.number().optional(),
  extPowerV: z.number().optional(),
  solarV: z.number().optional(),
  tempC: z.number().optional(),
  humidityPct: z.number().optional(),
  lon: z.number().min(-180).max(180).optional(),
  lat: z.number().min(-90).max(90).optional(),
  signal4g: z.number().optional(),
  swVersion: z.string().max(64).optional(),
  workMode: z.number().int().min(0).max(2).optional(),
  sensorState: z.record(idSchema, z.number().int()).default({})
})
export type NativeStatus = z.input<typeof nativeStatusSchema>
