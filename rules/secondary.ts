import type { Reading, SensorType } from '../domain/index.js'
import { newObservations, ownThresholds, rankOf, type Channel, type Evaluator, type IndicatorSpec, type SensorInfo } from './evaluator.js'
import type { SiteRules } from './site-rules.js'

/**
 * Tilt and acceleration (domain.md §3 "Other sensors": change against baseline, secondary
 * indicators). The baseline is the mean of the first `baselineSamples` readings; the change is the
 * Euclidean distance from it (tilt X/Y in degrees, or the angle when X/Y are absent; acceleration
 * X/Y/Z in g, converted from the sensor record's unit). Low levels only: the table grades blue and
 * yellow, the combination caps the family (`secondaryMax`) and never pairs it.
 */

const STANDARD_GRAVITY = 9.80665

/** Factor from the vendor's unit to g (domain.md §2: g, mg or m/s²); undefined when unknown. */
export function toG(unit: string | undefined): number | undefined {
  switch ((unit ?? 'g').toLowerCase()) {
    case 'g':
      return 1
    case 'mg':
      return 0.001
    case 'm/s2':
    case 'm/s²':
    case 'm/s^2':
      return 1 / STANDARD_GRAVITY
    default:
      return undefined
  }
}

const TILT_XY = ['xDeg', 'yDeg'] as const
const TILT_ANGLE = ['angleDeg'] as const
const ACCEL = ['gX', 'gY', 'gZ'] as const

function createSecondaryChannel(rules: SiteRules, type: SensorType, sensor?: SensorInfo): Channel {
  const tilt = type === 'tilt'
  const scale = tilt ? 1 : toG(sensor?.unit)
  const thresholds = ownThresholds(tilt ? rules.other.secondary.tiltDeg : rules.other.secondary.accelG)
  const indicators: IndicatorSpec[] = [{ id: tilt ? 'tilt.change' : 'accel.change', family: 'secondary', unit: tilt ? '°' : 'g', thresholds }]
  const observations = newObservations(1)
  let baselineSamples = rules.other.secondary.baselineSamples
  // The fields chosen by the first reading; the baseline sums them.
  let fields: readonly string[] | undefined
  const sums = new Float64Array(3)
  const base = new Float64Array(3)
  let seen = 0
  let lastTs = Number.NEGATIVE_INFINITY
  return {
    indicators,
    observations,
    update(reading: Reading) {
      if (scale === undefined) return 'invalid'
      const f = reading.fields
      if (fields === undefined) {
        if (tilt) fields = f.xDeg !== undefined && f.yDeg !== undefined ? TILT_XY : f.angleDeg !== undefined ? TILT_ANGLE : undefined
        else fields = f.gX !== undefined && f.gY !== undefined && f.gZ !== undefined ? ACCEL : undefined
        if (fields === undefined) return 'insufficient'
      }
      if (reading.ts === lastTs) return 'duplicate'
      if (reading.ts < lastTs) return 'stale'
      for (const name of fields) if (f[name] === undefined) return 'insufficient'
      lastTs = reading.ts
      if (seen < baselineSamples) {
        for (let i = 0; i < fields.length; i++) sums[i] = (sums[i] as number) + (f[fields[i] as string] as number) * scale
        seen++
        if (seen === baselineSamples) for (let i = 0; i < fields.length; i++) base[i] = (sums[i] as number) / seen
        return 'insufficient'
      }
      let d2 = 0
      for (let i = 0; i < fields.length; i++) {
        const d = (f[fields[i] as string] as number) * scale - (base[i] as number)
        d2 += d * d
      }
      const o = observations[0]
      if (o === undefined) return 'insufficient'
      o.value = Math.sqrt(d2)
      o.rank = rankOf(o.value, thresholds)
      o.updated = true
      return 'evaluated'
    },
    retune(next: SiteRules) {
      thresholds.set(tilt ? next.other.secondary.tiltDeg : next.other.secondary.accelG)
      // A longer baseline still being collected takes the new count; a finished one stays.
      if (seen < baselineSamples) baselineSamples = Math.max(seen + 1, next.other.secondary.baselineSamples)
      return true
    }
  }
}

export const secondaryEvaluator: Evaluator = Object.freeze({
  id: 'secondary',
  sensorTypes: ['tilt', 'accel'] as const,
  createChannel: createSecondaryChannel
})
