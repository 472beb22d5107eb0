import { z } from 'zod'
import { countyCodeSchema, idSchema } from './ids.js'
import { sensorTypeSchema } from './sensors.js'

/** The canonical reading every consumer works with, whatever dialect the device speaks. */
export const readingSchema = z.object({
  deviceId: idSchema,
  sensorId: idSchema,
  type: sensorTypeSchema,
  siteId: idSchema,
  county: countyCodeSchema,
  /** Device time, epoch ms. */
  ts: z.number().int(),
  fields: z.record(z.string(), z.number()),
  seq: z.number().int().optional()
})
export type Reading = z.infer<typeof readingSchema>

/** Device health (`S1_ZT_1` in DZ/T, `status` in native JSON). */
export const deviceStatusSchema = z.object({
  deviceId: idSchema,
  siteId: idSchema,
  county: countyCodeSchema,
  ts: z.number().int(),
  batteryPct: z.number().optional(),
  batteryV: z.number().optional(),
  extPowerV: z.number().optional(),
  solarV: z.number().optional(),
  tempC: z.number().optional(),
  humidityPct: z.number().optional(),
  lon: z.number().optional(),
  lat: z.number().optional(),
  signal4g: z.number().optional(),
  signalNb: z.number().optional(),
  signalBd: z.number().optional(),
  swVersion: z.string().optional(),
  workMode: z.number().int().optional(),
  /** Per sensor: 0 normal, −1 power fault, −2 sensor data fault, −3 no sample (domain.md §2). */
  sensorState: z.record(z.string(), z.number().int())
})
export type DeviceStatus = z.infer<typeof deviceStatusSchema>

export const SENSOR_STATE = Object.freeze({ normal: 0, powerFault: -1, dataFault: -2, noSample: -3 })

/** What one uplink message decodes to. */
export interface Uplink {
  readings: Reading[]
  statuses: DeviceStatus[]
}
