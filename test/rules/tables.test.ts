import { describe, expect, test } from 'vitest'
import { compileSiteRules, resolveSiteRules } from '../../rules/site-rules.js'
import { loadRuleTables } from '../../rules/tables.js'
import { defaultTables } from './helpers.js'

describe('rule tables', () => {
  test('the shipped default loads and is frozen', () => {
    const t = defaultTables()
    expect(t.rain.windows.map((w) => w.id)).toEqual(['10min', '1h', '3h', '6h', '12h', '24h', '72h'])
    expect(Object.isFrozen(t.rain.windows[0]?.thresholdsMm)).toBe(true)
  })

  test('every problem of a bad file is listed', () => {
    const t = structuredClone(defaultTables()) as unknown as Record<string, Record<string, unknown>>
    const bad = {
      ...t,
      rain: { ...t.rain, windows: [{ id: '1h', windowMin: 60, thresholdsMm: { blue: 50, yellow: 45 } }, { id: 'x', windowMin: -1, thresholdsMm: { blue: -1 } }] },
      grading: { ...t.grading, persistence: { k: 6, n: 5 } },
      extra: true
    }
    const loaded = loadRuleTables(bad)
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.reason).toEqual(
      expect.arrayContaining([
        'rain.windows.0.thresholdsMm.yellow: yellow (45) must be above blue (50)',
        'rain.windows.1.id: a window id looks like 10min, 1h or 3d',
        'grading.persistence.k: k must not exceed n'
      ])
    )
    expect(loaded.reason.some((r) => r.startsWith('rain.windows.1.windowMin'))).toBe(true)
    expect(loaded.reason.some((r) => r.startsWith('rain.windows.1.thresholdsMm'))).toBe(true)
    expect(loaded.reason.some((r) => r.includes('extra'))).toBe(true)
  })

  test('a CMA-style table may give a window only some levels', () => {
    const t = structuredClone(defaultTables())
    const cma = { ...t, rain: { profile: 'cma-rainstorm', source: 'CMA rainstorm signals, domain.md §3', windows: [{ id: '3h', windowMin: 180, thresholdsMm: { orange: 50, red: 100 } }, { id: '6h', windowMin: 360, thresholdsMm: { yellow: 50 } }, { id: '12h', windowMin: 720, thresholdsMm: { blue: 50 } }] } }
    expect(loadRuleTables(cma).ok).toBe(true)
  })

  test('site overrides: valid keys apply, invalid keys are reported and the default kept', () => {
    const t = defaultTables()
    const { overrides, problems } = resolveSiteRules(t, 'S1', {
      velocityMmPerDay: { blue: 1, yellow: 3, orange: 6, red: 12 },
      rainThresholdsMm: { '7h': { blue: 1 } },
      persistence: { k: 2, n: 1 },
      sirens: true
    })
    expect(Object.keys(overrides)).toEqual(['velocityMmPerDay'])
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toMatch(/rules\.rainThresholdsMm: unknown window 7h/)
    expect(problems.join('\n')).toMatch(/rules\.persistence\.k: k must not exceed n \(default kept\)/)
    expect(problems.join('\n')).toMatch(/rules\.sirens: unknown override/)
    const rules = compileSiteRules(t, overrides)
    expect([...rules.velocityMmPerDay].slice(1)).toEqual([1, 3, 6, 12])
    expect(rules.persistence.rain).toEqual({ k: 3, n: 5 })
    expect(rules.dwellMs).toMatchObject({ rain: 6 * 3_600_000, 'rain-flag': 6 * 3_600_000, displacement: 24 * 3_600_000, groundwater: 24 * 3_600_000 })
  })

  test('older tables without the fit-span and gross-error settings get the defaults', () => {
    const t = structuredClone(defaultTables())
    const { minSpanH: _span, minStandardErrors: _se, ...regression } = t.displacement.regression
    const { grossError: _g, ...displacement } = t.displacement
    const loaded = loadRuleTables({ ...t, displacement: { ...displacement, regression } })
    expect(loaded.ok && loaded.value.displacement).toMatchObject({
      regression: { minSpanH: 2, minStandardErrors: 3 },
      grossError: { k: 3, floorMm: 5, sensorTypes: ['gnss'] }
    })
  })

  test.each<[string, Record<string, unknown>, string]>([
    ['minSpanH past the lookback', { regression: { spanH: 6, minSamples: 5, maxSamples: 64, lookbackH: 240, minSpanH: 300 } }, 'displacement.regression.minSpanH: minSpanH must not exceed lookbackH'],
    ['a filter on rain', { grossError: { k: 3, floorMm: 5, sensorTypes: ['rain'] } }, 'displacement.grossError.sensorTypes.0'],
    ['k of zero', { grossError: { k: 0, floorMm: 5 } }, 'displacement.grossError.k']
  ])('rejected: %s', (_name, patch, problem) => {
    const t = structuredClone(defaultTables())
    const loaded = loadRuleTables({ ...t, displacement: { ...t.displacement, ...patch } })
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(loaded.reason.some((r) => r.startsWith(problem))).toBe(true)
  })
})
