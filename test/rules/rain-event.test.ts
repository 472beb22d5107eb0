import { describe, expect, test } from 'vitest'
import { rainEvaluator } from '../../rules/rain-evaluator.js'
import { curveIntensityMmPerH, RainEvent, reachesCurve, type IdCurve } from '../../rules/rain-event.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import { defaultTables, H, MIN, rain, T0 } from './helpers.js'

// domain.md §3: Guzzetti 2008 minimum (0.1–1000 h), Caine 1980 (10 min–10 days); 1 h minimum: our choice.
const GUZZETTI: IdCurve = { scaleMmPerH: 2.2, exponent: -0.44, minDurationH: 1, maxDurationH: 1000 }
const CAINE: IdCurve = { scaleMmPerH: 14.82, exponent: -0.39, minDurationH: 1, maxDurationH: 240 }

/** Feed hourly amounts, each over the hour before it (the one at T0 a point, as a gauge's first report). */
function hourly(e: RainEvent, mmByHour: readonly number[], startH = 0): void {
  for (const [i, mm] of mmByHour.entries()) {
    const ts = T0 + (startH + i) * H
    e.add(ts === T0 ? ts : ts - H, ts, Math.round(mm * 1000))
  }
}

describe('rain events: a dry spell (6 h) ends one and starts the next', () => {
  test('a 5 h break stays in the event; a 6 h break starts a new one', () => {
    const e = new RainEvent(6 * H)
    // Hours 0–15: rain in hours ending 1, 2, 8 (break 2 → 7 = 5 h), then 15 (break 8 → 14 = 6 h).
    hourly(e, [0, 5, 5, 0, 0, 0, 0, 0, 5])
    expect([e.running, e.startAtMs, e.durationH, e.totalMm]).toEqual([true, T0, 8, 15])
    expect(e.meanIntensityMmPerH).toBe(15 / 8)
    hourly(e, [0, 0, 0, 0, 0], 9)
    expect(e.running).toBe(true)
    // Hour 14: 6 h since the last rain (hour 8) with none: the event has ended.
    hourly(e, [0], 14)
    expect(e.running).toBe(false)
    hourly(e, [4], 15)
    expect([e.running, e.startAtMs, e.durationH, e.totalMm]).toEqual([true, T0 + 14 * H, 1, 4])
  })

  test('a late reading joins its event; one from before the dry spell is ignored', () => {
    const e = new RainEvent(6 * H)
    e.add(T0 + 20 * H, T0 + 21 * H, 3000)
    e.add(T0 + 21 * H, T0 + 22 * H, 3000)
    // Late, inside the event: the total grows and D with it (start moves back to 19 h).
    e.add(T0 + 19 * H, T0 + 20 * H, 2000)
    expect([e.startAtMs, e.durationH, e.totalMm]).toEqual([T0 + 19 * H, 3, 8])
    // Late, from an event that ended more than 6 h before this one began.
    e.add(T0 + 9 * H, T0 + 10 * H, 9000)
    expect([e.startAtMs, e.totalMm]).toEqual([T0 + 19 * H, 8])
    // A redelivery that lowers an amount inside the event.
    e.add(T0 + 21 * H, T0 + 22 * H, -1000)
    expect(e.totalMm).toBe(7)
  })
})

describe('intensity–duration curves (domain.md §3)', () => {
  test.each<[string, IdCurve, number, number, boolean]>([
    // Guzzetti at D = 2 h: 2.20 · 2^−0.44 = 1.6217 mm/h; at D = 10 h: 0.7988 mm/h.
    ['Guzzetti', GUZZETTI, 2, 1.62, false],
    ['Guzzetti', GUZZETTI, 2, 1.63, true],
    ['Guzzetti', GUZZETTI, 10, 0.79, false],
    ['Guzzetti', GUZZETTI, 10, 0.8, true],
    // Caine at D = 2 h: 14.82 · 2^−0.39 = 11.3096 mm/h; at D = 10 h: 6.0374 mm/h.
    ['Caine', CAINE, 2, 11.3, false],
    ['Caine', CAINE, 2, 11.31, true],
    ['Caine', CAINE, 10, 6.03, false],
    ['Caine', CAINE, 10, 6.04, true],
    // D → 0: no flag below the 1 h minimum, however intense; none beyond the fitted range.
    ['Caine', CAINE, 0.5, 500, false],
    ['Caine', CAINE, 1, 14.82, true],
    ['Caine', CAINE, 241, 1000, false]
  ])('%s at D = %s h, I = %s mm/h → %s', (_name, curve, durationH, intensity, flagged) => {
    expect(reachesCurve(curve, intensity, durationH)).toBe(flagged)
  })

  test('the curve intensity itself', () => {
    expect(curveIntensityMmPerH(GUZZETTI, 1)).toBe(2.2)
    expect(curveIntensityMmPerH(CAINE, 2)).toBeCloseTo(11.3096, 4)
    expect(curveIntensityMmPerH(CAINE, 0.99)).toBeNaN()
  })
})

describe('rain channel: I–D flags on the running event', () => {
  const rules = compileSiteRules(defaultTables())

  function flags(mmByHour: readonly number[]): Array<[number, number, number, number]> {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    const g = ch.indicators.findIndex((i) => i.id === 'rain.id.guzzetti')
    const c = ch.indicators.findIndex((i) => i.id === 'rain.id.caine')
    return mmByHour.map((mm, h) => {
      ch.update(rain(T0 + h * H, mm))
      const og = ch.observations[g]
      const oc = ch.observations[c]
      return [og?.rank ?? -1, oc?.rank ?? -1, Math.round((og?.value ?? 0) * 1000) / 1000, Math.round((ch.indicators[c]?.thresholds[3] ?? 0) * 1000) / 1000]
    })
  }

  test('D = 2 h just below and above each curve', () => {
    // [Guzzetti rank, Caine rank, I mm/h, Caine threshold at D mm/h]; the first report is a point.
    expect(flags([0, 1.62, 1.62]).at(-1)).toEqual([0, 0, 1.62, 11.31])
    expect(flags([0, 1.63, 1.63]).at(-1)).toEqual([2, 0, 1.63, 11.31])
    expect(flags([0, 11.3, 11.3]).at(-1)).toEqual([2, 0, 11.3, 11.31])
    expect(flags([0, 11.32, 11.32]).at(-1)).toEqual([2, 3, 11.32, 11.31])
  })

  test('the flags drop once a dry spell ends the event', () => {
    const out = flags([0, 20, 20, 0, 0, 0, 0, 0, 0, 0])
    // Hour 1: D = 1 h, I = 20 ≥ 14.82 → orange. Hours 2–7: same event. Hour 8: 6 h dry → none.
    expect(out.map(([g, c]) => [g, c])).toEqual([[0, 0], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [0, 0], [0, 0]])
  })

  test('a daily series: the rain of each day spans its 24 h', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    const g = ch.indicators.findIndex((i) => i.id === 'rain.id.guzzetti')
    const out: Array<[number, number, number]> = []
    for (const [d, mm] of [0, 12, 24].entries()) {
      ch.update(rain(T0 + d * 24 * H, mm))
      const o = ch.observations[g]
      out.push([o?.rank ?? -1, Math.round((o?.value ?? 0) * 1000) / 1000, Math.round((ch.indicators[g]?.thresholds[2] ?? 0) * 1000) / 1000])
    }
    // Day 1: I = 0.5 mm/h over 24 h, below Guzzetti's 0.543; day 2: 36 mm over 48 h = 0.75 ≥ 0.401.
    expect(out).toEqual([
      [0, 0, Number.NaN],
      [0, 0.5, 0.543],
      [2, 0.75, 0.401]
    ])
  })

  test('10-min bursts: no flag before the event lasts 1 h', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    const c = ch.indicators.findIndex((i) => i.id === 'rain.id.caine')
    const ranks: number[] = []
    for (let m = 0; m <= 60; m += 10) {
      ch.update(rain(T0 + m * MIN, m === 0 ? 0 : 5))
      ranks.push(ch.observations[c]?.rank ?? -1)
    }
    // I = 30 mm/h throughout; D reaches 1 h at minute 60.
    expect(ranks).toEqual([0, 0, 0, 0, 0, 0, 3])
  })
})
