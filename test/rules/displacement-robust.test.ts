import { describe, expect, test } from 'vitest'
import type { SiteLevel } from '../../domain/index.js'
import { displacementMm as modelMm, type SiteMotion } from '../../device-sim/models/displacement.js'
import { DisplacementSeries } from '../../rules/displacement.js'
import { createEngine } from '../../rules/engine.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import { DAY, defaultTables, H, MIN, reading, T0 } from './helpers.js'

const SITE = { id: 'S-JH-001', county: '431129' }
const rules = compileSiteRules(defaultTables())
const STEP_MS = 5 * MIN

/** Deterministic normal noise (Box–Muller on a small LCG): no test depends on Math.random. */
function noise(seed: number): () => number {
  let s = seed >>> 0
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())
}

/** GNSS every 5 min along x (the horizontal resultant), 0.3 mm noise as in device-sim/station.ts. */
function gnssLevels(count: number, mmAt: (tH: number) => number, extra: (i: number) => number = () => 0, seed = 7) {
  const engine = createEngine(defaultTables(), [SITE])
  const n = noise(seed)
  const levels: SiteLevel[] = []
  for (let i = 0; i < count; i++) {
    const tH = (i * STEP_MS) / H
    // Offset so the resultant never folds through zero.
    engine.ingest(reading('gnss', T0 + i * STEP_MS, { dxMm: 100 + mmAt(tH) + 0.3 * n() + extra(i), dyMm: 0.3 * n() }))
    levels.push(engine.level(SITE.id))
  }
  return { engine, levels }
}

describe('displacement: minimum fit span', () => {
  test.each([1, 2, 3, 4, 5])('a quiet GNSS site (0.3 mm noise, 5 min) raises nothing from its first sample (seed %i)', (seed) => {
    const { engine, levels } = gnssLevels((2 * DAY) / STEP_MS, () => 0, () => 0, seed)
    expect(levels.every((l) => l === 'none')).toBe(true)
    // No grade before the fit spans 2 h: 24 readings are `insufficient`, not rated `none`.
    expect(engine.stats().insufficient).toBe(24)
  })

  test.each<[string, number, number, boolean]>([
    ['5 samples over 20 min', 5 * MIN, 5, false],
    ['24 samples over 115 min', 5 * MIN, 24, false],
    ['25 samples over 2 h', 5 * MIN, 25, true],
    ['4 hourly samples', H, 4, false],
    ['5 hourly samples', H, 5, true],
    ['5 daily samples', DAY, 5, true]
  ])('%s → graded: %s', (_name, stepMs, count, graded) => {
    const s = new DisplacementSeries(rules.regression, rules.grossError)
    for (let i = 0; i < count; i++) s.add(T0 + i * stepMs, (13 * i * stepMs) / DAY)
    const v = s.velocityMmPerDay()
    if (graded) expect(v).toBeCloseTo(13, 9)
    else expect(v).toBeNaN()
  })

  test('monthly surveys are graded when the table looks back far enough', () => {
    const s = new DisplacementSeries({ ...rules.regression, lookbackMs: 200 * DAY }, rules.grossError)
    for (let i = 0; i < 5; i++) s.add(T0 + i * 30 * DAY, 0.5 * i)
    expect(s.velocityMmPerDay()).toBeCloseTo(0.5 / 30, 9)
  })

  test('a constant 13 mm/day creep is graded once the span reaches 2 h, not before', () => {
    const { levels } = gnssLevels(48, (tH) => (13 * tH) / 24)
    // Graded from the 25th reading (2 h); orange (10 ≤ v < 20) after 3 of 5 ratings, which one
    // device alone caps at yellow (orange needs a second indicator, site-level.ts).
    expect(levels.slice(0, 26)).toEqual(Array<SiteLevel>(26).fill('none'))
    expect(levels[26]).toBe('yellow')
    expect(levels.at(-1)).toBe('yellow')
  })

  test('a fast channel whose ring cannot span 2 h is graded over the full ring', () => {
    const s = new DisplacementSeries(rules.regression)
    for (let i = 0; i < 64; i++) s.add(T0 + i * 10_000, (13 * i * 10_000) / DAY)
    expect(s.velocityMmPerDay()).toBeCloseTo(13, 6)
  })
})

describe('displacement: GNSS gross errors', () => {
  test.each([15, 40, -40])('a single %s mm outlier in a 1 mm/day creep raises nothing and is counted', (mm) => {
    const at = 40
    const { engine, levels } = gnssLevels(120, (tH) => tH / 24, (i) => (i === at ? mm : 0))
    expect(levels.every((l) => l === 'none')).toBe(true)
    expect(engine.stats()).toMatchObject({ suspect: 1, grossErrors: 1 })
  })

  test('a real step moves consecutive samples: held back once, then kept', () => {
    const s = new DisplacementSeries(rules.regression, rules.grossError)
    for (let i = 0; i < 30; i++) s.add(T0 + i * STEP_MS, 0)
    s.add(T0 + 30 * STEP_MS, 20)
    expect(s.fit()).toBe('suspect')
    s.add(T0 + 31 * STEP_MS, 20)
    expect(s.fit()).toBe('fitted')
    expect(s.rejected).toBe(0)
    expect(s.velocity).toBeGreaterThan(20)
  })

  test('crack meters are not filtered by default', () => {
    const ch = createEngine(defaultTables(), [SITE])
    for (let i = 0; i < 40; i++) ch.ingest(reading('crack', T0 + i * STEP_MS, { openingMm: i === 30 ? 40 : 0 }))
    expect(ch.stats()).toMatchObject({ suspect: 0, grossErrors: 0 })
  })
})

describe('displacement: a real acceleration (device-sim inverse-velocity model) is not rejected', () => {
  // Creep 13 mm/day, acceleration from hour 12 toward failure at hour 48 (the storm scenario's shape).
  const motion: SiteMotion = { creepMmPerDay: 13, onsetH: 12, failureH: 48 }

  test('graded and rising through orange to red; no sample rejected', () => {
    const count = (50 * H) / STEP_MS
    const { engine, levels } = gnssLevels(count, (tH) => modelMm(motion, tH))
    expect(engine.stats().grossErrors).toBe(0)
    const firstRed = levels.indexOf('red')
    expect(levels.indexOf('orange')).toBeGreaterThan(0)
    expect(firstRed).toBeGreaterThan(levels.indexOf('orange'))
    // The model passes 20 mm/day at 13·36/(48 − t) = 20 → t ≈ 24.6 h; the trailing fit (≈ 5 h of
    // samples) lags by about half its span, plus 3 of 5 persistence.
    expect((firstRed * STEP_MS) / H).toBeGreaterThan(24.6)
    expect((firstRed * STEP_MS) / H).toBeLessThan(28)
    expect(levels.slice(firstRed)).toEqual(Array<SiteLevel>(count - firstRed).fill('red'))
  })

  test('with 30 mm outliers on top, the fit matches a clean fit of the same noisy series', () => {
    const filtered = new DisplacementSeries(rules.regression, rules.grossError)
    const clean = new DisplacementSeries(rules.regression)
    const n = noise(11)
    let suspects = 0
    let worstMmPerDay = 0
    for (let i = 0; i <= (50 * H) / STEP_MS; i++) {
      const tH = (i * STEP_MS) / H
      const u = modelMm(motion, tH) + 0.3 * n()
      filtered.add(T0 + i * STEP_MS, u + (i % 97 === 50 ? 30 : 0))
      clean.add(T0 + i * STEP_MS, u)
      const outcome = filtered.fit()
      if (outcome === 'suspect') suspects++
      if (outcome === 'fitted' && clean.fit() === 'fitted') worstMmPerDay = Math.max(worstMmPerDay, Math.abs(filtered.velocity - clean.velocity) / Math.max(1, clean.velocity / 20))
    }
    // Outliers at readings 50, 147, … 535: each held back once, then rejected; no real sample is.
    expect(filtered.rejected).toBe(6)
    expect(suspects).toBe(6)
    // One sample fewer in the window: under 1 mm/day (or 5 % of a fast rate) apart.
    expect(worstMmPerDay).toBeLessThan(1)
    expect(filtered.velocity).toBeGreaterThan(10 * 20)
  })
})
