import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { leafList, mergeRuleLayers, regionLayers, siteLayers, type JsonObject, type RuleOverrides } from '../../domain/rule-layers.js'
import { createEngine } from '../../rules/engine.js'
import { readLayeredRuleTables } from '../../rules/rule-files.js'
import { loadLayeredRuleTables, regionTables } from '../../rules/rule-layers.js'
import { compileSiteRules, explainSiteRules, resolveSiteRules } from '../../rules/site-rules.js'
import { defaultTables, H, rain, T0 } from './helpers.js'

const BASE: JsonObject = {
  rain: { source: 'Jianghua', windows: [{ id: '1h', windowMin: 60, thresholdsMm: { blue: 35, red: 80 } }, { id: '3h', windowMin: 180, thresholdsMm: { blue: 55 } }] },
  grading: { dwellH: 24, persistence: { k: 3, n: 5 }, persistenceByFamily: { rain: { k: 2, n: 3 } }, sensorTypes: ['gnss'] }
}

describe('mergeRuleLayers: deep merge with provenance', () => {
  test.each<[string, JsonObject[], string, unknown, string | undefined]>([
    ['no layer: default', [], 'rain.windows[1h].thresholdsMm.red', 80, 'default'],
    ['a scalar replaced', [{ grading: { dwellH: 12 } }], 'grading.dwellH', 12, 'L0'],
    ['siblings kept', [{ grading: { dwellH: 12 } }], 'grading.persistence.k', 3, 'default'],
    ['window merged by id', [{ rain: { windows: [{ id: '1h', thresholdsMm: { red: 90 } }] } }], 'rain.windows[1h].thresholdsMm.red', 90, 'L0'],
    ['other levels of the window kept', [{ rain: { windows: [{ id: '1h', thresholdsMm: { red: 90 } }] } }], 'rain.windows[1h].thresholdsMm.blue', 35, 'default'],
    ['later layer wins', [{ grading: { dwellH: 12 } }, { grading: { dwellH: 6 } }], 'grading.dwellH', 6, 'L1'],
    ['null deletes', [{ rain: { windows: [{ id: '1h', thresholdsMm: { blue: null } }] } }], 'rain.windows[1h].thresholdsMm.blue', undefined, undefined],
    ['new window appended', [{ rain: { windows: [{ id: '24h', windowMin: 1440, thresholdsMm: { red: 200 } }] } }], 'rain.windows[24h].windowMin', 1440, 'L0'],
    ['$remove drops a window', [{ rain: { windows: [{ id: '3h', $remove: true }] } }], 'rain.windows[3h].windowMin', undefined, undefined],
    ['an id-less array is one value', [{ grading: { sensorTypes: ['gnss', 'crack'] } }], 'grading.sensorTypes', ['gnss', 'crack'], 'L0'],
    ['a replaced object takes its whole subtree', [{ grading: { persistence: 2 } }, { grading: { persistence: { k: 1, n: 1 } } }], 'grading.persistence.n', 1, 'L1']
  ])('%s', (_name, patches, path, value, source) => {
    const layered = mergeRuleLayers(BASE, patches.map((patch, i) => ({ source: `L${i}`, patch })))
    const leaf = leafList(layered).find((l) => l.path === path)
    expect(leaf?.value).toEqual(value)
    expect(layered.provenance[path]).toBe(source)
    expect(Object.keys(layered.provenance).sort()).toEqual(leafList(layered).map((l) => l.path).sort())
  })

  test('the base is not modified', () => {
    const before = structuredClone(BASE)
    mergeRuleLayers(BASE, [{ source: 'x', patch: { rain: { windows: [{ id: '1h', thresholdsMm: { red: 1 } }] }, grading: null } }])
    expect(BASE).toEqual(before)
  })
})

const OVERRIDES: RuleOverrides = {
  version: 1,
  provinces: { '51': { grading: { dwellH: 12 } } },
  cities: { '5132': { rain: { windows: [{ id: '24h', thresholdsMm: { red: 180 } }] } } },
  counties: { '513221': { rain: { windows: [{ id: '1h', thresholdsMm: { yellow: 40 } }] } } }
}

test.each([
  ['513221', ['province:51', 'city:5132', 'county:513221']],
  ['513222', ['province:51', 'city:5132']],
  ['510104', ['province:51']],
  ['431129', []]
])('regional layers of county %s', (county, sources) => {
  expect(regionLayers(OVERRIDES, county).map((l) => l.source)).toEqual(sources)
})

test.each<[Record<string, unknown>, string, unknown]>([
  [{ velocityMmPerDay: { blue: 1, yellow: 2, orange: 3, red: 4 } }, 'displacement.velocityMmPerDay.red', 4],
  [{ rainThresholdsMm: { '1h': { red: 70 } } }, 'rain.windows[1h].thresholdsMm.red', 70],
  [{ persistence: { k: 1, n: 1 } }, 'grading.persistenceByFamily.rain.k', 1],
  [{ dwellHByFamily: { rain: 3 } }, 'grading.dwellHByFamily.rain', 3],
  [{ tables: { grading: { dwellH: 2 } } }, 'grading.dwellH', 2]
])('site shortcut %j sets %s', (rules, path, value) => {
  const { layers, problems } = siteLayers('S1', rules, BASE)
  expect(problems).toEqual([])
  const layered = mergeRuleLayers({ ...BASE, displacement: { velocityMmPerDay: { blue: 2, yellow: 5, orange: 10, red: 20 } }, grading: { ...(BASE.grading as JsonObject), dwellHByFamily: {} } }, layers)
  expect(leafList(layered).find((l) => l.path === path)).toEqual({ path, value, source: 'site:S1' })
})

test('the rain shortcut replaces a window’s thresholds: the levels it leaves out are gone', () => {
  const { layers } = siteLayers('S1', { rainThresholdsMm: { '1h': { red: 70 } } }, BASE)
  const leaves = leafList(mergeRuleLayers(BASE, layers)).filter((l) => l.path.startsWith('rain.windows[1h].thresholdsMm'))
  expect(leaves).toEqual([{ path: 'rain.windows[1h].thresholdsMm.red', value: 70, source: 'site:S1' }])
})

describe('loadLayeredRuleTables: an invalid override file is refused with every problem', () => {
  const tablesJson = () => structuredClone(defaultTables()) as unknown

  test('valid layers load; a Sichuan county gets its stack', () => {
    const loaded = loadLayeredRuleTables(tablesJson(), {
      version: 1,
      provinces: { '51': { grading: { dwellH: 12 } } },
      counties: { '513221': { rain: { windows: [{ id: '1h', thresholdsMm: { red: 70 } }] } } }
    })
    expect(loaded.ok).toBe(true)
    if (!loaded.ok) return
    const county = regionTables(loaded.value, '513221')
    expect(county.ok && county.value.rain.windows.find((w) => w.id === '1h')?.thresholdsMm).toEqual({ blue: 35, yellow: 45, orange: 60, red: 70 })
    expect(county.ok && county.value.grading.dwellH).toBe(12)
    expect(regionTables(loaded.value, '431129')).toEqual({ ok: true, value: loaded.value })
  })

  test('every problem of every layer, with its path', () => {
    const loaded = loadLayeredRuleTables(tablesJson(), {
      version: 1,
      provinces: { '51': { grading: { dwellH: -1 } }, '5': {} },
      counties: {
        '513221': { rain: { windows: [{ id: '1h', thresholdsMm: { red: 40 } }] } },
        '431129': { displacement: { velocityMmPerDay: { red: 'fast' } }, sirens: true }
      }
    })
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.reason).toEqual([expect.stringMatching(/^overrides\.provinces\.5: a province key has 2 digits/)])
  })

  test('structurally fine, semantically wrong: each stack reports its own problems', () => {
    const loaded = loadLayeredRuleTables(tablesJson(), {
      version: 1,
      provinces: { '51': { grading: { dwellH: -1 } } },
      counties: {
        '513221': { rain: { windows: [{ id: '1h', thresholdsMm: { red: 40 } }] } },
        '431129': { displacement: { velocityMmPerDay: { red: 'fast' } }, sirens: true }
      }
    })
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    const text = loaded.reason.join('\n')
    expect(text).toMatch(/^provinces\.51\.grading\.dwellH: /m)
    expect(text).toMatch(/^counties\.513221\.grading\.dwellH: /m)
    expect(text).toMatch(/^counties\.513221\.rain\.windows\.\d+\.thresholdsMm\.red: red \(40\) must be above orange \(60\)/m)
    expect(text).toMatch(/^counties\.431129\.displacement\.velocityMmPerDay\.red: /m)
    expect(text).toMatch(/^counties\.431129: .*sirens/m)
  })
})

describe('explainSiteRules and the engine agree', () => {
  const loaded = loadLayeredRuleTables(structuredClone(defaultTables()), {
    version: 1,
    provinces: { '43': { rain: { source: 'Hunan provincial table (test)', windows: [{ id: '1h', thresholdsMm: { blue: 10, yellow: 20, orange: 30, red: 40 } }] } } },
    counties: { '431129': { grading: { dwellHByFamily: { rain: 2 } } } }
  })
  if (!loaded.ok) throw new Error(loaded.reason.join('\n'))
  const tables = loaded.value

  test('provenance of each layer', () => {
    const site = { id: 'S-1', county: '431129', rules: { velocityMmPerDay: { blue: 1, yellow: 2, orange: 4, red: 8 }, sirens: true } }
    const { effective, provenance, problems } = explainSiteRules(tables, site)
    expect(provenance).toMatchObject({
      'rain.source': 'province:43',
      'rain.windows[1h].thresholdsMm.red': 'province:43',
      'rain.windows[3h].thresholdsMm.red': 'default',
      'grading.dwellHByFamily.rain': 'county:431129',
      'grading.dwellHByFamily.displacement': 'default',
      'displacement.velocityMmPerDay.blue': 'site:S-1'
    })
    expect((effective.grading as JsonObject).dwellHByFamily).toMatchObject({ rain: 2, displacement: 24 })
    expect(problems).toEqual([expect.stringMatching(/site S-1: rules\.sirens: unknown override/)])
  })

  test('a rejected site value is not shown as applied', () => {
    const { provenance, problems } = explainSiteRules(tables, { id: 'S-2', county: '431129', rules: { persistence: { k: 4, n: 2 }, tables: { grading: { dwellH: 0 } } } })
    expect(problems).toHaveLength(2)
    expect(provenance['grading.persistence.k']).toBe('default')
    expect(provenance['grading.dwellH']).toBe('default')
  })

  test('the engine runs the provincial rain table in Hunan, the default elsewhere', () => {
    const engine = createEngine(tables, [{ id: 'HN', county: '431129' }, { id: 'SC', county: '510104' }])
    for (const siteId of ['HN', 'SC']) for (let h = 0; h < 3; h++) engine.ingest(rain(T0 + h * H, 25, { siteId, county: siteId === 'HN' ? '431129' : '510104' }))
    expect([engine.level('HN'), engine.level('SC')]).toEqual(['yellow', 'none'])
  })

  test('sites of one county share one compiled rules object', () => {
    const a = resolveSiteRules(tables, 'A', undefined, '431129')
    const b = resolveSiteRules(tables, 'B', {}, '431129')
    expect(compileSiteRules(tables, a.overrides)).toBe(compileSiteRules(tables, b.overrides))
    expect(compileSiteRules(tables, a.overrides).dwellMs.rain).toBe(2 * H)
  })

  test('site tables patch applies over the county', () => {
    const r = resolveSiteRules(tables, 'A', { tables: { rain: { windows: [{ id: '1h', thresholdsMm: { red: 45 } }] } } }, '431129')
    expect(r.problems).toEqual([])
    expect([...compileSiteRules(tables, r.overrides).rainWindows.find((w) => w.id === '1h')!.thresholdsMm].slice(1)).toEqual([10, 20, 30, 45])
  })
})

test('the shipped example override file loads against the shipped defaults', () => {
  const example: unknown = JSON.parse(readFileSync(new URL('../../config/rules-overrides.example.json', import.meta.url), 'utf8'))
  const loaded = loadLayeredRuleTables(structuredClone(defaultTables()), example)
  expect(loaded.ok ? [] : loaded.reason).toEqual([])
  const site = loaded.ok ? explainSiteRules(loaded.value, { id: 'S-GZ', county: '513221' }) : undefined
  expect(site?.provenance).toMatchObject({ 'rain.windows[1h].thresholdsMm.red': 'province:51', 'rain.windows[3h].thresholdsMm.red': 'county:513221', 'rain.windows[6h].thresholdsMm.red': 'default' })
})

describe('readLayeredRuleTables: the files, every problem naming its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'geowarn-layers-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const rulesFile = fileURLToPath(new URL('../../config/rules-default.json', import.meta.url))

  test.each<[string, string | undefined, RegExp | null]>([
    ['no override file', undefined, null],
    ['a good one', JSON.stringify({ version: 1, provinces: { '51': { grading: { dwellH: 12 } } } }), null],
    ['not JSON', '{"version":', /overrides\.json: .*JSON/],
    ['a bad layer', JSON.stringify({ version: 1, counties: { '513221': { grading: { dwellH: 0 } } } }), /overrides\.json: counties\.513221\.grading\.dwellH: /]
  ])('%s', async (_name, text, problem) => {
    const file = join(dir, 'overrides.json')
    if (text !== undefined) writeFileSync(file, text)
    const r = await readLayeredRuleTables(rulesFile, text === undefined ? undefined : file)
    if (problem === null) expect(r.ok).toBe(true)
    else expect(r.ok ? [] : r.reason).toEqual([expect.stringMatching(problem)])
  })

  test('a missing override file that was named is a problem', async () => {
    const r = await readLayeredRuleTables(rulesFile, join(dir, 'nope.json'))
    expect(r.ok ? [] : r.reason).toEqual([expect.stringMatching(/nope\.json: ENOENT/)])
  })
})
