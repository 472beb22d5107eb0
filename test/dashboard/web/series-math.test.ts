import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { Alert, Evidence } from '../../../domain/index.js'
import { sensorHealth } from '../../../dashboard/web/src/device-health.js'
import { latestForecast } from '../../../dashboard/web/src/forecast-evidence.js'
import {
  axisTop,
  inverseVelocity,
  lineThroughRoot,
  rebucketSums,
  referenceVelocity,
  risePerDay,
  rollingSums,
  tangentAngleDeg,
  tangentAngles,
  tangentAngleSeries,
  trailingMean,
  trailingVelocity,
  type Point
} from '../../../dashboard/web/src/series-math.js'
import {
  configuredVeq,
  displacementSettings,
  hasAdaptiveV0,
  mudStageLines,
  rainWindowLines,
  riseLines,
  tangentAngleLines,
  velocityLines
} from '../../../dashboard/web/src/site-thresholds.js'
import { forecastFailure } from '../../../rules/inverse-velocity.js'
import { tangentAngleDeg as rulesTangentAngleDeg } from '../../../rules/tangent-angle.js'

const MIN_MS = 60_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const T0 = Date.UTC(2026, 6, 1)

describe('rain sums', () => {
  test('the 1 h rolling sum slides over 10-min buckets and gaps count as dry', () => {
    const tenMin: Point[] = [
      [T0, 5],
      [T0 + 10 * MIN_MS, 5],
      [T0 + 60 * MIN_MS, 2]
    ]
    const sums = rollingSums(tenMin, 10 * MIN_MS, HOUR_MS)
    // One value per bucket, stamped at the bucket's end.
    expect(sums.map(([t]) => (t - T0) / MIN_MS)).toEqual([10, 20, 30, 40, 50, 60, 70])
    expect(sums.map(([, v]) => v)).toEqual([5, 10, 10, 10, 10, 10, 7])
  })

  test('24 h rolling sums and hourly bars from the same buckets', () => {
    const hourly: Point[] = Array.from({ length: 30 }, (_, i) => [T0 + i * HOUR_MS, 1])
    const sums = rollingSums(hourly, HOUR_MS, DAY_MS)
    expect(sums[22]?.[1]).toBe(23)
    expect(sums[23]?.[1]).toBe(24)
    expect(sums[29]?.[1]).toBe(24)
    expect(rebucketSums([[T0, 1.25], [T0 + 50 * MIN_MS, 2.5], [T0 + HOUR_MS, 4]], HOUR_MS)).toEqual([
      [T0, 3.8],
      [T0 + HOUR_MS, 4]
    ])
    expect(rollingSums([], HOUR_MS, DAY_MS)).toEqual([])
  })
})

describe('displacement models', () => {
  test('trailing velocity of a steady creep is its rate in mm/d; too little history gives none', () => {
    // 0.5 mm per hour = 12 mm/d.
    const points: Point[] = Array.from({ length: 12 }, (_, i) => [T0 + i * HOUR_MS, 40 + 0.5 * i])
    const v = trailingVelocity(points, 6 * HOUR_MS, 5)
    expect(v).toHaveLength(8)
    expect(v[0]?.[0]).toBe(T0 + 4 * HOUR_MS)
    for (const [, x] of v) expect(x).toBeCloseTo(12, 9)
  })

  test('v_eq is the median of the history once it spans enough, or the configured one', () => {
    const v: Point[] = Array.from({ length: 30 }, (_, i) => [T0 + i * HOUR_MS, i === 29 ? 100 : 10])
    const veq = referenceVelocity(v, 168 * HOUR_MS, 24 * HOUR_MS)
    expect(Number.isNaN(veq[23]?.[1])).toBe(true)
    expect(veq[24]?.[1]).toBe(10)
    // A short acceleration at the end does not move the median.
    expect(veq[29]?.[1]).toBe(10)
    expect(referenceVelocity(v, 168 * HOUR_MS, 24 * HOUR_MS, 4)[0]?.[1]).toBe(4)
  })

  test('the tangent angle is the rules’ own formula, 45° at v = v_eq', () => {
    for (const [v, veq] of [[10, 10], [57, 10], [-3, 2], [1, 0]] as const) {
      const ours = tangentAngleDeg(v, veq)
      const theirs = rulesTangentAngleDeg(v, veq)
      if (Number.isNaN(theirs)) expect(ours).toBeNaN()
      else expect(ours).toBeCloseTo(theirs, 12)
    }
    const smoothed = trailingMean([[T0, 10], [T0 + HOUR_MS, 30]], 24 * HOUR_MS)
    expect(smoothed[1]?.[1]).toBe(20)
    const angles = tangentAngles(smoothed, [[T0, 0.5], [T0 + HOUR_MS, 20]], 1)
    // v_eq below the minimum: no angle (rules: within the noise of the fit).
    expect(angles).toEqual([[T0 + HOUR_MS, 45]])
  })

  test('α takes v_eq from the smoothed velocities, as the rules do, not from the raw ones', () => {
    // A creep that moves in bursts: 40 mm/d one hour in four, still otherwise. The raw median is
    // 0 (below the 1 mm/d minimum: no angle at all); the smoothed velocity runs near 10 mm/d.
    const v: Point[] = Array.from({ length: 72 }, (_, i) => [T0 + i * HOUR_MS, i % 4 === 3 ? 40 : 0])
    const opts = { smoothMs: 24 * HOUR_MS, historyMs: 168 * HOUR_MS, referenceMinSpanMs: 24 * HOUR_MS, minReferenceMmPerDay: 1 }
    expect(tangentAngles(trailingMean(v, opts.smoothMs), referenceVelocity(v, opts.historyMs, opts.referenceMinSpanMs), 1)).toEqual([])
    const angles = tangentAngleSeries(v, opts)
    const smoothed = trailingMean(v, opts.smoothMs)
    const veq = referenceVelocity(smoothed, opts.historyMs, opts.referenceMinSpanMs)
    expect(angles).toHaveLength(72 - 24)
    for (const [t, a] of angles) {
      const i = (t - T0) / HOUR_MS
      expect(a).toBe(Math.round(tangentAngleDeg(smoothed[i]?.[1] ?? 0, veq[i]?.[1] ?? 0) * 10) / 10)
      // A steady (if bursty) creep stays near 45°.
      expect(a).toBeGreaterThan(35)
      expect(a).toBeLessThan(55)
    }
    // The site's configured v_eq still wins.
    expect(tangentAngleSeries(v, { ...opts, configuredVeq: 1e9 })).toEqual(smoothed.map(([t]) => [t, 0]))
  })

  test('the 1/v line through the rules’ failure time fits a Fukuzono series exactly', () => {
    // 1/v falls linearly to zero at tf: v = 1/(a·(tf − t)), hourly points after onset.
    const tf = T0 + 20 * HOUR_MS
    const samples = Array.from({ length: 10 }, (_, i) => {
      const tMs = T0 + i * HOUR_MS
      return { tMs, vMmPerDay: 1 / (0.05 * ((tf - tMs) / DAY_MS)) }
    })
    const rules = forecastFailure(samples, 0.5)
    expect(rules.verdict).toBe('forecast')
    expect(rules.tfMs).toBeCloseTo(tf, -3)
    const inverse = inverseVelocity(samples.map((s): Point => [s.tMs, s.vMmPerDay]))
    const line = lineThroughRoot(inverse, T0, rules.tfMs)
    expect(line[1]).toEqual([rules.tfMs, 0])
    expect(line[0]?.[1]).toBeCloseTo(inverse[0]?.[1] ?? 0, 6)
    expect(lineThroughRoot(inverse, tf + 1, tf + 2)).toEqual([])
    expect(inverseVelocity([[T0, 0], [T0 + 1, -4]])).toEqual([[T0 + 1, 0.25]])
  })
})

test('groundwater rise per day over the span, or what exists once the minimum span is covered', () => {
  const points: Point[] = Array.from({ length: 30 }, (_, i) => [T0 + i * HOUR_MS, 10 + 0.01 * i])
  const rise = risePerDay(points, 24 * HOUR_MS, 6 * HOUR_MS)
  expect(rise[0]?.[0]).toBe(T0 + 6 * HOUR_MS)
  for (const [, r] of rise) expect(r).toBeCloseTo(0.24, 9)
})

test('an axis shows the data and the next threshold above it', () => {
  expect(axisTop(20, [35, 45, 60, 80])).toBe(40)
  expect(axisTop(50, [35, 45, 60, 80])).toBe(80)
  expect(axisTop(90, [35, 45, 60, 80])).toBe(100)
  expect(axisTop(0, [])).toBe(1)
  expect(axisTop(Number.NEGATIVE_INFINITY, [2])).toBe(2.5)
})

describe('thresholds from the shipped rule table', () => {
  const effective: unknown = JSON.parse(readFileSync(new URL('../../../config/rules-default.json', import.meta.url), 'utf8'))

  test('rain windows, velocity, tangent angle, mud stage and groundwater rise', () => {
    expect(rainWindowLines(effective, '1h')).toEqual([
      { level: 'blue', value: 35 },
      { level: 'yellow', value: 45 },
      { level: 'orange', value: 60 },
      { level: 'red', value: 80 }
    ])
    expect(rainWindowLines(effective, '24h').map((l) => l.value)).toEqual([100, 130, 160, 200])
    // A window that is computed but never graded has no lines.
    expect(rainWindowLines(effective, '72h')).toEqual([])
    expect(velocityLines(effective).map((l) => l.value)).toEqual([2, 5, 10, 20])
    expect(tangentAngleLines(effective).map((l) => l.value)).toEqual([40, 50, 80, 85])
    expect(mudStageLines(effective).map((l) => l.value)).toEqual([0.5, 0.8, 1.2, 1.6])
    const gw = riseLines(effective, 'groundwater')
    expect(gw.map((l) => l.level)).toEqual(['blue', 'yellow', 'orange', 'red'])
    expect(gw.map((l) => l.value)).toEqual([0.15, 0.3, 1.5, 3])
    expect(riseLines(effective, 'pore_pressure').map((l) => l.value)).toEqual([1.5, 3, 15, 30])
    expect(displacementSettings(effective)).toEqual({
      spanMs: 6 * HOUR_MS,
      minSamples: 5,
      smoothMs: DAY_MS,
      historyMs: 168 * HOUR_MS,
      referenceMinSpanMs: DAY_MS,
      minReferenceMmPerDay: 1
    })
  })

  test('a site layer: levels set to null are not drawn, v_eq and adaptive V0 are seen', () => {
    const site = {
      rain: { windows: [{ id: '1h', thresholdsMm: { blue: null, yellow: 40, orange: null, red: 70 } }] },
      siteOnly: { constantVelocityMmPerDay: { gnss: 3 }, adaptiveV0: { v0MmPerDay: 1, sigmaMmPerDay: 0.2 } }
    }
    expect(rainWindowLines(site, '1h')).toEqual([
      { level: 'yellow', value: 40 },
      { level: 'red', value: 70 }
    ])
    expect(configuredVeq(site, 'gnss')).toBe(3)
    expect(configuredVeq(site, 'crack')).toBeUndefined()
    expect(configuredVeq({ siteOnly: { constantVelocityMmPerDay: 2 } }, 'crack')).toBe(2)
    expect(hasAdaptiveV0(site)).toBe(true)
    expect(hasAdaptiveV0(effective)).toBe(false)
    expect(velocityLines({})).toEqual([])
    expect(tangentAngleLines(null)).toEqual([])
  })
})

test('the newest forecast in the evidence, with its fit companions of the same sensor', () => {
  const ev = (indicator: string, value: number, at: number, sensorId = 'GP1'): Evidence => ({ indicator, level: 'red', value, threshold: 24, unit: 'h', at, deviceId: 'dev-a2', sensorId })
  const alert: Alert = {
    id: 'a1', siteId: 's1', county: '431129', level: 'red', peakLevel: 'red', state: 'open', openedAt: T0, updatedAt: T0, resolvedAt: null, disposition: null,
    history: [
      { at: T0, from: 'none', to: 'orange', evidence: [ev('forecast.inverse-velocity', 30, T0)] },
      {
        at: T0 + HOUR_MS,
        from: 'orange',
        to: 'red',
        evidence: [
          ev('forecast.inverse-velocity', 10, T0 + HOUR_MS),
          ev('forecast.inverse-velocity.r2', 0.93, T0 + HOUR_MS, 'OTHER'),
          ev('forecast.inverse-velocity.r2', 0.91, T0 + HOUR_MS),
          ev('forecast.inverse-velocity.points', 12, T0 + HOUR_MS),
          ev('forecast.inverse-velocity.span', 4, T0 + HOUR_MS),
          ev('forecast.inverse-velocity', Number.POSITIVE_INFINITY, T0 + 2 * HOUR_MS)
        ]
      }
    ],
    actions: [],
    escalations: []
  }
  expect(latestForecast([alert])).toEqual({
    at: T0 + HOUR_MS,
    tfMs: T0 + 11 * HOUR_MS,
    onsetMs: T0 - 3 * HOUR_MS,
    r2: 0.91,
    points: 12,
    spanH: 4,
    deviceId: 'dev-a2',
    sensorId: 'GP1'
  })
  expect(latestForecast([])).toBeUndefined()
})

test('device health lists every registered sensor, then point codes only the status names', () => {
  const status = { deviceId: 'd1', siteId: 's1', county: '431129', ts: T0, sensorState: { GP1: -2, L1_LF_9: 0 } }
  expect(sensorHealth([{ id: 'GP1', type: 'gnss' }, { id: 'YL1', type: 'rain' }], status)).toEqual([
    { id: 'GP1', type: 'gnss', code: -2 },
    { id: 'YL1', type: 'rain' },
    { id: 'L1_LF_9', code: 0 }
  ])
  expect(sensorHealth([{ id: 'GP1', type: 'gnss' }], undefined)).toEqual([{ id: 'GP1', type: 'gnss' }])
})
