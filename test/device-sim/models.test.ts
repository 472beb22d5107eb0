import { describe, expect, test } from 'vitest'
import { displacementMm, velocityMmPerDay, type SiteMotion } from '../../device-sim/models/displacement.js'
import { gaugeIntervalMm, rainCumulativeMm, stormRateMmPerH, type SiteStorm } from '../../device-sim/models/rain.js'
import { gaussian, hash32, mulberry32, uniform } from '../../device-sim/prng.js'
import { parseScenario } from '../../device-sim/scenario.js'
import { hoursAt, sampleContext, wallTimeOf } from '../../device-sim/station.js'

const storm: SiteStorm = { startH: 3, buildUpH: 1.5, peakH: 2, tailH: 1, peakMmPerH: 52 }

describe('hyetograph', () => {
  test.each([
    // [window end h, span h, expected mm]: build-up is a triangle, the plateau a rectangle
    [3, 1, 0],
    [4.5, 1.5, 39],
    [5.5, 1, 52],
    [6, 3, 39 + 1.5 * 52],
    [6.5, 1, 52],
    [6.5, 3.5, 39 + 2 * 52],
    [20, 17, 39 + 2 * 52 + 52 * (1 - Math.exp(-13.5))]
  ])('window ending at %s h over %s h holds %s mm', (endH, spanH, mm) => {
    expect(rainCumulativeMm([storm], endH) - rainCumulativeMm([storm], endH - spanH)).toBeCloseTo(mm, 6)
  })

  test.each([
    [2.9, 0],
    [3.75, 26],
    [5, 52],
    [7.5, 52 * Math.exp(-1)]
  ])('rate at %s h is %s mm/h', (h, rate) => {
    expect(stormRateMmPerH(storm, h)).toBeCloseTo(rate, 6)
  })

  test('5-min tipping-bucket reports add up to the 1 h and 3 h sums within one tip', () => {
    const sumOfReports = (endH: number, spanH: number) => {
      let mm = 0
      for (let t = endH - spanH + 1 / 12; t <= endH + 1e-9; t += 1 / 12) mm += gaugeIntervalMm([storm], t - 1 / 12, t)
      return mm
    }
    // At the demo's "now" (hour 6): 1 h ≥ 45 (yellow) and 3 h ≥ 100 (orange) in the default table.
    expect(Math.abs(sumOfReports(6, 1) - 52)).toBeLessThanOrEqual(0.2 + 1e-9)
    expect(Math.abs(sumOfReports(6, 3) - 117)).toBeLessThanOrEqual(0.2 + 1e-9)
    for (let t = 3; t < 8; t += 1 / 12) expect(gaugeIntervalMm([storm], t, t + 1 / 12) * 10 % 2).toBeCloseTo(0, 6)
  })
})

describe('slope motion', () => {
  const m: SiteMotion = { creepMmPerDay: 4, onsetH: 0.8333, failureH: 6.8333 }

  test.each([
    [0, 4],
    [0.8333, 4],
    [3.8333, 8],
    [6, 24 / 0.8333],
    [6.5, 24 / 0.3333]
  ])('velocity at %s h is %s mm/day (1/v linear towards failure)', (h, v) => {
    expect(velocityMmPerDay(m, h)).toBeCloseTo(v, 3)
  })

  test('displacement is the integral of the velocity', () => {
    for (const h of [0.5, 2, 5, 6.7]) {
      const dh = 1e-4
      const numeric = ((displacementMm(m, h + dh) - displacementMm(m, h - dh)) / (2 * dh)) * 24
      expect(numeric).toBeCloseTo(velocityMmPerDay(m, h), 2)
    }
  })

  test('constant creep without an onset; finite and rising past failure', () => {
    expect(displacementMm({ creepMmPerDay: 12 }, 48)).toBeCloseTo(24, 9)
    expect(velocityMmPerDay({ creepMmPerDay: 12 }, 100)).toBe(12)
    expect(Number.isFinite(displacementMm(m, 10))).toBe(true)
    expect(displacementMm(m, 10)).toBeGreaterThan(displacementMm(m, 7))
  })
})

describe('prng', () => {
  test('same seed and key, same numbers; different keys differ', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const xs = Array.from({ length: 5 }, () => a())
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs)
    expect(uniform(1, 'k')).toBe(uniform(1, 'k'))
    expect(uniform(1, 'k')).not.toBe(uniform(2, 'k'))
    expect(hash32('a')).not.toBe(hash32('b'))
  })

  test('gaussian has mean ≈ 0 and sd ≈ 1', () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => gaussian(7, `g/${i}`))
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length)
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(sd - 1)).toBeLessThan(0.03)
  })
})

describe('scenario clock', () => {
  const scenario = parseScenario({ version: 1, name: 't', seed: 1, backfillH: 2 })
  if (!scenario.ok) throw new Error(scenario.reason)
  const start = Date.parse('2026-07-27T08:00:00Z')
  const live = start + 2 * 3_600_000

  test.each([
    [1, start, 0],
    [1, live, 2],
    [1, live + 1_800_000, 2.5],
    [6, live - 1_800_000, 1.5],
    [6, live + 600_000, 3]
  ])('at speed %s, wall %s is scenario hour %s, and back', (speed, wallMs, h) => {
    const ctx = sampleContext(scenario.value, start, live, speed)
    expect(hoursAt(ctx, wallMs)).toBeCloseTo(h, 9)
    expect(wallTimeOf(ctx, h)).toBeCloseTo(wallMs, 3)
  })
})
