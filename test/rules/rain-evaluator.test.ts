import { describe, expect, test } from 'vitest'
import type { SiteLevel } from '../../domain/index.js'
import { rainEvaluator, rateRainSums } from '../../rules/rain-evaluator.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import { defaultTables, H, rain, T0 } from './helpers.js'

const rules = compileSiteRules(defaultTables())
const windows = rules.rainWindows
const AT = T0

/** Sums for [1 h, 3 h, 6 h, 24 h]; the others at zero. */
function only(index: number, mm: number): number[] {
  return windows.map((_, i) => (i === index ? mm : 0))
}

describe('rain evaluator: Jianghua County table (domain.md §3)', () => {
  test.each<[number, SiteLevel]>([
    [0, 'none'],
    [34.9, 'none'],
    [35, 'blue'],
    [44.9, 'blue'],
    [45, 'yellow'],
    [60, 'orange'],
    [79.9, 'orange'],
    [80, 'red'],
    [300, 'red']
  ])('1 h rain %s mm → %s', (mm, level) => {
    expect(rateRainSums(only(0, mm), windows, AT).level).toBe(level)
  })

  test.each<[string, number, number, SiteLevel]>([
    ['3h', 1, 54.9, 'none'],
    ['3h', 1, 55, 'blue'],
    ['3h', 1, 75, 'yellow'],
    ['3h', 1, 100, 'orange'],
    ['3h', 1, 120, 'red'],
    ['6h', 2, 69.9, 'none'],
    ['6h', 2, 70, 'blue'],
    ['6h', 2, 95, 'yellow'],
    ['6h', 2, 120, 'orange'],
    ['6h', 2, 150, 'red'],
    ['24h', 3, 99.9, 'none'],
    ['24h', 3, 100, 'blue'],
    ['24h', 3, 130, 'yellow'],
    ['24h', 3, 160, 'orange'],
    ['24h', 3, 200, 'red']
  ])('%s rain %s mm → %s', (_id, index, mm, level) => {
    expect(rateRainSums(only(index, mm), windows, AT).level).toBe(level)
  })

  test('the highest window wins, with evidence for every window at a level', () => {
    // 1 h blue, 3 h none, 6 h yellow, 24 h orange.
    const rating = rateRainSums([40, 50, 96, 170], windows, AT)
    expect(rating.level).toBe('orange')
    expect(rating.evidence).toEqual([
      { indicator: 'rain.24h', level: 'orange', value: 170, threshold: 160, unit: 'mm', at: AT },
      { indicator: 'rain.6h', level: 'yellow', value: 96, threshold: 95, unit: 'mm', at: AT },
      { indicator: 'rain.1h', level: 'blue', value: 40, threshold: 35, unit: 'mm', at: AT }
    ])
  })

  test('a channel rates every window on each reading, from real elapsed time', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    expect(ch.indicators.map((i) => i.id)).toEqual(['rain.1h', 'rain.3h', 'rain.6h', 'rain.24h'])
    // 20 mm at 10-min intervals: 3 reports → 60 mm within the hour (orange on 1 h, blue on 3 h).
    for (const m of [10, 20, 30]) expect(ch.update(rain(T0 + m * 60_000, 20))).toBe('evaluated')
    expect(ch.observations.map((o) => [o.rank, o.value])).toEqual([
      [3, 60],
      [1, 60],
      [0, 60],
      [0, 60]
    ])
    expect(ch.update(rain(T0 + 30 * 60_000, 20))).toBe('duplicate')
    expect(ch.update(rain(T0 - 2 * 24 * H, 1))).toBe('stale')
    expect(ch.update(rain(T0 + H, -3))).toBe('invalid')
  })
})
