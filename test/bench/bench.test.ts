import { describe, expect, test } from 'vitest'
import { formatTable } from '../../bench/report.js'
import { SUITES, SUITE_NAMES, type Figure, type Spread } from '../../bench/suites.js'

/** Keeps the benchmark code from rotting: every suite, quick, yields positive finite figures. */
const positive = (s: Spread): void => {
  expect(Number.isFinite(s.median) && Number.isFinite(s.min) && Number.isFinite(s.max)).toBe(true)
  expect(s.min).toBeGreaterThan(0)
  expect(s.min).toBeLessThanOrEqual(s.median)
  expect(s.median).toBeLessThanOrEqual(s.max)
}

describe('geowarn bench --quick', () => {
  test('the suites are decode, engine and pipeline', () => {
    expect(SUITE_NAMES).toEqual(['decode', 'engine', 'pipeline'])
  })

  test.each(SUITE_NAMES)('%s yields positive finite figures', async (name) => {
    const suite = SUITES[name]
    if (suite === undefined) throw new Error(`no suite ${name}`)
    const result = await suite({ quick: true })
    expect(result.suite).toBe(name)
    expect(result.figures.length).toBeGreaterThan(0)
    for (const f of result.figures as Figure[]) {
      positive(f.value)
      if (f.baseline !== undefined) positive(f.baseline.value)
      if (f.ratio !== undefined) positive(f.ratio)
    }
    expect(formatTable([result])).toContain(`== ${name}`)
  })
})
