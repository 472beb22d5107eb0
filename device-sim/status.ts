import type { DeviceImport } from '../domain/index.js'
import { rainCumulativeMm, rainRateMmPerH } from './models/rain.js'
import { between, gaussian, roundTo, uniform } from './prng.js'
import type { SitePlan } from './site-plan.js'
import { beijingHour, hoursAt, missedSample, type SampleContext } from './station.js'

/** A heartbeat in canonical names (domain/readings.ts DeviceStatus), before dialect encoding. */
export interface StatusSample {
  tMs: number
  batteryPct: number
  batteryV: number
  extPowerV: number
  solarV: number
  tempC: number
  humidityPct: number
  lon: number
  lat: number
  signal4g: number
  swVersion: string
  workMode: number
  /** Per sensor id: 0 normal, −3 no sample in the interval (domain.md §2). */
  sensorState: Record<string, number>
}

const SW_VERSIONS = ['1.09.250808.RK00PX.BETA', '1.08.241120.RK00PX', '2.3.1'] as const

/** Work mode 2 (intensified) while simulating: the replayed history is the intensified 300 s. */
const INTENSIFIED = 2

export function sampleStatus(ctx: SampleContext, plan: SitePlan, device: DeviceImport, tMs: number): StatusSample {
  const { seed } = ctx
  const key = `${device.id}/status/${tMs - ctx.startMs}`
  const tH = hoursAt(ctx, tMs)
  const hour = beijingHour(tMs)
  const rainRate = rainRateMmPerH(plan.storms, tH)
  const recentRainMm = rainCumulativeMm(plan.storms, tH) - rainCumulativeMm(plan.storms, tH - 6)
  // Panel output follows the sun (06–19 h Beijing) and drops under rain clouds.
  const sun = Math.max(0, Math.sin((Math.PI * (hour - 6)) / 13))
  const cloud = 1 - 0.8 * Math.min(1, rainRate / 10)
  const solarV = 18.5 * sun * cloud
  const batteryPct = clamp(
    62 + 25 * Math.sin((2 * Math.PI * (hour - 10)) / 24) - Math.min(25, recentRainMm / 6) + 1.5 * gaussian(seed, `${key}/bat`),
    3,
    100
  )
  const sensorState: Record<string, number> = {}
  for (const s of device.sensors) sensorState[s.id] = missedSample(ctx, device.id, s.id, tMs) ? -3 : 0
  const site = plan.site
  return {
    tMs,
    batteryPct: Math.round(batteryPct),
    batteryV: roundTo(11.4 + (1.4 * batteryPct) / 100, 2),
    extPowerV: roundTo(12.1 + 0.05 * gaussian(seed, `${key}/ext`), 2),
    solarV: roundTo(solarV, 2),
    tempC: roundTo(14 + 7 * Math.sin((2 * Math.PI * (hour - 9)) / 24) - Math.min(4, rainRate / 5) + 0.3 * gaussian(seed, `${key}/t`), 2),
    humidityPct: roundTo(clamp(68 + 25 * Math.min(1, rainRate / 5) - 10 * sun + 2 * gaussian(seed, `${key}/h`), 20, 100), 2),
    // Receivers sit within a few hundred metres of the site's reference point.
    lon: roundTo(site.location.lon + between(seed, `${device.id}/dlon`, -0.003, 0.003), 6),
    lat: roundTo(site.location.lat + between(seed, `${device.id}/dlat`, -0.003, 0.003), 6),
    signal4g: Math.round(clamp(between(seed, `${device.id}/sig`, 14, 28) + 2 * gaussian(seed, `${key}/sig`), 0, 31)),
    swVersion: SW_VERSIONS[Math.floor(uniform(seed, `${device.id}/sw`) * SW_VERSIONS.length)] ?? SW_VERSIONS[0],
    workMode: INTENSIFIED,
    sensorState
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v))
}
