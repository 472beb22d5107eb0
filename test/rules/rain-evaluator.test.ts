import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { SiteLevel } from '../../domain/index.js'
import type { Channel } from '../../rules/evaluator.js'
import { rainEvaluator, rateRainSums } from '../../rules/rain-evaluator.js'
import { compileSiteRules, type CompiledRainWindow } from '../../rules/site-rules.js'
import { loadRuleTables, type RuleTables } from '../../rules/tables.js'
import { DEFAULT_TABLES_PATH, defaultTables, H, MIN, rain, T0 } from './helpers.js'

const CMA_TABLES_PATH = new URL('../../config/rules-cma.json', import.meta.url)

function tablesAt(path: URL): RuleTables {
  const loaded = loadRuleTables(JSON.parse(readFileSync(path, 'utf8')))
  if (!loaded.ok) throw new Error(loaded.reason.join('\n'))
  return loaded.value
}

const jianghua = compileSiteRules(defaultTables()).rainWindows
const cma = compileSiteRules(tablesAt(CMA_TABLES_PATH)).rainWindows
const AT = T0

/** Sums in table order: the named windows at their value, the others at zero. */
function sums(windows: readonly CompiledRainWindow[], mmById: Record<string, number>): number[] {
  return windows.map((w) => mmById[w.id] ?? 0)
}

function byId(ch: Channel): Record<string, [number | undefined, number | undefined]> {
  return Object.fromEntries(ch.indicators.map((spec, i) => [spec.id, [ch.observations[i]?.rank, ch.observations[i]?.value]]))
}

describe('rain evaluator: Jianghua County table (domain.md §3)', () => {
  test.each<[string, number, SiteLevel]>([
    ['1h', 0, 'none'],
    ['1h', 34.9, 'none'],
    ['1h', 35, 'blue'],
    ['1h', 44.9, 'blue'],
    ['1h', 45, 'yellow'],
    ['1h', 60, 'orange'],
    ['1h', 79.9, 'orange'],
    ['1h', 80, 'red'],
    ['1h', 300, 'red'],
    ['3h', 54.9, 'none'],
    ['3h', 55, 'blue'],
    ['3h', 75, 'yellow'],
    ['3h', 100, 'orange'],
    ['3h', 120, 'red'],
    ['6h', 69.9, 'none'],
    ['6h', 70, 'blue'],
    ['6h', 95, 'yellow'],
    ['6h', 120, 'orange'],
    ['6h', 150, 'red'],
    ['24h', 99.9, 'none'],
    ['24h', 100, 'blue'],
    ['24h', 130, 'yellow'],
    ['24h', 160, 'orange'],
    ['24h', 200, 'red'],
    // Shown, never graded: no sourced thresholds for these windows.
    ['10min', 500, 'none'],
    ['12h', 500, 'none'],
    ['72h', 500, 'none']
  ])('%s rain %s mm → %s', (id, mm, level) => {
    expect(rateRainSums(sums(jianghua, { [id]: mm }), jianghua, AT).level).toBe(level)
  })

  test('the highest window wins, with evidence for every window at a level', () => {
    // 1 h blue, 3 h none, 6 h yellow, 24 h orange.
    const rating = rateRainSums(sums(jianghua, { '1h': 40, '3h': 50, '6h': 96, '24h': 170 }), jianghua, AT)
    expect(rating.level).toBe('orange')
    expect(rating.evidence).toEqual([
      { indicator: 'rain.24h', level: 'orange', value: 170, threshold: 160, unit: 'mm', at: AT },
      { indicator: 'rain.6h', level: 'yellow', value: 96, threshold: 95, unit: 'mm', at: AT },
      { indicator: 'rain.1h', level: 'blue', value: 40, threshold: 35, unit: 'mm', at: AT }
    ])
  })
})

describe('rain evaluator: CMA rainstorm-signal profile (config/rules-cma.json)', () => {
  test.each<[Record<string, number>, SiteLevel]>([
    [{ '12h': 49.9 }, 'none'],
    [{ '12h': 50 }, 'blue'],
    [{ '6h': 49.9, '12h': 49.9 }, 'none'],
    [{ '6h': 50, '12h': 50 }, 'yellow'],
    [{ '3h': 49.9, '6h': 49.9, '12h': 49.9 }, 'none'],
    [{ '3h': 50, '6h': 50, '12h': 50 }, 'orange'],
    [{ '3h': 99.9 }, 'orange'],
    [{ '3h': 100 }, 'red'],
    // No CMA signal on these windows.
    [{ '10min': 90, '1h': 99, '24h': 300, '72h': 900 }, 'none']
  ])('%j → %s', (mmById, level) => {
    expect(rateRainSums(sums(cma, mmById), cma, AT).level).toBe(level)
  })

  test('is the default file with only the rain table changed', () => {
    const def = JSON.parse(readFileSync(DEFAULT_TABLES_PATH, 'utf8')) as Record<string, unknown>
    const alt = JSON.parse(readFileSync(CMA_TABLES_PATH, 'utf8')) as Record<string, unknown>
    // If this fails after a new section in rules-default.json, copy it to rules-cma.json.
    expect({ ...alt, rain: null }).toEqual({ ...def, rain: null })
    expect(alt.rain).toMatchObject({ profile: 'cma-rainstorm-signals', source: expect.stringContaining('CMA Order No. 16') })
  })
})

describe('rain channel', () => {
  const rules = compileSiteRules(defaultTables())

  test('indicators: the seven windows, the I–D flags, R_eff; each with its family and unit', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    expect(ch.indicators.map((i) => [i.id, i.family, i.unit])).toEqual([
      ['rain.10min', 'rain', 'mm'],
      ['rain.1h', 'rain', 'mm'],
      ['rain.3h', 'rain', 'mm'],
      ['rain.6h', 'rain', 'mm'],
      ['rain.12h', 'rain', 'mm'],
      ['rain.24h', 'rain', 'mm'],
      ['rain.72h', 'rain', 'mm'],
      ['rain.id.guzzetti', 'rain-flag', 'mm/h'],
      ['rain.id.caine', 'rain-flag', 'mm/h'],
      ['rain.eff', 'rain', 'mm']
    ])
  })

  test('rates every window on each reading, from real elapsed time', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    // 20 mm at 10-min intervals: 3 reports → 60 mm within the hour (orange on 1 h, blue on 3 h).
    for (const m of [10, 20, 30]) expect(ch.update(rain(T0 + m * MIN, 20))).toBe('evaluated')
    expect(byId(ch)).toMatchObject({
      'rain.10min': [0, 20],
      'rain.1h': [3, 60],
      'rain.3h': [1, 60],
      'rain.6h': [0, 60],
      'rain.12h': [0, 60],
      'rain.24h': [0, 60],
      'rain.72h': [0, 60],
      'rain.eff': [0, 60]
    })
    expect(ch.update(rain(T0 + 30 * MIN, 20))).toBe('duplicate')
    expect(ch.update(rain(T0 - 4 * 24 * H, 1))).toBe('stale')
    expect(ch.update(rain(T0 + H, -3))).toBe('invalid')
  })

  test('hot reload: new thresholds and k keep the sums; other windows need a fresh channel', () => {
    const t = defaultTables()
    const ch = rainEvaluator.createChannel(rules, 'rain')
    for (const m of [10, 20, 30]) ch.update(rain(T0 + m * MIN, 10))
    expect(byId(ch)['rain.1h']).toEqual([0, 30])
    const lower = structuredClone(t)
    const oneHour = lower.rain.windows.find((w) => w.id === '1h')
    if (oneHour === undefined) throw new Error('no 1 h window')
    oneHour.thresholdsMm = { blue: 20, yellow: 40 }
    lower.rain.antecedent.k = 0.5
    expect(ch.retune?.(compileSiteRules(lower))).toBe(true)
    // The shared default rules are untouched: the channel owns its thresholds.
    expect(rules.rainWindows[1]?.thresholdsMm[1]).toBe(35)
    ch.update(rain(T0 + 40 * MIN, 10))
    expect(byId(ch)).toMatchObject({ 'rain.1h': [2, 40], 'rain.eff': [0, 40] })
    const fewer = { ...t, rain: { ...t.rain, windows: t.rain.windows.filter((w) => w.id !== '72h') } }
    expect(ch.retune?.(compileSiteRules(fewer))).toBe(false)
  })

  test('a daily series does not rate a day of rain as one hour', () => {
    const ch = rainEvaluator.createChannel(rules, 'rain')
    ch.update(rain(T0, 0))
    ch.update(rain(T0 + 24 * H, 120))
    // 5 mm/h: no 1 h, 3 h or 6 h level; 24 h blue (≥ 100).
    expect(byId(ch)).toMatchObject({ 'rain.1h': [0, 5], 'rain.3h': [0, 15], 'rain.6h': [0, 30], 'rain.24h': [1, 120] })
  })
})
