import type { DeviceImport, SensorType } from '../domain/index.js'
import { displacementMm } from './models/displacement.js'
import { bucketCumulativeMm, gaugeIntervalMm, rainCumulativeMm } from './models/rain.js'
import { between, gaussian, roundTo, uniform } from './prng.js'
import type { Scenario } from './scenario.js'
import type { SitePlan } from './site-plan.js'

/**
 * Station models: each value a pure function of (seed, site plan, device, sensor, time). Noise is
 * drawn from a key that names the device, sensor and scenario time, so replays are identical.
 */
export interface SampleContext {
  seed: number
  /** Wall-clock ms of scenario hour 0. */
  startMs: number
  noSampleRate: number
  gnssOutlierRate: number
  /** From this wall time on, the models run `speed` times faster than the clock (demo fast-forward). */
  liveStartMs: number
  speed: number
}

export function sampleContext(scenario: Scenario, startMs: number, liveStartMs = startMs, speed = 1): SampleContext {
  return {
    seed: scenario.seed,
    startMs,
    noSampleRate: scenario.faults.noSampleRate,
    gnssOutlierRate: scenario.faults.gnssOutlierRate,
    liveStartMs,
    speed
  }
}

export type SimSensor = DeviceImport['sensors'][number]

export interface SensorSample {
  sensorId: string
  type: SensorType
  tMs: number
  /** Canonical fields (domain/sensors.ts SENSOR_FIELDS), units in the names. */
  fields: Record<string, number>
}

const MS_PER_H = 3_600_000

/** Model time in scenario hours of a wall-clock instant (timestamps always stay wall time). */
export function hoursAt(ctx: SampleContext, tMs: number): number {
  const aheadMs = ctx.speed !== 1 && tMs > ctx.liveStartMs ? (tMs - ctx.liveStartMs) * (ctx.speed - 1) : 0
  return (tMs - ctx.startMs + aheadMs) / MS_PER_H
}

/** The wall time at which the model reaches scenario hour `h` (inverse of hoursAt). */
export function wallTimeOf(ctx: SampleContext, h: number): number {
  const modelMs = ctx.startMs + h * MS_PER_H
  if (modelMs <= ctx.liveStartMs) return modelMs
  return ctx.liveStartMs + (modelMs - ctx.liveStartMs) / ctx.speed
}

/** Whether the sensor missed this sample: reported as sensor_state −3 (domain.md §2). */
export function missedSample(ctx: SampleContext, deviceId: string, sensorId: string, tMs: number): boolean {
  return uniform(ctx.seed, `miss/${deviceId}/${sensorId}/${tMs - ctx.startMs}`) < ctx.noSampleRate
}

/** One sensor's reading at `tMs`; `prevMs` is the previous report time (rain sums the period between). */
export function sampleSensor(
  ctx: SampleContext,
  plan: SitePlan,
  deviceId: string,
  sensor: SimSensor,
  tMs: number,
  prevMs: number
): SensorSample | undefined {
  if (missedSample(ctx, deviceId, sensor.id, tMs)) return undefined
  const fields = sensorFields(ctx, plan, deviceId, sensor, tMs, prevMs)
  return fields === undefined ? undefined : { sensorId: sensor.id, type: sensor.type, tMs, fields }
}

function sensorFields(
  ctx: SampleContext,
  plan: SitePlan,
  deviceId: string,
  sensor: SimSensor,
  tMs: number,
  prevMs: number
): Record<string, number> | undefined {
  const { seed } = ctx
  const key = `${deviceId}/${sensor.id}`
  const noiseKey = `${key}/${tMs - ctx.startMs}`
  const tH = hoursAt(ctx, tMs)
  const slideMm = displacementMm(plan.motion, tH)
  switch (sensor.type) {
    case 'gnss': {
      // A receiver's share of the body's motion depends on where it stands on the slope.
      const share = between(seed, `share/${key}`, 0.7, 1.1)
      const az = (plan.azimuthDeg * Math.PI) / 180
      const along = slideMm * share
      // Post-processed short-baseline GNSS: 0.3 mm horizontal, 1.5 mm vertical noise (our choice, on the
      // quiet side of real receivers so that mm/day thresholds stay meaningful over a 6 h fit).
      let dx = along * Math.sin(az) + 0.3 * gaussian(seed, `${noiseKey}/x`)
      let dy = along * Math.cos(az) + 0.3 * gaussian(seed, `${noiseKey}/y`)
      const dz = -0.3 * along + 1.5 * gaussian(seed, `${noiseKey}/z`)
      if (uniform(seed, `${noiseKey}/outlier`) < ctx.gnssOutlierRate) {
        const dir = 2 * Math.PI * uniform(seed, `${noiseKey}/outlier-dir`)
        const sizeMm = between(seed, `${noiseKey}/outlier-size`, 15, 45)
        dx += sizeMm * Math.sin(dir)
        dy += sizeMm * Math.cos(dir)
      }
      return { dxMm: roundTo(dx, 2), dyMm: roundTo(dy, 2), dzMm: roundTo(dz, 2) }
    }
    case 'crack': {
      // A crack across the back scarp opens with a share of the body's motion, and breathes with temperature.
      const baseMm = between(seed, `base/${key}`, 5, 40)
      const share = between(seed, `share/${key}`, 0.75, 0.95)
      const thermalMm = 0.04 * Math.sin((2 * Math.PI * (beijingHour(tMs) - 9)) / 24)
      const opening = baseMm + share * slideMm + thermalMm + 0.02 * gaussian(seed, noiseKey)
      return { openingMm: roundTo(opening, 2) }
    }
    case 'rain': {
      const baseTotalMm = roundTo(between(seed, `base/${key}`, 200, 900), 1)
      const intervalMm = gaugeIntervalMm(plan.storms, hoursAt(ctx, prevMs), tH)
      return { intervalMm, totalMm: roundTo(baseTotalMm + bucketCumulativeMm(plan.storms, tH), 1) }
    }
    case 'groundwater': {
      // Lagged response to rain: a fast limb (6 h of rain, 1 h later) and a slow one (48 h, 3 h later).
      const baseM = between(seed, `base/${key}`, 6, 25)
      const fastMm = windowMm(plan, tH - 1, 6)
      const slowMm = windowMm(plan, tH - 3, 48)
      const levelM = baseM + 0.008 * fastMm + 0.004 * slowMm + 0.005 * gaussian(seed, noiseKey)
      const tempC = between(seed, `temp/${key}`, 11, 17) + 0.02 * gaussian(seed, `${noiseKey}/t`)
      return { levelM: roundTo(levelM, 3), tempC: roundTo(tempC, 2) }
    }
    case 'mud_level': {
      // Debris-flow channel: the stage rises once 30-min intensity exceeds about 15 mm/h (our choice).
      const baseM = between(seed, `base/${key}`, 0.1, 0.4)
      const intensityMmPerH = 2 * windowMm(plan, tH - 1 / 6, 0.5)
      const levelM = baseM + 0.03 * Math.max(0, intensityMmPerH - 15) + 0.01 * gaussian(seed, noiseKey)
      return { levelM: roundTo(Math.max(0, levelM), 2) }
    }
    case 'tilt': {
      const x0 = between(seed, `x0/${key}`, -0.6, 0.6)
      const y0 = between(seed, `y0/${key}`, -0.6, 0.6)
      const az = (plan.azimuthDeg * Math.PI) / 180
      // About 0.002° of tilt per mm of slide (our choice), along the sliding direction.
      const x = x0 + 0.002 * slideMm * Math.sin(az) + 0.003 * gaussian(seed, `${noiseKey}/x`)
      const y = y0 + 0.002 * slideMm * Math.cos(az) + 0.003 * gaussian(seed, `${noiseKey}/y`)
      const z = between(seed, `z0/${key}`, -0.1, 0.1) + 0.002 * gaussian(seed, `${noiseKey}/z`)
      const angle = Math.hypot(x, y)
      const azimuth = ((Math.atan2(x, y) * 180) / Math.PI + 360) % 360
      return { xDeg: roundTo(x, 3), yDeg: roundTo(y, 3), zDeg: roundTo(z, 3), angleDeg: roundTo(angle, 3), azimuthDeg: roundTo(azimuth, 1) }
    }
    default:
      return undefined
  }
}

function windowMm(plan: SitePlan, endH: number, spanH: number): number {
  return Math.max(0, rainCumulativeMm(plan.storms, endH) - rainCumulativeMm(plan.storms, endH - spanH))
}

/** Beijing time (UTC+8), hours of the day: drives the sun on the panel and the thermal cycle. */
export function beijingHour(tMs: number): number {
  return (((tMs / MS_PER_H + 8) % 24) + 24) % 24
}
