import { describe, expect, test } from 'vitest'
import { RainWindows } from '../../rules/rain-windows.js'

const MIN = 60_000
const H = 60 * MIN
const T0 = Date.UTC(2026, 6, 27, 0, 0, 0)
const WINDOWS = [H, 3 * H, 6 * H, 24 * H]

function feed(w: RainWindows, points: ReadonlyArray<readonly [number, number]>): void {
  for (const [minutes, mm] of points) w.add(T0 + minutes * MIN, mm)
}

function sums(w: RainWindows): number[] {
  return WINDOWS.map((_, i) => w.sumMm(i))
}

describe('RainWindows sliding sums', () => {
  test.each<[string, ReadonlyArray<readonly [number, number]>, number[]]>([
    ['one reading', [[0, 2.5]], [2.5, 2.5, 2.5, 2.5]],
    // 10-min reports over 1 h: 6 × 5 mm; the window (end−1 h, end] holds all six.
    ['six 10-min reports', [[10, 5], [20, 5], [30, 5], [40, 5], [50, 5], [60, 5]], [30, 30, 30, 30]],
    // A report exactly 1 h before the newest is outside the 1 h window (it covers the hour before).
    ['boundary is exclusive at end − W', [[0, 10], [60, 1]], [1, 11, 11, 11]],
    ['hourly, 3 h apart from the oldest', [[0, 10], [60, 20], [120, 30], [180, 40]], [40, 90, 100, 100]],
    // Sparse: a gauge silent for 5 h; windows use elapsed time, not the last N samples.
    ['sparse reports', [[0, 12], [300, 3]], [3, 3, 15, 15]],
    ['old readings expire from every window', [[0, 50], [25 * 60, 1]], [1, 1, 1, 1]],
    ['expiry from the short windows only', [[0, 50], [7 * 60, 1]], [1, 1, 1, 51]],
    // Out of order: the 30-min report arrives after the 60-min one.
    ['out of order inside the window', [[0, 1], [60, 4], [30, 2]], [6, 7, 7, 7]],
    ['out of order, older than 1 h but inside 3 h', [[0, 1], [200, 4], [100, 2]], [4, 6, 7, 7]],
    ['duplicate (sensor, ts) counted once', [[10, 5], [20, 5], [10, 5]], [10, 10, 10, 10]],
    ['redelivery with another amount replaces it', [[10, 5], [20, 5], [10, 7]], [12, 12, 12, 12]]
  ])('%s', (_name, points, expected) => {
    const w = new RainWindows(WINDOWS)
    feed(w, points)
    expect(sums(w)).toEqual(expected)
  })

  test.each<[number, number, string]>([
    [0, -1, 'invalid'],
    [0, Number.NaN, 'invalid'],
    [-25 * 60, 1, 'stale']
  ])('a reading at %s min of %s mm is %s', (minutes, mm, outcome) => {
    const w = new RainWindows(WINDOWS)
    w.add(T0, 1)
    expect(w.add(T0 + minutes * MIN, mm)).toBe(outcome)
    expect(sums(w)).toEqual([1, 1, 1, 1])
  })

  test('advanceTo expires without a reading', () => {
    const w = new RainWindows(WINDOWS)
    feed(w, [[0, 10], [50, 20]])
    w.advanceTo(T0 + 2 * H)
    expect(sums(w)).toEqual([0, 30, 30, 30])
  })

  test('sums stay exact over many readings (no float drift across a threshold)', () => {
    const w = new RainWindows(WINDOWS)
    // 5-min reports of 0.1 mm for 3 days: the 1 h window holds exactly 12 → 1.2 mm, 24 h holds 288.
    for (let m = 5; m <= 3 * 24 * 60; m += 5) w.add(T0 + m * MIN, 0.1)
    expect(sums(w)).toEqual([1.2, 3.6, 7.2, 28.8])
    expect(w.size).toBe(288)
  })

  test('keeps matching a brute-force sum with jittered, out-of-order, sparse input', () => {
    const w = new RainWindows(WINDOWS)
    const all = new Map<number, number>()
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    let t = T0
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(rand() * 40 * MIN)
      const late = rand() < 0.2 ? Math.floor(rand() * 90 * MIN) : 0
      const ts = t - late
      const mm = Math.round(rand() * 100) / 10
      const outcome = w.add(ts, mm)
      if (outcome === 'added' || outcome === 'replaced') all.set(ts, mm)
      const end = w.endAtMs
      const expected = WINDOWS.map((win) => {
        let s = 0
        for (const [k, v] of all) if (k > end - win && k <= end) s += Math.round(v * 1000)
        return s / 1000
      })
      expect(sums(w)).toEqual(expected)
    }
  })
})

describe('RainWindows with the 10 min, 12 h and 72 h windows of domain.md §3', () => {
  test('5-min reports, then a dry spell', () => {
    const w = new RainWindows([10 * MIN, 12 * H, 72 * H])
    // 2 mm every 5 min for 2 h (24 reports), then one 0 mm report 13 h later, then 60 h later.
    for (let m = 5; m <= 120; m += 5) w.add(T0 + m * MIN, 2)
    expect([w.sumMm(0), w.sumMm(1), w.sumMm(2)]).toEqual([4, 48, 48])
    w.add(T0 + 15 * H, 0)
    expect([w.sumMm(0), w.sumMm(1), w.sumMm(2)]).toEqual([0, 0, 48])
    w.add(T0 + 74 * H, 0)
    expect([w.sumMm(0), w.sumMm(1), w.sumMm(2)]).toEqual([0, 0, 0])
    expect(w.size).toBe(2)
  })
})
