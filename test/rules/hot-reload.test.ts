import { describe, expect, test } from 'vitest'
import type { Reading } from '../../domain/index.js'
import { createEngine, DEFAULT_EVALUATORS } from '../../rules/engine.js'
import { newObservations, rankOf, type Channel, type Evaluator } from '../../rules/evaluator.js'
import type { RuleTables } from '../../rules/tables.js'
import { defaultTables, H, reading, T0 } from './helpers.js'

/** Hot reload: thresholds are swapped into the running channels, which keep their series. */

const SITE = { id: 'S-JH-001', county: '431129' }
const gw = (h: number, levelM: number): Reading => reading('groundwater', T0 + h * H, { levelM }, { deviceId: 'DX1', sensorId: 'L3_DX_1' })

/** Groundwater may stand alone up to orange here, so the site level shows its rating. */
function gwTables(v0PerDay = 0.3): RuleTables {
  const c = structuredClone(defaultTables())
  return {
    ...c,
    grading: { ...c.grading, combination: { ...c.grading.combination, groundwaterStepsAboveDisplacement: 3 } },
    groundwater: { ...c.groundwater, groundwater: { ...c.groundwater.groundwater, v0PerDay } }
  }
}

describe('engine.updateTables / upsertSite keep window state', () => {
  test('new groundwater V0: the next reading is rated at once on the kept series, with the new levels', () => {
    const engine = createEngine(gwTables(), [SITE])
    // 0.4 m/d for 12 h: yellow against V0 0.3 (orange from 1.5).
    for (let h = 0; h <= 12; h++) engine.ingest(gw(h, 10 + (0.4 * h) / 24))
    expect(engine.level(SITE.id)).toBe('yellow')
    const before = engine.stats().evaluated
    const updated = engine.updateTables(gwTables(0.05))
    expect(updated).toEqual({ ok: true, value: [] })
    engine.ingest(gw(13, 10 + (0.4 * 13) / 24))
    expect(engine.stats()).toMatchObject({ evaluated: before + 1, restartedChannels: 0 })
    // 0.4 m/d against V0 0.05 is orange (≥ 0.25); persistence needs 3 of 5 at orange again.
    for (let h = 14; h <= 15; h++) engine.ingest(gw(h, 10 + (0.4 * h) / 24))
    expect(engine.level(SITE.id)).toBe('orange')
  })

  test('a per-site override arriving later keeps the series too', () => {
    const engine = createEngine(gwTables(), [SITE])
    for (let h = 0; h <= 12; h++) engine.ingest(gw(h, 10 + (0.4 * h) / 24))
    expect(engine.level(SITE.id)).toBe('yellow')
    expect(engine.upsertSite({ ...SITE, rules: { groundwaterV0MPerDay: 0.05 } })).toEqual([])
    for (let h = 13; h <= 15; h++) engine.ingest(gw(h, 10 + (0.4 * h) / 24))
    expect(engine.level(SITE.id)).toBe('orange')
    expect(engine.stats()).toMatchObject({ restartedChannels: 0, insufficient: 6 })
  })

  test('a channel whose evaluator cannot retune restarts empty, and is counted', () => {
    let created = 0
    const plain: Evaluator = {
      id: 'plain',
      sensorTypes: ['radar'],
      createChannel(rules) {
        created++
        const thresholds = rules.other.mudStageM
        const observations = newObservations(1)
        const channel: Channel = {
          indicators: [{ id: 'plain', family: 'secondary', unit: 'm', thresholds }],
          observations,
          update(r) {
            const o = observations[0]
            if (o === undefined) return 'insufficient'
            o.value = r.fields.xM ?? 0
            o.rank = rankOf(o.value, thresholds)
            o.updated = true
            return 'evaluated'
          }
        }
        return channel
      }
    }
    const engine = createEngine(defaultTables(), [SITE], [...DEFAULT_EVALUATORS, plain])
    engine.ingest(reading('radar', T0, { xM: 1 }))
    engine.ingest(gw(0, 10))
    expect(engine.updateTables(defaultTables()).ok).toBe(true)
    engine.ingest(reading('radar', T0 + H, { xM: 1 }))
    expect(created).toBe(2)
    expect(engine.stats().restartedChannels).toBe(1)
  })

  test('invalid tables are refused with every problem; the running tables are kept', () => {
    const running = defaultTables()
    const engine = createEngine(running, [SITE])
    const bad = structuredClone(running) as unknown as Record<string, Record<string, unknown>>
    bad.mud = { ...bad.mud, stageM: { yellow: 2, orange: 1 } }
    bad.grading = { ...bad.grading, combination: { ...(bad.grading?.combination as object), aloneMax: 'purple' } }
    const result = engine.updateTables(bad as unknown as RuleTables)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.reason).toEqual([
      expect.stringMatching(/^grading\.combination\.aloneMax: .*\(running tables kept\)$/),
      expect.stringMatching(/^mud\.stageM\.orange: orange \(1\) must be above yellow \(2\) \(running tables kept\)$/)
    ])
    expect(engine.tables()).toBe(running)
  })

  test('site override problems under the new tables are returned, the defaults kept for them', () => {
    const engine = createEngine(defaultTables(), [{ ...SITE, rules: { rainThresholdsMm: { '1h': { yellow: 40 } } } }])
    const t = structuredClone(defaultTables())
    const without1h = { ...t, rain: { ...t.rain, windows: t.rain.windows.filter((w) => w.id !== '1h') } }
    const result = engine.updateTables(without1h)
    expect(result).toEqual({ ok: true, value: [expect.stringMatching(/^site S-JH-001: rules\.rainThresholdsMm: unknown window 1h/)] })
  })
})
