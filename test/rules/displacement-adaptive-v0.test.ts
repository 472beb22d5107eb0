import { describe, expect, test } from 'vitest'
import { adaptiveThresholds, calibrateV0, type MonthlyRate } from '../../rules/adaptive-v0.js'
import { compileSiteRules, resolveSiteRules } from '../../rules/site-rules.js'
import { defaultTables } from './helpers.js'

const tables = defaultTables()

describe('site-adaptive V0 (Outang scheme): V0 = 1.5·mean + 2σ of the calm monthly rates', () => {
  test.each<[string, MonthlyRate[], number, number, number]>([
    // mean 4, σ² = (4 + 0 + 4)/2 = 4 → σ 2; V0 = 6 + 4 = 10.
    ['2, 4, 6', [2, 4, 6], 4, 2, 10],
    // The accelerating month is left out: mean 1.0, σ² = (0 + 0.04 + 0.04 + 0)/3 → σ 0.163299; V0 = 1.5 + 0.326599.
    ['1.0, 1.2, 0.8, 1.0 and an accelerating 3.5', [1.0, 1.2, 0.8, { rateMmPerDay: 1.0 }, { rateMmPerDay: 3.5, accelerating: true }], 1.0, 0.163299, 1.826599],
    // Steady months: σ 0, V0 = 1.5·mean.
    ['0.8 × 3', [0.8, 0.8, 0.8], 0.8, 0, 1.2]
  ])('%s → mean %s, σ %s, V0 %s mm/day', (_name, months, mean, sigma, v0) => {
    const c = calibrateV0(months)
    if (!c.ok) throw new Error(c.reason)
    expect(c.value.meanMmPerDay).toBeCloseTo(mean, 6)
    expect(c.value.sigmaMmPerDay).toBeCloseTo(sigma, 6)
    expect(c.value.v0MmPerDay).toBeCloseTo(v0, 6)
  })

  test.each<[string, MonthlyRate[], string]>([
    ['two months', [1, 2], 'at least 3 months'],
    ['three months, one accelerating', [1, 2, { rateMmPerDay: 9, accelerating: true }], 'got 2'],
    ['no movement at all', [0, 0, 0], 'V0 would be 0']
  ])('%s cannot be calibrated', (_name, months, reason) => {
    const c = calibrateV0(months)
    expect(c.ok).toBe(false)
    if (!c.ok) expect(c.reason).toContain(reason)
  })

  test('levels: blue V0 − σ, yellow V0, orange 5·V0, red 10·V0', () => {
    expect(adaptiveThresholds({ v0MmPerDay: 10, sigmaMmPerDay: 2 })).toEqual({ blue: 8, yellow: 10, orange: 50, red: 100 })
  })
})

describe('site override rules.adaptiveV0', () => {
  function velocityLevels(raw: Record<string, unknown>): { levels: number[]; problems: string[] } {
    const { overrides, problems } = resolveSiteRules(tables, 'S1', raw)
    return { levels: [...compileSiteRules(tables, overrides).velocityMmPerDay].slice(1), problems }
  }

  test.each<[string, Record<string, unknown>, number[]]>([
    // Outang as the demo registry assumes it: V0 1.2, σ 0.4.
    ['a given calibration', { adaptiveV0: { v0MmPerDay: 1.2, sigmaMmPerDay: 0.4 } }, [0.8, 1.2, 6, 12]],
    ['monthly rates', { adaptiveV0: { monthlyRatesMmPerDay: [2, 4, 6] } }, [8, 10, 50, 100]],
    ['replacing an explicit velocity table', { velocityMmPerDay: { blue: 1, yellow: 3, orange: 6, red: 12 }, adaptiveV0: { monthlyRatesMmPerDay: [2, 4, 6] } }, [8, 10, 50, 100]]
  ])('%s replaces the velocity thresholds', (_name, raw, levels) => {
    const r = velocityLevels(raw)
    expect(r.problems).toEqual([])
    r.levels.forEach((v, i) => expect(v).toBeCloseTo(levels[i] as number, 9))
  })

  test.each<[string, unknown, string]>([
    ['too few calm months', { monthlyRatesMmPerDay: [1, { rateMmPerDay: 5, accelerating: true }] }, 'at least 3 months'],
    ['σ not below V0', { v0MmPerDay: 1, sigmaMmPerDay: 1 }, 'sigmaMmPerDay'],
    ['a negative rate', { monthlyRatesMmPerDay: [1, -2, 3] }, 'adaptiveV0']
  ])('%s: reported, the table default kept', (_name, adaptiveV0, problem) => {
    const r = velocityLevels({ adaptiveV0 })
    expect(r.problems.join('\n')).toContain(problem)
    expect(r.levels).toEqual([2, 5, 10, 20])
  })
})
