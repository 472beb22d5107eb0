import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { loadLayeredRuleTables } from '../../rules/rule-layers.js'
import { parseReplayCsv, type ReplayRow } from '../../rules/replay-csv.js'
import { createReplay, runReplay } from '../../rules/replay.js'
import { DAY, defaultTables, H, T0 } from './helpers.js'

const SAMPLE = new URL('../../config/replays/landslide-acceleration.csv', import.meta.url)

function gnss(ts: number, mm: number, siteId = 'S1', deviceId = 'GN01'): ReplayRow {
  return { line: 0, ts, siteId, type: 'gnss', value: mm, deviceId }
}

describe('the shipped sample: daily, then hourly GNSS accelerating to a known failure, and a storm', () => {
  const { rows, bad } = parseReplayCsv(readFileSync(SAMPLE, 'utf8'))
  const report = runReplay(rows, { tables: defaultTables() }, bad)
  const site = report.sites[0]
  const failureMs = Date.parse('2026-07-31T08:00:00+08:00')

  test('parses clean and replays every reading', () => {
    expect(bad).toEqual([])
    expect(report.readings).toBe(rows.length - 1)
    expect(report.sites.map((s) => s.siteId)).toEqual(['REPLAY-SLIDE-1'])
    // The +25 mm multipath spike raises nothing: the robust filter takes it out.
    expect(report.engine.grossErrors).toBe(1)
  })

  test('reaches red before the failure; lead times are measured to the failure marker', () => {
    expect(site?.peakLevel).toBe('red')
    expect(site?.reference).toEqual({ kind: 'failure', atMs: failureMs })
    const lead = Object.fromEntries((site?.leadTimes ?? []).map((l) => [l.level, l.leadMs]))
    expect(Object.keys(lead)).toEqual(['blue', 'yellow', 'orange', 'red'])
    for (const l of site?.leadTimes ?? []) expect(l.leadMs).toBe(failureMs - l.firstRaisedAtMs)
    expect(lead.red).toBeGreaterThan(6 * H)
    expect(lead.orange).toBeGreaterThan(lead.red as number)
  })

  test('every rise says when the next higher level came', () => {
    const rises = (site?.timeline ?? []).filter((e) => e.to !== 'none' && e.nextRiseMs !== null)
    for (const e of rises) {
      const next = site?.timeline.find((n) => n.at > e.at && ['none', 'blue', 'yellow', 'orange', 'red'].indexOf(n.to) > ['none', 'blue', 'yellow', 'orange', 'red'].indexOf(e.to))
      expect(e.nextRiseMs).toBe((next?.at ?? Number.NaN) - e.at)
    }
    expect(site?.timeline.at(-1)?.nextRiseMs).toBeNull()
  })

  test('the inverse-velocity forecast converges on the true failure time (within 10 % of the time left)', () => {
    const forecasts = site?.forecasts ?? []
    expect(forecasts.length).toBeGreaterThan(20)
    const late = forecasts.filter((f) => f.at >= failureMs - 3 * DAY)
    expect(late.length).toBeGreaterThan(10)
    for (const f of late) expect(Math.abs(f.tfMs - failureMs)).toBeLessThanOrEqual(0.1 * (failureMs - f.at))
  })
})

describe('synthetic series with known answers', () => {
  test('constant-velocity creep, daily points, never rises above blue', () => {
    const rows = Array.from({ length: 90 }, (_, d) => gnss(T0 + d * DAY, 1.0 * d))
    const report = runReplay(rows, { tables: defaultTables() })
    expect(['none', 'blue']).toContain(report.sites[0]?.peakLevel)
    expect(report.sites[0]?.forecasts).toEqual([])
  })

  test('monthly points: velocities use real elapsed time once the fit may look back far enough', () => {
    // 60 mm a month = 2 mm/day: blue by the velocity table, if the fit spans months.
    const rows = Array.from({ length: 12 }, (_, m) => gnss(T0 + m * 30 * DAY, 60 * m, 'MONTHLY'))
    const tables = defaultTables()
    const plain = runReplay(rows, { tables })
    // The shipped fit looks back 10 days: monthly points never make a fit, nothing is graded.
    expect(plain.sites[0]?.timeline).toEqual([])
    expect(plain.engine.insufficient).toBe(12)
    const lookback = { id: 'MONTHLY', county: '431129', rules: { tables: { displacement: { regression: { lookbackH: 24 * 400 } } } } }
    const long = runReplay(rows, { tables, sites: [lookback] })
    expect(long.problems).toEqual([])
    expect(long.engine.insufficient).toBeLessThan(12)
    expect(long.sites[0]?.timeline.map((e) => e.to)).toContain('blue')
  })

  test('without a failure marker, lead times run to the first time the peak level was reached', () => {
    // A crack opening 3 mm/day, then 7 mm/day: blue, then yellow by the velocity table (2, 5 mm/day).
    const rows = Array.from({ length: 72 }, (_, h) => ({ line: 0, ts: T0 + h * H, siteId: 'C', type: 'crack' as const, value: h < 36 ? (3 * h) / 24 : 4.5 + (7 * (h - 36)) / 24, deviceId: 'LF1' }))
    const s = runReplay(rows, { tables: defaultTables() }).sites[0]
    expect(s?.peakLevel).toBe('yellow')
    const yellowAt = s?.timeline.find((e) => e.to === 'yellow')?.at
    expect(s?.reference).toEqual({ kind: 'peak', atMs: yellowAt })
    expect(s?.leadTimes.map((l) => [l.level, l.leadMs])).toEqual([
      ['blue', (yellowAt as number) - (s?.timeline[0]?.at as number)],
      ['yellow', 0]
    ])
  })

  test('--site keeps one site; failureAtMs applies to sites without a marker', () => {
    const rows = [...Array.from({ length: 10 }, (_, d) => gnss(T0 + d * DAY, d, 'A')), ...Array.from({ length: 10 }, (_, d) => gnss(T0 + d * DAY, d, 'B'))]
    const report = runReplay(rows, { tables: defaultTables(), siteId: 'B', failureAtMs: T0 + 20 * DAY })
    expect(report.rows).toBe(20)
    expect(report.readings).toBe(10)
    expect(report.sites.map((s) => [s.siteId, s.reference.kind])).toEqual([['B', 'failure']])
  })

  test('registry sites bring their county and their regional layers', () => {
    const loaded = loadLayeredRuleTables(structuredClone(defaultTables()), {
      version: 1,
      counties: { '431129': { displacement: { velocityMmPerDay: { blue: 0.2, yellow: 0.4, orange: 0.8, red: 1.6 } } } }
    })
    if (!loaded.ok) throw new Error(loaded.reason.join('\n'))
    const rows = Array.from({ length: 30 }, (_, h) => ({ line: 0, ts: T0 + h * H, siteId: 'HN', type: 'crack' as const, value: (0.5 * h) / 24, deviceId: 'LF1' }))
    const inHunan = runReplay(rows, { tables: loaded.value, sites: [{ id: 'HN', county: '431129' }] })
    const elsewhere = runReplay(rows, { tables: loaded.value })
    expect(inHunan.sites[0]?.county).toBe('431129')
    expect(inHunan.sites[0]?.peakLevel).not.toBe('none')
    expect(elsewhere.sites[0]?.county).toBe('000000')
    expect(elsewhere.sites[0]?.peakLevel).toBe('none')
  })

  test('the stepper reports each transition as it happens', () => {
    const replay = createReplay({ tables: defaultTables() })
    const seen = Array.from({ length: 6 }, (_, h) => replay.step({ line: h + 2, ts: T0 + h * H, siteId: 'R', type: 'rain', value: 50, deviceId: 'RG1' }).transition)
    const report = replay.report()
    expect(seen.filter((t) => t !== null)).toEqual(report.sites[0]?.timeline)
  })
})
