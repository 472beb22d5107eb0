import { describe, expect, test } from 'vitest'
import type { Reading } from '../../domain/index.js'
import { DISPLACEMENT_INDICATOR, displacementEvaluator } from '../../rules/displacement.js'
import { createEngine } from '../../rules/engine.js'
import { compileSiteRules } from '../../rules/site-rules.js'
import type { RuleTables } from '../../rules/tables.js'
import { DAY, defaultTables, H, reading, T0 } from './helpers.js'

/** Hot reload of the displacement channel: new thresholds, same series, velocity history and forecast state. */

const SITE = { id: 'S-JH-001', county: '431129' }
/** Steady creep at 3 mm/day, hourly GNSS fixes: blue under the default table (blue 2, yellow 5). */
const gnss = (h: number): Reading => reading('gnss', T0 + h * H, { dxMm: (3 * h * H) / DAY, dyMm: 0 })

/** Persistence 1 of 1, so the site level shows each rating at once. */
function tables(velocityMmPerDay = { blue: 2, yellow: 5, orange: 10, red: 20 }, maxSamples?: number): RuleTables {
  const t = structuredClone(defaultTables())
  return {
    ...t,
    grading: { ...t.grading, persistence: { k: 1, n: 1 }, persistenceByFamily: {} },
    displacement: {
      ...t.displacement,
      velocityMmPerDay,
      regression: { ...t.displacement.regression, ...(maxSamples === undefined ? {} : { maxSamples }) }
    }
  }
}
const LOWER = { blue: 0.5, yellow: 2, orange: 4, red: 8 }

describe('displacement channel retune', () => {
  test('a threshold change keeps the velocity: the next reading is rated on the kept series with the new levels', () => {
    const engine = createEngine(tables(), [SITE])
    for (let h = 0; h <= 24; h++) engine.ingest(gnss(h))
    expect(engine.level(SITE.id)).toBe('blue')
    const { evaluated, insufficient } = engine.stats()
    expect(engine.updateTables(tables(LOWER))).toEqual({ ok: true, value: [] })
    const t = engine.ingest(gnss(25))
    // A fresh channel would need 5 samples over 2 h first; the kept one rates this very reading.
    expect(engine.stats()).toMatchObject({ evaluated: evaluated + 1, insufficient, restartedChannels: 0 })
    expect(t).toMatchObject({ from: 'blue', to: 'yellow' })
    const ev = t?.evidence.find((e) => e.indicator === DISPLACEMENT_INDICATOR)
    expect(ev?.value).toBeCloseTo(3, 6)
    expect(ev?.threshold).toBe(2)
  })

  test('a new ring size is structural: the channel restarts empty, and is counted', () => {
    const engine = createEngine(tables(), [SITE])
    for (let h = 0; h <= 24; h++) engine.ingest(gnss(h))
    expect(engine.updateTables(tables(LOWER, 32)).ok).toBe(true)
    expect(engine.stats().restartedChannels).toBe(1)
    const { insufficient } = engine.stats()
    engine.ingest(gnss(25))
    expect(engine.stats().insufficient).toBe(insufficient + 1)
  })

  test.each<[string, () => RuleTables, boolean]>([
    ['thresholds only', () => tables(LOWER), true],
    ['the same rules', () => tables(), true],
    ['ring size', () => tables(undefined, 32), false]
  ])('retune on %s → %s', (_name, next, kept) => {
    const channel = displacementEvaluator.createChannel(compileSiteRules(tables()), 'gnss')
    for (let h = 0; h <= 24; h++) channel.update(gnss(h))
    const velocity = channel.observations[0]?.value
    expect(channel.retune?.(compileSiteRules(next()))).toBe(kept)
    if (!kept) return
    expect(channel.update(gnss(25))).toBe('evaluated')
    expect(channel.observations[0]?.value).toBeCloseTo(velocity ?? Number.NaN, 6)
    expect(channel.indicators[0]?.thresholds[2]).toBe(next().displacement.velocityMmPerDay.yellow)
  })
})
