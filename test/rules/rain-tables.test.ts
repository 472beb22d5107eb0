import { describe, expect, test } from 'vitest'
import { compileRainModel, rainTableSchema } from '../../rules/tables-rain.js'
import { zodProblems } from '../../rules/tables.js'
import { H } from './helpers.js'

const WINDOWS = [{ id: '1h', windowMin: 60, thresholdsMm: { blue: 35 } }]

describe('rain table: events, curves, antecedent rainfall', () => {
  test('a province table with windows only gets the documented defaults', () => {
    const t = rainTableSchema.parse({ profile: 'p', source: 's', windows: WINDOWS })
    const m = compileRainModel(t)
    expect(m.dryMs).toBe(6 * H)
    expect(m.readingPeriodMaxMs).toBe(24 * H)
    expect(m.curves.map((c) => [c.indicator, c.rank, c.scaleMmPerH, c.exponent, c.minDurationH, c.maxDurationH])).toEqual([
      ['rain.id.guzzetti', 2, 2.2, -0.44, 1, 1000],
      ['rain.id.caine', 3, 14.82, -0.39, 1, 240]
    ])
    expect(m.antecedent).toEqual({ indicator: 'rain.eff', k: 0.8, days: 15, dayStartMs: 16 * H })
  })

  test('a window with no thresholds is shown only; an override curve set may be empty', () => {
    const t = rainTableSchema.parse({
      profile: 'p',
      source: 's',
      windows: [...WINDOWS, { id: '72h', windowMin: 4320 }],
      event: { source: 's', dryH: 12, minDurationH: 3, curves: [] },
      antecedent: { source: 's', k: 0.9, days: 7, dayStartUtcH: 0 }
    })
    expect(t.windows[1]?.thresholdsMm).toEqual({})
    const m = compileRainModel(t)
    expect([m.dryMs, m.curves.length, m.antecedent.k, m.antecedent.days]).toEqual([12 * H, 0, 0.9, 7])
  })

  test('every problem is listed: a red flag, a bad k, a reversed range; then a duplicate curve', () => {
    const curve = { id: 'caine', level: 'orange', scaleMmPerH: 14.82, exponent: -0.39, durationH: { min: 0.167, max: 240 }, source: 's' }
    const parsed = rainTableSchema.safeParse({
      profile: 'p',
      source: 's',
      windows: WINDOWS,
      event: { source: 's', dryH: 6, minDurationH: 1, curves: [{ ...curve, level: 'red' }, curve, { ...curve, durationH: { min: 5, max: 1 } }] },
      antecedent: { source: 's', k: 1.5, days: 15, dayStartUtcH: 16 }
    })
    expect(parsed.success).toBe(false)
    if (parsed.success) return
    const problems = zodProblems(parsed.error, 'rain')
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rain\.event\.curves\.0\.level: /),
        'rain.event.curves.2.durationH.min: min must be below max',
        expect.stringMatching(/^rain\.antecedent\.k: /)
      ])
    )
    // Cross-curve checks run once each curve is valid.
    const twice = rainTableSchema.safeParse({ profile: 'p', source: 's', windows: WINDOWS, event: { source: 's', dryH: 6, minDurationH: 1, curves: [curve, curve] } })
    expect(twice.success ? [] : zodProblems(twice.error, 'rain')).toEqual(['rain.event.curves.1.id: duplicate curve caine'])
  })
})
