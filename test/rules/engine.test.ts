import { describe, expect, test } from 'vitest'
import type { SiteLevel } from '../../domain/index.js'
import { createEngine, type Engine, type Transition } from '../../rules/engine.js'
import type { RuleTables } from '../../rules/tables.js'
import { DAY, defaultTables, H, rain, reading, T0 } from './helpers.js'

const SITE = { id: 'S-JH-001', county: '431129' }

/**
 * The persistence and dwell mechanics, one indicator at a time: no intensity–duration flags, and
 * one indicator may reach red alone (the combination caps have tests of their own, combination.test.ts).
 */
function soloTables(base: RuleTables = defaultTables()): RuleTables {
  const t = structuredClone(base)
  return {
    ...t,
    rain: { ...t.rain, event: { ...t.rain.event, curves: [] } },
    grading: { ...t.grading, combination: { ...t.grading.combination, aloneMax: 'red' } }
  }
}

/** The solo table with the 1 h window only, so each reading's rating is easy to follow. */
function oneHourTables(): RuleTables {
  const t = soloTables()
  return { ...t, rain: { ...t.rain, windows: t.rain.windows.filter((w) => w.id === '1h') } }
}

function steps(transitions: ReadonlyArray<Transition | null>): Array<[SiteLevel, SiteLevel, number]> {
  return transitions.filter((t): t is Transition => t !== null).map((t) => [t.from, t.to, (t.at - T0) / H])
}

function hourlyRain(engine: Engine, mmByHour: readonly number[], startH = 0): Array<Transition | null> {
  return mmByHour.map((mm, i) => engine.ingest(rain(T0 + (startH + i) * H, mm)))
}

describe('engine: persistence before rising', () => {
  test('2 exceedances of 5 → no rise; the 3rd → blue, with evidence', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    const out = hourlyRain(engine, [40, 0, 40, 0])
    expect(steps(out)).toEqual([])
    const t = engine.ingest(rain(T0 + 4 * H, 40))
    expect(t).toEqual({
      siteId: SITE.id,
      county: SITE.county,
      from: 'none',
      to: 'blue',
      at: T0 + 4 * H,
      evidence: [{ indicator: 'rain.1h', level: 'blue', deviceId: 'RG1', sensorId: 'YL1', value: 40, threshold: 35, unit: 'mm', at: T0 + 4 * H }]
    })
    expect(engine.level(SITE.id)).toBe('blue')
  })

  test('jumps are allowed: persistent red rises straight to red', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    expect(steps(hourlyRain(engine, [85, 85, 85]))).toEqual([['none', 'red', 2]])
  })

  test('the highest persistent level of any window and any gauge', () => {
    const engine = createEngine(soloTables(), [SITE])
    const out: Array<Transition | null> = []
    // Gauge 2: 20 mm/h steadily → 3 h sum 60 (blue) from hour 2; 6 h 120 (orange) from hour 5.
    for (let h = 0; h < 6; h++) out.push(engine.ingest(rain(T0 + h * H, 20, { deviceId: 'RG2', sensorId: 'YL1' })))
    expect(steps(out)).toEqual([['none', 'blue', 4]])
    for (let h = 6; h < 8; h++) out.push(engine.ingest(rain(T0 + h * H, 20, { deviceId: 'RG2', sensorId: 'YL1' })))
    expect(steps(out)).toEqual([['none', 'blue', 4], ['blue', 'yellow', 6], ['yellow', 'orange', 7]])
  })
})

describe('engine: falling one level at a time after the dwell', () => {
  test('rain-only: 6 h per step, from the last reading at the level', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    const mm = [85, 85, 85, ...Array<number>(30).fill(0)]
    expect(steps(hourlyRain(engine, mm))).toEqual([
      ['none', 'red', 2],
      ['red', 'orange', 8],
      ['orange', 'yellow', 14],
      ['yellow', 'blue', 20],
      ['blue', 'none', 26]
    ])
  })

  test('rain coming back during the dwell holds the level and restarts the dwell', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    // yellow from hour 2; a yellow hour again at hour 6: the drop waits for 6 h after that.
    const out = hourlyRain(engine, [50, 50, 50, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0])
    expect(steps(out)).toEqual([['none', 'yellow', 2], ['yellow', 'blue', 12]])
  })

  test('lowering evidence shows the values now against the level left', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    const out = hourlyRain(engine, [50, 50, 50, 0, 0, 0, 0, 0, 1])
    const lowered = out.filter((t) => t !== null).at(-1)
    expect(lowered).toMatchObject({ from: 'yellow', to: 'blue', evidence: [{ indicator: 'rain.1h', level: 'yellow', value: 1, threshold: 45 }] })
  })

  test('displacement: 24 h dwell', () => {
    const engine = createEngine(soloTables(), [SITE])
    const out: Array<Transition | null> = []
    // 12 mm/day for 12 h (orange), then still.
    for (let h = 0; h <= 12; h++) out.push(engine.ingest(reading('gnss', T0 + h * H, { dxMm: (12 * h) / 24, dyMm: 0 })))
    for (let h = 13; h <= 90; h++) out.push(engine.ingest(reading('gnss', T0 + h * H, { dxMm: 6, dyMm: 0 })))
    const s = steps(out)
    expect(s[0]).toEqual(['none', 'orange', 6])
    const first = s[1]
    expect(first?.slice(0, 2)).toEqual(['orange', 'yellow'])
    // Still since hour 12; the fit leaves orange within a few hours; the drop waits 24 h more.
    expect(first?.[2]).toBeGreaterThanOrEqual(12 + 24)
    expect(first?.[2]).toBeLessThanOrEqual(12 + 6 + 24)
    expect(s[2]?.[2]).toBe((first?.[2] ?? 0) + 24)
  })
})

describe('engine: sites, restore, bookkeeping', () => {
  test('a restored level falls only a full (longest) dwell after the first reading', () => {
    const engine = createEngine(defaultTables(), [SITE])
    engine.restore(SITE.id, SITE.county, 'yellow')
    const out = hourlyRain(engine, Array<number>(30).fill(0), 100)
    expect(steps(out)).toEqual([['yellow', 'blue', 124]])
  })

  test('a restored level rises again without reopening from none', () => {
    const engine = createEngine(oneHourTables(), [SITE])
    engine.restore(SITE.id, SITE.county, 'yellow')
    expect(steps(hourlyRain(engine, [65, 65, 65]))).toEqual([['yellow', 'orange', 2]])
  })

  test('per-site velocity thresholds; bad overrides reported, defaults kept', () => {
    const sensitive = { id: 'S-2', county: '431129', rules: { velocityMmPerDay: { blue: 0.5, yellow: 1, orange: 2, red: 3 }, dwellHByFamily: { rain: -1 } } }
    const engine = createEngine(soloTables(), [SITE, sensitive])
    expect(engine.problems()).toEqual([expect.stringMatching(/^site S-2: rules\.dwellHByFamily\.rain: .*\(default kept\)$/)])
    const levels: Record<string, SiteLevel> = {}
    for (const site of [SITE.id, sensitive.id]) {
      for (let h = 0; h <= 8; h++) engine.ingest(reading('crack', T0 + h * H, { openingMm: (3.5 * h) / 24 }, { siteId: site }))
      levels[site] = engine.level(site)
    }
    expect(levels).toEqual({ [SITE.id]: 'blue', [sensitive.id]: 'red' })
  })

  test('unknown sites get the defaults; unsupported sensors, junk and duplicates are counted', () => {
    const engine = createEngine(defaultTables(), [])
    engine.ingest(reading('radar', T0, { xM: 1 }))
    engine.ingest(rain(T0, 1))
    engine.ingest(rain(T0, 1))
    engine.ingest(rain(T0 + H, -1))
    engine.ingest(rain(T0 - 30 * DAY, 1))
    engine.ingest(reading('rain', T0 + 2 * H, { totalMm: 100 }))
    expect(engine.hasSite(SITE.id)).toBe(true)
    // −1 mm is outside the rain gauge's physical range: invalid, rates nothing.
    expect(engine.stats()).toMatchObject({ readings: 6, evaluated: 1, duplicate: 1, stale: 1, invalid: 1, outOfRange: 1, insufficient: 1, suspect: 0, grossErrors: 0, unsupported: 1, transitions: 0, sites: 1 })
  })
})
