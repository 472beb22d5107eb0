import { describe, expect, test } from 'vitest'
import type { Reading, SensorType } from '../../domain/index.js'
import { createEngine } from '../../rules/engine.js'
import type { Channel, SensorInfo } from '../../rules/evaluator.js'
import { groundwaterEvaluator } from '../../rules/groundwater.js'
import { mudLevelEvaluator } from '../../rules/mud-level.js'
import { secondaryEvaluator, toG } from '../../rules/secondary.js'
import { compileSiteRules, resolveSiteRules } from '../../rules/site-rules.js'
import { triggerEvaluator } from '../../rules/trigger.js'
import { DAY, defaultTables, H, MIN, rain, reading, T0 } from './helpers.js'

/** Feed readings to one channel; the outcome of each and the last observation of indicator 0. */
function feed(channel: Channel, readings: readonly Reading[]): { outcomes: string[]; rank: number; value: number } {
  const outcomes = readings.map((r) => channel.update(r))
  const o = channel.observations[0]
  return { outcomes, rank: o?.rank ?? -1, value: o?.value ?? Number.NaN }
}

function channelFor(type: SensorType, siteRules: Record<string, unknown> = {}, sensor?: SensorInfo): Channel {
  const tables = defaultTables()
  const { overrides, problems } = resolveSiteRules(tables, 'S', siteRules)
  expect(problems).toEqual([])
  const rules = compileSiteRules(tables, overrides)
  const evaluator = [groundwaterEvaluator, mudLevelEvaluator, triggerEvaluator, secondaryEvaluator].find((e) => e.sensorTypes.includes(type))
  if (evaluator === undefined) throw new Error(type)
  return evaluator.createChannel(rules, type, sensor)
}

/** Hourly groundwater levels rising linearly at `mPerDay` for `hours`. */
function rising(mPerDay: number, hours: number, type: 'groundwater' | 'pore_pressure' = 'groundwater'): Reading[] {
  const field = type === 'groundwater' ? 'levelM' : 'pressureKpa'
  return Array.from({ length: hours + 1 }, (_, h) => reading(type, T0 + h * H, { [field]: 10 + (mPerDay * h) / 24 }, { deviceId: 'DX1', sensorId: 'DX' }))
}

describe('groundwater / pore pressure: daily rise against the V0 levels (configured V0 0.3 m/d, 3 kPa/d)', () => {
  // Levels: blue 0.5·V0, yellow V0, orange 5·V0, red 10·V0 (Outang multiples; blue our choice).
  test.each<[number, number]>([
    [-1, 0],
    [0.1, 0],
    [0.2, 1],
    [0.4, 2],
    [2, 3],
    [3.5, 4]
  ])('groundwater rising %f m/d rates %i', (mPerDay, rank) => {
    const out = feed(channelFor('groundwater'), rising(mPerDay, 30))
    expect(out.rank).toBe(rank)
    expect(out.value).toBeCloseTo(mPerDay, 9)
  })

  test('pore pressure 20 kPa/d is orange (≥ 5 × 3)', () => {
    expect(feed(channelFor('pore_pressure'), rising(20, 30, 'pore_pressure')).rank).toBe(3)
  })

  test('no rate before the rise spans 6 h; then over what exists', () => {
    const out = feed(channelFor('groundwater'), rising(0.4, 7))
    expect(out.outcomes.slice(0, 6)).toEqual(Array<string>(6).fill('insufficient'))
    expect(out.outcomes.slice(6)).toEqual(['evaluated', 'evaluated'])
    expect(out.value).toBeCloseTo(0.4, 9)
  })

  test('sparse daily points work: the rate is over real elapsed time', () => {
    const days = [0, 1, 3].map((d, i) => reading('groundwater', T0 + d * DAY, { levelM: [10, 10.5, 11.5][i] ?? 0 }))
    const out = feed(channelFor('groundwater'), days)
    expect(out.outcomes).toEqual(['insufficient', 'evaluated', 'evaluated'])
    expect(out.value).toBeCloseTo(0.5, 9)
    expect(out.rank).toBe(2)
  })

  test('the site baseline: after 30 daily rates V0 = max(1.5·mean + 2σ, 0.5 × configured)', () => {
    const channel = channelFor('groundwater')
    // A steady 0.05 m/d for 40 days: mean 0.05, σ 0 → 0.075, floored at 0.15.
    feed(channel, rising(0.05, 40 * 24))
    const t = Array.from(channel.indicators[0]?.thresholds ?? []).slice(1)
    const expected = [0.15, 0.15, 0.75, 1.5]
    for (const [i, v] of expected.entries()) expect(t[i]).toBeCloseTo(v, 9)
  })

  test('a site-fixed V0 (rules.groundwaterV0MPerDay) is used and never learned over', () => {
    const channel = channelFor('groundwater', { groundwaterV0MPerDay: 1 })
    const out = feed(channel, rising(0.8, 40 * 24))
    expect(out.rank).toBe(1)
    expect(channel.indicators[0]?.thresholds[2]).toBe(1)
  })
})

describe('mud level, triggers, tilt and acceleration', () => {
  test.each<[number, number]>([
    [0.3, 0],
    [0.5, 1],
    [0.8, 2],
    [1.2, 3],
    [1.6, 4]
  ])('mud %f m against the shipped stages rates %i', (levelM, rank) => {
    expect(feed(channelFor('mud_level'), [reading('mud_level', T0, { levelM })]).rank).toBe(rank)
  })

  test('the site-configured stage (rules.mudStageM) replaces the shipped one', () => {
    const channel = channelFor('mud_level', { mudStageM: { yellow: 2, red: 4 } })
    expect(feed(channel, [reading('mud_level', T0, { levelM: 1.2 })]).rank).toBe(0)
    expect(feed(channel, [reading('mud_level', T0 + H, { levelM: 4.5 })]).rank).toBe(4)
  })

  test.each<[SensorType, Record<string, number>, number]>([
    ['infrasound', { osp: 80 }, 2],
    ['infrasound', { osp: 40 }, 0],
    ['ground_sound', { osp: 60 }, 2],
    ['vibration', { valueMm: 1.5 }, 2],
    ['vibration', { valueMm: 0.2 }, 0]
  ])('trigger %s %j rates %i', (type, fields, rank) => {
    expect(feed(channelFor(type), [reading(type, T0, fields)]).rank).toBe(rank)
  })

  test.each<[number, number]>([
    [0.2, 0],
    [0.6, 1],
    [1.2, 2],
    [10, 2]
  ])('tilt %f° from the baseline rates %i (blue and yellow only)', (deg, rank) => {
    const base = Array.from({ length: 6 }, (_, i) => reading('tilt', T0 + i * H, { xDeg: 0.1, yDeg: -0.2 }))
    const out = feed(channelFor('tilt'), [...base, reading('tilt', T0 + 6 * H, { xDeg: 0.1 + deg * 0.6, yDeg: -0.2 + deg * 0.8 })])
    expect(out.outcomes.slice(0, 6)).toEqual(Array<string>(6).fill('insufficient'))
    expect(out.rank).toBe(rank)
    expect(out.value).toBeCloseTo(deg, 9)
  })

  test('acceleration in the vendor unit (mg) is compared in g', () => {
    const base = Array.from({ length: 6 }, (_, i) => reading('accel', T0 + i * H, { gX: 0, gY: 0, gZ: 1000 }))
    const out = feed(channelFor('accel', {}, { deviceId: 'JS1', sensorId: 'S1', unit: 'mg' }), [...base, reading('accel', T0 + 6 * H, { gX: 80, gY: 0, gZ: 1000 })])
    expect(out.value).toBeCloseTo(0.08, 9)
    expect(out.rank).toBe(1)
    expect([toG('g'), toG('mg'), toG('m/s²'), toG('furlong')]).toEqual([1, 0.001, 1 / 9.80665, undefined])
  })
})

describe('real evaluators on a debris-flow site', () => {
  const DEBRIS = { id: 'S-NSL-01', county: '513221', hazardType: 'debris_flow' as const }
  const at = (h: number): number => T0 + h * H

  test('mud at stage + rain ≥ yellow → orange; + an infrasound trigger → red', () => {
    const engine = createEngine(defaultTables(), [DEBRIS])
    const on = { siteId: DEBRIS.id, county: DEBRIS.county }
    const levels: string[] = []
    for (let h = 0; h < 3; h++) {
      engine.ingest(reading('mud_level', at(h), { levelM: 0.9 }, { ...on, deviceId: 'NW1', sensorId: 'L4_NW_1' }))
      engine.ingest(rain(at(h) + MIN, 50, on))
    }
    levels.push(engine.level(DEBRIS.id))
    for (let h = 3; h < 5; h++) engine.ingest(reading('infrasound', at(h), { osp: 90 }, { ...on, deviceId: 'CS1', sensorId: 'L2_CS_1' }))
    levels.push(engine.level(DEBRIS.id))
    expect(levels).toEqual(['orange', 'red'])
  })

  test('the same readings on a landslide site stop at yellow', () => {
    const engine = createEngine(defaultTables(), [{ ...DEBRIS, hazardType: 'landslide' }])
    const on = { siteId: DEBRIS.id, county: DEBRIS.county }
    for (let h = 0; h < 5; h++) {
      engine.ingest(reading('mud_level', at(h), { levelM: 0.9 }, { ...on, deviceId: 'NW1', sensorId: 'L4_NW_1' }))
      engine.ingest(rain(at(h) + MIN, 50, on))
      engine.ingest(reading('infrasound', at(h) + 2 * MIN, { osp: 90 }, { ...on, deviceId: 'CS1', sensorId: 'L2_CS_1' }))
    }
    expect(engine.level(DEBRIS.id)).toBe('yellow')
  })
})
