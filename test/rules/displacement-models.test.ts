import { describe, expect, test } from 'vitest'
import { displacementMm as modelMm, type SiteMotion } from '../../device-sim/models/displacement.js'
import {
  ACCELERATION_INDICATOR,
  DISPLACEMENT_INDICATOR,
  displacementEvaluator,
  FORECAST_INDICATOR,
  FORECAST_POINTS_INDICATOR,
  FORECAST_R2_INDICATOR,
  FORECAST_SPAN_INDICATOR,
  TANGENT_ANGLE_INDICATOR,
  type DisplacementChannel
} from '../../rules/displacement.js'
import { createEngine, type Transition } from '../../rules/engine.js'
import { forecastFailure } from '../../rules/inverse-velocity.js'
import { compileSiteRules, resolveSiteRules, type SiteRules } from '../../rules/site-rules.js'
import { rankOf } from '../../rules/evaluator.js'
import type { SensorType } from '../../domain/index.js'
import { tangentAngleDeg } from '../../rules/tangent-angle.js'
import { DAY, defaultTables, H, MIN, reading, T0 } from './helpers.js'

const tables = defaultTables()
const rules = compileSiteRules(tables)

/** Deterministic normal noise (Box–Muller on a small LCG): no test depends on Math.random. */
function noise(seed: number): () => number {
  let s = seed >>> 0
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())
}

interface Step {
  ts: number
  rank: Record<string, number>
  value: Record<string, number>
  channel: DisplacementChannel
}

/** Feeds U(t) in mm to one channel every `stepMs` from T0 for `spanMs`; one Step per evaluated reading. */
function drive(type: SensorType, mmAt: (tH: number, i: number) => number, stepMs: number, spanMs: number, siteRules: SiteRules = rules): Step[] {
  const ch = displacementEvaluator.createChannel(siteRules, type) as DisplacementChannel
  const steps: Step[] = []
  for (let i = 0; i * stepMs <= spanMs; i++) {
    const ts = T0 + i * stepMs
    const u = mmAt((i * stepMs) / H, i)
    const fields = type === 'gnss' ? { dxMm: 100 + u, dyMm: 0 } : type === 'crack' ? { openingMm: 10 + u } : { dispXMm: u }
    if (ch.update(reading(type, ts, fields)) !== 'evaluated') continue
    const rank: Record<string, number> = {}
    const value: Record<string, number> = {}
    ch.indicators.forEach((spec, k) => {
      rank[spec.id] = ch.observations[k]?.rank ?? -1
      value[spec.id] = ch.observations[k]?.value ?? Number.NaN
    })
    steps.push({ ts, rank, value, channel: ch })
  }
  return steps
}

const maxRank = (steps: readonly Step[], id: string): number => Math.max(0, ...steps.map((s) => s.rank[id] ?? 0))

describe('improved tangent angle (Xu et al. 2009)', () => {
  test.each<[number, number, number]>([
    // [v/v_eq, α in degrees, rank]: blue from 40°, yellow from 50°, orange 80°, red 85°.
    [Math.tan((39.9 * Math.PI) / 180), 39.9, 0],
    [1, 45, 1],
    [Math.tan((49.9 * Math.PI) / 180), 49.9, 1],
    [Math.tan((50 * Math.PI) / 180), 50, 2],
    [5.6, 79.875, 2],
    [Math.tan((80 * Math.PI) / 180), 80, 3],
    [11.4, 84.987, 3],
    [Math.tan((85 * Math.PI) / 180), 85, 4]
  ])('v/v_eq %s → α %s° → rank %s', (ratio, alphaDeg, rank) => {
    const alpha = tangentAngleDeg(2 * ratio, 2)
    expect(alpha).toBeCloseTo(alphaDeg, 2)
    expect(rankOf(alpha + 1e-9, rules.displacementModels.tangent.thresholdsDeg)).toBe(rank)
  })

  test.each<[string, number]>([
    ['hourly', H],
    ['every 5 min', 5 * MIN]
  ])('a constant 3 mm/day creep (%s, crack noise 0.02 mm) stays blue: α ≈ 45°, never above blue', (_name, stepMs) => {
    const n = noise(11)
    const steps = drive('crack', (tH) => (3 * tH) / 24 + 0.02 * n(), stepMs, 10 * DAY)
    const later = steps.filter((s) => s.ts >= T0 + 2 * DAY)
    expect(later.every((s) => s.rank[TANGENT_ANGLE_INDICATOR] === 1)).toBe(true)
    for (const s of later) expect(Math.abs((s.value[TANGENT_ANGLE_INDICATOR] as number) - 45)).toBeLessThan(3)
    for (const id of [TANGENT_ANGLE_INDICATOR, ACCELERATION_INDICATOR, FORECAST_INDICATOR]) expect(maxRank(steps, id)).toBeLessThanOrEqual(1)
    expect(later.at(-1)?.channel.veqMmPerDay).toBeCloseTo(3, 1)
  })

  test('a crack meter breathing with temperature (0.1 mm daily cycle on 1.5 mm/day creep) is steady creep, not acceleration', () => {
    const n = noise(3)
    const steps = drive('crack', (tH) => (1.5 * tH) / 24 + 0.1 * Math.sin((2 * Math.PI * tH) / 24) + 0.02 * n(), H, 10 * DAY)
    expect(maxRank(steps, TANGENT_ANGLE_INDICATOR)).toBe(1)
    expect(maxRank(steps, ACCELERATION_INDICATOR)).toBe(0)
    expect(maxRank(steps, FORECAST_INDICATOR)).toBe(0)
  })

  test('a configured v_eq (rules.constantVelocityMmPerDay) is used from the first fit', () => {
    const { overrides, problems } = resolveSiteRules(tables, 'S1', { constantVelocityMmPerDay: { crack: 1 } })
    expect(problems).toEqual([])
    // 6 mm/day against v_eq 1: α = arctan 6 = 80.5° → orange.
    const steps = drive('crack', (tH) => (6 * tH) / 24, H, 12 * H, compileSiteRules(tables, overrides))
    expect(steps.at(-1)?.value[TANGENT_ANGLE_INDICATOR]).toBeCloseTo(80.538, 2)
    expect(steps.at(-1)?.rank[TANGENT_ANGLE_INDICATOR]).toBe(3)
  })
})

describe('acceleration (Energies 2021: ≥ 0.9 mm/d² → yellow)', () => {
  test.each<[string, number, number, number]>([
    ['0.905 mm/d², hourly', 0.905, H, 2],
    ['0.895 mm/d², hourly', 0.895, H, 0],
    ['0.905 mm/d², daily', 0.905, DAY, 2],
    ['0.895 mm/d², daily', 0.895, DAY, 0],
    ['1.5 mm/d², every 5 min', 1.5, 5 * MIN, 2]
  ])('%s → rank %s', (_name, aMmPerDay2, stepMs, rank) => {
    // U = v0·t + a·t²/2 from 1 mm/day: a least-squares velocity is exact at its fit's centre time.
    const steps = drive('crack', (tH) => tH / 24 + (aMmPerDay2 * (tH / 24) ** 2) / 2, stepMs, 12 * DAY)
    const last = steps.at(-1) as Step
    expect(last.value[ACCELERATION_INDICATOR]).toBeCloseTo(aMmPerDay2, 6)
    expect(last.rank[ACCELERATION_INDICATOR]).toBe(rank)
  })

  test('nothing before the velocity history spans 24 h', () => {
    const steps = drive('crack', (tH) => (5 * (tH / 24) ** 2) / 2, H, DAY)
    expect(steps.every((s) => s.rank[ACCELERATION_INDICATOR] === 0)).toBe(true)
  })
})

describe('velocity over real elapsed time', () => {
  test('daily and hourly sampling of a 2.4 mm/day creep give the same velocity', () => {
    const at = (stepMs: number) => drive('gnss', (tH) => (2.4 * tH) / 24, stepMs, 20 * DAY).at(-1)?.value[DISPLACEMENT_INDICATOR]
    expect(at(DAY)).toBeCloseTo(2.4, 9)
    expect(at(H)).toBeCloseTo(2.4, 9)
  })
})

describe('a spike from a faulty sensor', () => {
  test.each([15, 40, -40])('a single %s mm GNSS outlier in a 1 mm/day creep raises no indicator above the same series without it', (spikeMm) => {
    const spikeAt = (2 * DAY) / (5 * MIN)
    const run = (withSpike: boolean) => {
      const n = noise(5)
      return drive('gnss', (tH, i) => tH / 24 + 0.3 * n() + (withSpike && i === spikeAt ? spikeMm : 0), 5 * MIN, 3 * DAY)
    }
    const clean = run(false)
    const spiked = run(true)
    for (const id of Object.keys(clean[0]?.rank ?? {})) expect({ id, rank: maxRank(spiked, id) }).toEqual({ id, rank: maxRank(clean, id) })
    // Steady creep at most (tangent angle blue), no acceleration, no forecast.
    expect(maxRank(spiked, TANGENT_ANGLE_INDICATOR)).toBeLessThanOrEqual(1)
    for (const id of [ACCELERATION_INDICATOR, FORECAST_INDICATOR]) expect(maxRank(spiked, id)).toBe(0)
  })
})

describe('inverse-velocity forecast (Fukuzono 1985)', () => {
  // 1/v = A·(t_f − t): v = 1 / (A·(t_f − t)) mm/day with t in days.
  const TF_MS = T0 + 30 * H
  const law = (tMs: number, a = 0.05) => 1 / (a * ((TF_MS - tMs) / DAY))

  test.each<[string, number, number]>([
    ['hourly, 20 h', H, 20],
    ['every 10 min, 6 h', 10 * MIN, 6],
    ['every 4 h, 28 h', 4 * H, 28]
  ])('samples on the law (%s) give t_f exactly, R² 1', (_name, stepMs, hours) => {
    const samples = []
    for (let t = T0; t <= T0 + hours * H; t += stepMs) samples.push({ tMs: t, vMmPerDay: law(t) })
    // A constant-velocity rate well below the first sample: every sample is after the onset.
    const f = forecastFailure(samples, law(T0) / 2)
    expect(f.points).toBe(samples.length)
    expect(f.verdict).toBe('forecast')
    expect(Math.abs(f.tfMs - TF_MS)).toBeLessThan(1000)
    expect(f.r2).toBeCloseTo(1, 9)
  })

  test('the constant creep before the onset is left out of the fit', () => {
    const samples = []
    for (let t = T0 - 24 * H; t < T0; t += H) samples.push({ tMs: t, vMmPerDay: law(T0) })
    for (let t = T0; t <= T0 + 12 * H; t += H) samples.push({ tMs: t, vMmPerDay: law(t) })
    const f = forecastFailure(samples, law(T0))
    expect(f.verdict).toBe('forecast')
    expect(Math.abs(f.tfMs - TF_MS)).toBeLessThan(1000)
    expect(f.onsetMs).toBeGreaterThan(T0)
  })

  test.each<[string, Array<[number, number]>, string]>([
    ['steady', [1, 2, 3, 4, 5, 6, 7, 8].map((h) => [h, 2]), 'no-acceleration'],
    ['decelerating', [1, 2, 3, 4, 5, 6, 7, 8].map((h) => [h, 10 - h]), 'no-acceleration'],
    ['too few points', [1, 2, 3, 4].map((h) => [h, h]), 'too-few-points'],
    ['scattered', [1, 2, 3, 4, 5, 6, 7, 8].map((h) => [h, [1, 9, 2, 8, 2.5, 7, 3, 9][h - 1] as number]), 'poor-fit']
  ])('%s velocities give no forecast (%s)', (_name, points, verdict) => {
    const f = forecastFailure(points.map(([h, v]) => ({ tMs: T0 + h * H, vMmPerDay: v })))
    expect(f.verdict).toBe(verdict)
    expect(f.tfMs).toBeNaN()
  })

  test.each<[string, number]>([
    ['hourly', H],
    ['every 5 min', 5 * MIN]
  ])('device-sim acceleration (%s): t_f within 10 %% of the remaining time once enough points exist, never late; red within 24 h', (_name, stepMs) => {
    // Creep 2 mm/day, onset at 48 h, failure at 144 h (device-sim/models/displacement.ts).
    const motion: SiteMotion = { creepMmPerDay: 2, onsetH: 48, failureH: 144 }
    const failureMs = T0 + 144 * H
    const steps = drive('crack', (tH) => modelMm(motion, tH), stepMs, 143 * H)
    const forecasts = steps.filter((s) => s.channel.forecast.verdict === 'forecast' && s.ts >= T0 + 72 * H)
    expect(forecasts.length).toBeGreaterThan(0)
    // Enough points: a forecast on every reading from 80 h on.
    expect(steps.filter((x) => x.ts >= T0 + 80 * H).every((x) => x.channel.forecast.verdict === 'forecast')).toBe(true)
    for (const s of steps.filter((x) => x.ts >= T0 + 80 * H)) {
      const remainingMs = failureMs - s.ts
      const toFailureH = s.value[FORECAST_INDICATOR] as number
      const errorMs = s.ts + toFailureH * H - failureMs
      // In the last fit span (6 h) the smoothed velocity runs ahead of the hyperbola: early, the safe side.
      if (remainingMs >= 6 * H) expect(Math.abs(errorMs)).toBeLessThanOrEqual(0.1 * remainingMs)
      else expect(errorMs).toBeLessThanOrEqual(0.1 * remainingMs)
      expect(s.rank[FORECAST_INDICATOR]).toBe(toFailureH <= 24 ? 4 : 0)
    }
    expect(steps.at(-1)?.rank[FORECAST_INDICATOR]).toBe(4)
    // The velocity alone is only blue until about 112 h: the forecast is red 24 h ahead.
    expect(steps.find((s) => s.rank[FORECAST_INDICATOR] === 4)?.ts).toBeLessThanOrEqual(T0 + 121 * H)
  })

  test('through the engine: one crack meter reaches red with the forecast as the second indicator, its fit in the evidence', () => {
    const motion: SiteMotion = { creepMmPerDay: 2, onsetH: 48, failureH: 144 }
    const engine = createEngine(tables, [{ id: 'S-JH-001', county: '431129' }])
    const transitions: Transition[] = []
    for (let tH = 0; tH <= 143; tH++) {
      const t = engine.ingest(reading('crack', T0 + tH * H, { openingMm: 10 + modelMm(motion, tH) }, { deviceId: 'LF1' }))
      if (t !== null) transitions.push(t)
    }
    const red = transitions.find((t) => t.to === 'red')
    expect(red).toBeDefined()
    const ids = red?.evidence.map((e) => e.indicator) ?? []
    expect(ids).toEqual(expect.arrayContaining([DISPLACEMENT_INDICATOR, FORECAST_INDICATOR, FORECAST_R2_INDICATOR, FORECAST_POINTS_INDICATOR, FORECAST_SPAN_INDICATOR]))
    const hoursToFailure = red?.evidence.find((e) => e.indicator === FORECAST_INDICATOR)?.value as number
    // t_f = the evidence time + its value; within 10 % of what remained.
    const remainingH = 144 - ((red?.at ?? 0) - T0) / H
    expect(Math.abs(hoursToFailure - remainingH)).toBeLessThanOrEqual(0.1 * remainingH)
  })
})
