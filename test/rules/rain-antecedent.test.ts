import { describe, expect, test } from 'vitest'
import { AntecedentRain } from '../../rules/antecedent.js'
import { rainEvaluator } from '../../rules/rain-evaluator.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import { DAY, defaultTables, H, rain, T0 } from './helpers.js'

/** One reading per day at T0 + d days (noon Beijing time, so each falls on its own rain day). */
function daily(a: AntecedentRain, mmByDay: readonly number[]): void {
  for (const [d, mm] of mmByDay.entries()) a.add(T0 + 4 * H + d * DAY, Math.round(mm * 1000))
}

describe('effective antecedent rainfall R_eff = Σ k^i · P_i (domain.md §3)', () => {
  test.each<[string, number, number, readonly number[], number]>([
    // Today 5, yesterday 20, then 0, then 10: 5 + 0.8·20 + 0.64·0 + 0.512·10.
    ['k 0.8, n 15', 0.8, 15, [10, 0, 20, 5], 26.12],
    // 32 mm three days ago is beyond n = 2: 4 + 0.5·8 + 0.25·16.
    ['k 0.5, n 2: older days drop out', 0.5, 2, [32, 16, 8, 4], 12],
    ['no rain', 0.8, 15, [0, 0, 0], 0],
    // A dry week after 10 mm: 0.8^7 · 10.
    ['a dry week', 0.8, 15, [10, 0, 0, 0, 0, 0, 0, 0], 2.097152],
    ['n 0: today only', 0.8, 0, [10, 20], 20]
  ])('%s', (_name, k, n, mmByDay, expected) => {
    const a = new AntecedentRain(k, n)
    daily(a, mmByDay)
    expect(a.effectiveMm()).toBeCloseTo(expected, 9)
  })

  test('a sparse series: days without readings count as dry', () => {
    const a = new AntecedentRain(0.5, 15)
    a.add(T0 + 4 * H, 16000)
    a.add(T0 + 4 * H + 3 * DAY, 2000)
    expect(a.effectiveMm()).toBe(2 + 0.125 * 16)
    expect([a.dayMm(0), a.dayMm(1), a.dayMm(3)]).toEqual([2, 0, 16])
  })

  test('days begin at the configured hour (16:00 UTC = 00:00 Beijing); a reading at it closes the day before', () => {
    const a = new AntecedentRain(0.5, 1, 16 * H)
    a.add(T0 + 15 * H, 10000)
    a.add(T0 + 16 * H, 6000)
    a.add(T0 + 17 * H, 4000)
    // Yesterday 16, today 4.
    expect(a.effectiveMm()).toBe(4 + 8)
  })

  test('a late reading adds to its own day', () => {
    const a = new AntecedentRain(0.5, 15)
    daily(a, [0, 0, 4])
    a.add(T0 + 4 * H, 8000)
    expect(a.effectiveMm()).toBe(4 + 0.25 * 8)
  })

  test('the rain channel shows it as rain.eff, a value with no level', () => {
    const ch = rainEvaluator.createChannel(compileSiteRules(defaultTables()), 'rain')
    const eff = ch.indicators.findIndex((i) => i.id === 'rain.eff')
    expect(ch.indicators[eff]).toMatchObject({ family: 'rain', unit: 'mm' })
    // Daily readings at 04:00 UTC (noon Beijing): 10, 0, 20, 5 → 26.12 mm (k 0.8, n 15).
    for (const [d, mm] of [10, 0, 20, 5].entries()) ch.update(rain(T0 + 4 * H + d * DAY, mm))
    expect(ch.observations[eff]?.value).toBeCloseTo(26.12, 9)
    expect(ch.observations[eff]?.rank).toBe(0)
  })
})
