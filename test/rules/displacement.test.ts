import { describe, expect, test } from 'vitest'
import { DisplacementSeries, displacementEvaluator, displacementMm } from '../../rules/displacement.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import { DAY, defaultTables, H, MIN, reading, T0 } from './helpers.js'

const rules = compileSiteRules(defaultTables())

function series(points: ReadonlyArray<readonly [number, number]>): DisplacementSeries {
  const s = new DisplacementSeries(rules.regression)
  for (const [t, mm] of points) s.add(t, mm)
  return s
}

describe('displacement velocity over real elapsed time', () => {
  test.each<[string, number, number]>([
    // 2.4 mm/day steady creep sampled at different rates gives the same mm/day.
    ['hourly points', H, 8],
    ['10-min points', 10 * MIN, 40],
    ['daily points', DAY, 6],
    ['irregular points', 0, 9]
  ])('%s → 2.4 mm/day', (_name, stepMs, count) => {
    const points: Array<[number, number]> = []
    for (let i = 0; i < count; i++) {
      const t = stepMs > 0 ? T0 + i * stepMs : T0 + [0, 7, 50, 61, 200, 201, 260, 400, 1000][i]! * MIN
      points.push([t, 10 + (2.4 * (t - T0)) / DAY])
    }
    expect(series(points).velocityMmPerDay()).toBeCloseTo(2.4, 9)
  })

  test('needs minSamples (5 by default) before it rates', () => {
    expect(series([[T0, 1], [T0 + H, 2], [T0 + 2 * H, 3], [T0 + 3 * H, 4]]).velocityMmPerDay()).toBeNaN()
    expect(series([[T0, 1], [T0 + H, 2], [T0 + 2 * H, 3], [T0 + 3 * H, 4], [T0 + 4 * H, 5]]).velocityMmPerDay()).toBeCloseTo(24, 9)
  })

  test('uses only the trailing span when it holds enough samples (acceleration shows quickly)', () => {
    const points: Array<[number, number]> = []
    // 2 days creeping at 1 mm/day, then 12 hourly points at 12 mm/day.
    for (let i = 0; i <= 48; i++) points.push([T0 + i * H, i / 24])
    for (let i = 1; i <= 12; i++) points.push([T0 + (48 + i) * H, 2 + (12 * i) / 24])
    expect(series(points).velocityMmPerDay()).toBeCloseTo(12, 9)
  })

  test('the least-squares fit smooths a single outlier', () => {
    const points: Array<[number, number]> = [0, 1, 2, 3, 4, 5, 6].map((i) => [T0 + i * H, i * 0.1])
    const s = series(points)
    s.add(T0 + 7 * H, 0.7 + 0.5)
    // Raw last step would be 0.6 mm/h = 14.4 mm/day; the fit stays far lower.
    expect(s.velocityMmPerDay()).toBeLessThan(8)
  })

  test('out-of-order and duplicate samples', () => {
    const s = new DisplacementSeries(rules.regression)
    for (const i of [0, 1, 3, 4, 2, 5]) expect(s.add(T0 + i * H, i)).toBe('added')
    expect(s.add(T0 + 2 * H, 2)).toBe('duplicate')
    expect(s.add(T0 + 2 * H, 2.5)).toBe('replaced')
    expect(s.add(T0 - 11 * DAY, 0)).toBe('stale')
    expect(s.add(T0 + 6 * H, Number.NaN)).toBe('invalid')
    expect(s.size).toBe(6)
  })

  test('the ring keeps the newest maxSamples', () => {
    const s = new DisplacementSeries({ ...rules.regression, maxSamples: 5, minSamples: 5 })
    for (let i = 0; i < 20; i++) s.add(T0 + i * H, i < 15 ? 0 : (i - 14) * 1)
    expect(s.size).toBe(5)
    expect(s.velocityMmPerDay()).toBeCloseTo(24, 9)
  })

  test.each<[Parameters<typeof displacementMm>[0], Record<string, number>, number | undefined]>([
    ['gnss', { dxMm: 3, dyMm: 4, dzMm: 100 }, 5],
    ['gnss', { dxMm: 3 }, undefined],
    ['crack', { openingMm: 10.86 }, 10.86],
    ['deep_disp', { dispXMm: 7, dispYMm: 1 }, 7]
  ])('%s %j → U = %s mm', (type, fields, u) => {
    expect(displacementMm(type, fields)).toBe(u)
  })

  test('a GNSS channel rates the horizontal resultant velocity against the default table', () => {
    const ch = displacementEvaluator.createChannel(rules, 'gnss')
    const outcomes = []
    // 6 mm/day along a 3-4-5 direction → yellow (5 ≤ v < 10).
    for (let i = 0; i < 6; i++) {
      const u = (6 * i) / 24
      outcomes.push(ch.update(reading('gnss', T0 + i * H, { dxMm: 0.6 * u, dyMm: 0.8 * u, dzMm: 0 })))
    }
    expect(outcomes).toEqual(['insufficient', 'insufficient', 'insufficient', 'insufficient', 'evaluated', 'evaluated'])
    expect(ch.observations[0]?.rank).toBe(2)
    expect(ch.observations[0]?.value).toBeCloseTo(6, 9)
  })
})
