import { describe, expect, test } from 'vitest'
import { SITE_LEVELS, type HazardType, type Reading, type SiteLevel } from '../../domain/index.js'
import { createEngine, type Transition } from '../../rules/engine.js'
import { newObservations, type Channel, type Evaluator, type IndicatorSpec } from '../../rules/evaluator.js'
import { FAMILIES, type Family } from '../../rules/families.js'
import { defaultTables, H, MIN, T0 } from './helpers.js'

/**
 * The combination rules of domain.md §3, on their own: a probe evaluator (the plug-in slot every
 * model uses) rates one indicator per family straight from the reading (`fields[family]` = rank),
 * so each row states exactly which indicators stand at which level.
 */

const probeEvaluator: Evaluator = {
  id: 'probe',
  sensorTypes: ['radar'],
  createChannel(): Channel {
    const indicators: IndicatorSpec[] = FAMILIES.map((family) => ({
      id: `probe.${family}`,
      family,
      unit: 'rank',
      thresholds: Float64Array.from([Number.NaN, 1, 2, 3, 4])
    }))
    const observations = newObservations(indicators.length)
    return {
      indicators,
      observations,
      update(r: Reading) {
        for (const [i, family] of FAMILIES.entries()) {
          const rank = r.fields[family]
          const o = observations[i]
          if (rank === undefined || o === undefined) continue
          o.rank = rank
          o.value = rank
          o.updated = true
        }
        return 'evaluated'
      }
    }
  }
}

type Ratings = Partial<Record<Family, SiteLevel>>
/** Device id → what its probe rates. */
type Devices = Record<string, Ratings>

const SITE = 'S-COMBO'

function probe(deviceId: string, ts: number, ratings: Ratings): Reading {
  const fields: Record<string, number> = {}
  for (const [family, level] of Object.entries(ratings)) fields[family] = SITE_LEVELS.indexOf(level)
  return { deviceId, sensorId: 'P1', type: 'radar', siteId: SITE, county: '431129', ts, fields }
}

/** Three rounds (persistence 3 of 5) of every device's ratings; the transitions in order. */
function run(devices: Devices, hazardType: HazardType = 'landslide'): { level: SiteLevel; transitions: Transition[] } {
  const engine = createEngine(defaultTables(), [{ id: SITE, county: '431129', hazardType }], [probeEvaluator])
  const transitions: Transition[] = []
  for (let round = 0; round < 3; round++) {
    for (const [deviceId, ratings] of Object.entries(devices)) {
      const t = engine.ingest(probe(deviceId, T0 + round * 10 * MIN, ratings))
      if (t !== null) transitions.push(t)
    }
  }
  return { level: engine.level(SITE), transitions }
}

describe('combination: one indicator alone stops at yellow; orange and red need two independent ones', () => {
  test.each<[string, Devices, SiteLevel]>([
    ['rain red alone', { RG: { rain: 'red' } }, 'yellow'],
    ['rain red and a rain flag, no displacement', { RG: { rain: 'red', 'rain-flag': 'orange' } }, 'yellow'],
    ['rain blue alone', { RG: { rain: 'blue' } }, 'blue'],
    // rainFlagAloneMax: an ordinary wet-season day reaches the Guzzetti minimum.
    ['a yellow rain flag alone shows blue', { RG: { 'rain-flag': 'yellow' } }, 'blue'],
    ['an orange rain flag alone shows blue', { RG: { 'rain-flag': 'orange' } }, 'blue'],
    ['a yellow rain flag + displacement yellow', { RG: { 'rain-flag': 'yellow' }, GN1: { displacement: 'yellow' } }, 'yellow'],
    ['displacement red on one device', { GN1: { displacement: 'red' } }, 'yellow'],
    ['forecast red alone', { GN1: { forecast: 'red' } }, 'yellow'],
    ['rain orange + displacement orange', { RG: { rain: 'orange' }, GN1: { displacement: 'orange' } }, 'orange'],
    ['rain red + displacement orange: the lower of the pair', { RG: { rain: 'red' }, GN1: { displacement: 'orange' } }, 'orange'],
    ['rain red + displacement red', { RG: { rain: 'red' }, GN1: { displacement: 'red' } }, 'red'],
    ['rain yellow + displacement red: no pair above yellow', { RG: { rain: 'yellow' }, GN1: { displacement: 'red' } }, 'yellow'],
    ['two displacement devices orange', { GN1: { displacement: 'orange' }, GN2: { displacement: 'orange' } }, 'orange'],
    ['two displacement devices red', { GN1: { displacement: 'red' }, CR1: { displacement: 'red' } }, 'red'],
    ['displacement red + forecast red (same device)', { GN1: { displacement: 'red', forecast: 'red' } }, 'red'],
    ['displacement orange + forecast red', { GN1: { displacement: 'orange', forecast: 'red' } }, 'orange'],
    ['rain flag orange + displacement orange', { RG: { 'rain-flag': 'orange' }, GN1: { displacement: 'orange' } }, 'orange'],
    ['rain flag red + displacement red: flags never red', { RG: { 'rain-flag': 'red' }, GN1: { displacement: 'red' } }, 'orange'],
    ['rain orange + rain flag orange + forecast red, no displacement', { RG: { rain: 'orange', 'rain-flag': 'orange' }, GN1: { forecast: 'red' } }, 'yellow'],
    ['secondary red alone', { TL: { secondary: 'red' } }, 'yellow'],
    ['secondary red + displacement red: never a partner', { TL: { secondary: 'red' }, GN1: { displacement: 'red' } }, 'yellow'],
    ['mud and trigger on a landslide site: no debris combination', { NW: { mud: 'red', trigger: 'red' }, RG: { rain: 'red' } }, 'yellow']
  ])('%s → %s', (_name, devices, expected) => {
    expect(run(devices).level).toBe(expected)
  })
})

describe('combination: groundwater adds at most one level to displacement, never red', () => {
  test.each<[string, Devices, SiteLevel]>([
    ['groundwater red alone', { DX: { groundwater: 'red' } }, 'blue'],
    ['groundwater red + displacement blue', { DX: { groundwater: 'red' }, GN1: { displacement: 'blue' } }, 'yellow'],
    ['groundwater orange + displacement yellow', { DX: { groundwater: 'orange' }, GN1: { displacement: 'yellow' } }, 'orange'],
    ['groundwater yellow + displacement yellow: no rise of its own', { DX: { groundwater: 'yellow' }, GN1: { displacement: 'yellow' } }, 'yellow'],
    ['groundwater red + displacement orange: never red', { DX: { groundwater: 'red' }, GN1: { displacement: 'orange' } }, 'orange'],
    ['groundwater red + displacement red + rain red: red by the pair', { DX: { groundwater: 'red' }, GN1: { displacement: 'red' }, RG: { rain: 'red' } }, 'red']
  ])('%s → %s', (_name, devices, expected) => {
    expect(run(devices).level).toBe(expected)
  })
})

describe('combination: debris-flow sites', () => {
  test.each<[string, Devices, SiteLevel]>([
    ['mud at stage alone', { NW: { mud: 'red' } }, 'yellow'],
    ['mud at stage + rain yellow', { NW: { mud: 'yellow' }, RG: { rain: 'yellow' } }, 'orange'],
    ['mud at stage + rain flag yellow', { NW: { mud: 'yellow' }, RG: { 'rain-flag': 'yellow' } }, 'orange'],
    ['mud at stage + rain blue', { NW: { mud: 'yellow' }, RG: { rain: 'blue' } }, 'yellow'],
    ['mud below stage + rain red', { NW: { mud: 'blue' }, RG: { rain: 'red' } }, 'yellow'],
    ['mud at stage + trigger', { NW: { mud: 'yellow' }, CS: { trigger: 'yellow' } }, 'red'],
    ['mud at stage + rain + trigger', { NW: { mud: 'orange' }, RG: { rain: 'yellow' }, CS: { trigger: 'yellow' } }, 'red'],
    ['trigger alone', { CS: { trigger: 'red' } }, 'yellow'],
    ['mud below stage + trigger', { NW: { mud: 'blue' }, CS: { trigger: 'yellow' } }, 'yellow']
  ])('%s → %s', (_name, devices, expected) => {
    expect(run(devices, 'debris_flow').level).toBe(expected)
  })
})

describe('combination: evidence lists both of the pair', () => {
  const evidenceOf = (t: Transition | undefined): Array<[string, string | undefined, string]> =>
    (t?.evidence ?? []).map((e) => [e.indicator, e.deviceId, e.level]).sort() as Array<[string, string | undefined, string]>

  test('rain + displacement → orange: the rain gauge and the GNSS', () => {
    const { transitions } = run({ RG: { rain: 'orange' }, GN1: { displacement: 'orange' } })
    const orange = transitions.find((t) => t.to === 'orange')
    expect(evidenceOf(orange)).toEqual([
      ['probe.displacement', 'GN1', 'orange'],
      ['probe.rain', 'RG', 'orange']
    ])
  })

  test('two displacement devices → orange: both devices', () => {
    const { transitions } = run({ GN1: { displacement: 'orange' }, GN2: { displacement: 'red' } })
    expect(transitions.at(-1)?.to).toBe('orange')
    expect(evidenceOf(transitions.at(-1))).toEqual([
      ['probe.displacement', 'GN1', 'orange'],
      ['probe.displacement', 'GN2', 'red']
    ])
  })

  test('groundwater +1: groundwater with the displacement it stands on', () => {
    const { transitions } = run({ DX: { groundwater: 'orange' }, GN1: { displacement: 'yellow' } })
    expect(transitions.at(-1)?.to).toBe('orange')
    expect(evidenceOf(transitions.at(-1))).toEqual([
      ['probe.displacement', 'GN1', 'yellow'],
      ['probe.groundwater', 'DX', 'orange']
    ])
  })

  test('debris flow red: the mud and the trigger', () => {
    const { transitions } = run({ NW: { mud: 'yellow' }, CS: { trigger: 'yellow' } }, 'debris_flow')
    expect(transitions.at(-1)?.to).toBe('red')
    expect(evidenceOf(transitions.at(-1))).toEqual([
      ['probe.mud', 'NW', 'yellow'],
      ['probe.trigger', 'CS', 'yellow']
    ])
  })
})

describe('combination: falling keeps the dwell semantics', () => {
  test('the pair falls a displacement dwell (24 h) after its rain left orange, one level at a time', () => {
    const engine = createEngine(defaultTables(), [{ id: SITE, county: '431129' }], [probeEvaluator])
    const steps: Array<[SiteLevel, SiteLevel, number]> = []
    for (let h = 0; h < 60; h++) {
      const rainLevel: SiteLevel = h < 3 ? 'orange' : 'none'
      for (const t of [engine.ingest(probe('RG', T0 + h * H, { rain: rainLevel })), engine.ingest(probe('GN1', T0 + h * H + MIN, { displacement: 'orange' }))]) {
        if (t !== null) steps.push([t.from, t.to, Math.round((t.at - T0) / H)])
      }
    }
    // Hour 2: the rain is persistent first (yellow alone), then the GNSS a minute later (orange).
    // The rain last rated orange at hour 2: yellow 24 h later, and there it stays, the
    // displacement alone holding yellow.
    expect(steps).toEqual([
      ['none', 'yellow', 2],
      ['yellow', 'orange', 2],
      ['orange', 'yellow', 26]
    ])
  })
})

describe('combination: configurable caps', () => {
  test('aloneMax red lets one indicator reach red (e.g. a province that trusts its rain table)', () => {
    const t = structuredClone(defaultTables())
    const tables = { ...t, grading: { ...t.grading, combination: { ...t.grading.combination, aloneMax: 'red' as const } } }
    const engine = createEngine(tables, [{ id: SITE, county: '431129' }], [probeEvaluator])
    for (let round = 0; round < 3; round++) engine.ingest(probe('RG', T0 + round * MIN, { rain: 'red' }))
    expect(engine.level(SITE)).toBe('red')
  })
})
