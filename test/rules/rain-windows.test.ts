import { describe, expect, test } from 'vitest'
import { RainWindows } from '../../rules/rain-windows.js'

const MIN = 60_000
const H = 60 * MIN
const DAY = 24 * H
const T0 = Date.UTC(2026, 6, 27, 0, 0, 0)
const WINDOWS = [H, 3 * H, 6 * H, 24 * H]
/** domain.md §3: 10 min, 1 h, 3 h, 6 h, 12 h, 24 h, 72 h. */
const ALL = [10 * MIN, H, 3 * H, 6 * H, 12 * H, 24 * H, 72 * H]

function feed(w: RainWindows, points: ReadonlyArray<readonly [number, number]>): void {
  for (const [minutes, mm] of points) w.add(T0 + minutes * MIN, mm)
}

/** Shares of a straddling reading are fractions: compare to a micrometre. */
function sums(w: RainWindows, count = WINDOWS.length): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(w.sumMm(i) * 1e6) / 1e6)
}

describe('RainWindows sliding sums', () => {
  test.each<[string, ReadonlyArray<readonly [number, number]>, number[]]>([
    // The first reading has no predecessor: a point at its time.
    ['one reading', [[0, 2.5]], [2.5, 2.5, 2.5, 2.5]],
    // 10-min reports over 1 h: 6 × 5 mm; the window (end−1 h, end] holds all six.
    ['six 10-min reports', [[10, 5], [20, 5], [30, 5], [40, 5], [50, 5], [60, 5]], [30, 30, 30, 30]],
    // A report exactly 1 h before the newest is outside the 1 h window (it covers the hour before).
    ['boundary is exclusive at end − W', [[0, 10], [60, 1]], [1, 11, 11, 11]],
    ['hourly, 3 h apart from the oldest', [[0, 10], [60, 20], [120, 30], [180, 40]], [40, 90, 100, 100]],
    // Sparse: silent for 5 h, then 3 mm for those 5 h (0.6 mm/h): the 1 h window holds 0.6, 3 h 1.8.
    ['sparse reports spread over their period', [[0, 12], [300, 3]], [0.6, 1.8, 15, 15]],
    // A gap longer than 24 h is missing data: the 1 mm is spread over 24 h only (1/24 mm per hour).
    ['a period is at most 24 h', [[0, 50], [25 * 60, 1]], [0.041667, 0.125, 0.25, 1]],
    ['expiry from the short windows only', [[0, 50], [7 * 60, 7]], [1, 3, 6, 57]],
    // Out of order: the 30-min report arrives after the 60-min one and splits its period.
    ['out of order inside the window', [[0, 1], [60, 4], [30, 2]], [6, 7, 7, 7]],
    // The late 100-min report: 2 mm over (0, 100], 80 min of it inside 3 h; the 200-min one now covers (100, 200].
    ['out of order, older than 1 h but inside 3 h', [[0, 1], [200, 4], [100, 2]], [2.4, 5.6, 7, 7]],
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

  test('the last delta and period start are exposed for the event and antecedent models', () => {
    const w = new RainWindows(WINDOWS)
    w.add(T0, 1)
    w.add(T0 + H, 2.5)
    expect([w.lastDeltaMilli, w.lastFromMs]).toEqual([2500, T0])
    w.add(T0 + H, 2)
    expect([w.lastDeltaMilli, w.lastFromMs]).toEqual([-500, T0])
  })

  test('advanceTo expires without a reading', () => {
    const w = new RainWindows(WINDOWS)
    feed(w, [[0, 10], [60, 20]])
    w.advanceTo(T0 + 150 * MIN)
    expect(sums(w)).toEqual([0, 30, 30, 30])
    // Half of the 20 mm hour lies inside (end − 1 h, end] at 90 min.
    const v = new RainWindows(WINDOWS)
    feed(v, [[0, 10], [60, 20]])
    v.advanceTo(T0 + 90 * MIN)
    expect(sums(v)).toEqual([10, 30, 30, 30])
  })

  test('sums stay exact over many readings (no float drift across a threshold)', () => {
    const w = new RainWindows(WINDOWS)
    // 5-min reports of 0.1 mm for 3 days: the 1 h window holds exactly 12 → 1.2 mm, 24 h holds 288.
    for (let m = 5; m <= 3 * 24 * 60; m += 5) w.add(T0 + m * MIN, 0.1)
    expect([0, 1, 2, 3].map((i) => w.sumMm(i))).toEqual([1.2, 3.6, 7.2, 28.8])
    expect(w.size).toBe(288)
  })

  test('keeps matching a brute-force sum with jittered, out-of-order, sparse input', () => {
    const periodMaxMs = 3 * H
    const w = new RainWindows(WINDOWS, periodMaxMs)
    const all = new Map<number, number>()
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    let t = T0
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(rand() * (rand() < 0.05 ? 300 : 40) * MIN)
      const late = rand() < 0.2 ? Math.floor(rand() * 90 * MIN) : 0
      const ts = t - late
      const mm = Math.round(rand() * 100) / 10
      const outcome = w.add(ts, mm)
      if (outcome === 'added' || outcome === 'replaced') all.set(ts, mm)
      const end = w.endAtMs
      const times = [...all.keys()].sort((a, b) => a - b)
      const expected = WINDOWS.map((win) => {
        const start = end - win
        let s = 0
        for (const [j, k] of times.entries()) {
          if (k <= start || k > end) continue
          const from = j === 0 ? k : Math.max(times[j - 1] as number, k - periodMaxMs)
          const share = from < start ? (k - start) / (k - from) : 1
          s += Math.round((all.get(k) as number) * 1000) * share
        }
        return Math.round(s) / 1000
      })
      expect(WINDOWS.map((_, x) => Math.round(w.sumMm(x) * 1000) / 1000)).toEqual(expected)
    }
  })
})

describe('RainWindows over the seven windows of domain.md §3', () => {
  test('10-min reports for 72 h: every window by hand', () => {
    const w = new RainWindows(ALL)
    // Hours 0–47 at 0.1 mm per 10 min, 48–65 at 1 mm, 66–71 at 2 mm.
    for (let j = 1; j <= 72 * 6; j++) {
      const hour = Math.floor((j - 1) / 6)
      w.add(T0 + j * 10 * MIN, hour < 48 ? 0.1 : hour < 66 ? 1 : 2)
    }
    // 10 min: 2; 1 h: 6 × 2; 3 h: 18 × 2; 6 h: 36 × 2; 12 h: 36 × 1 + 72; 24 h: 108 × 1 + 72;
    // 72 h: 288 × 0.1 + 108 + 72.
    expect(ALL.map((_, i) => w.sumMm(i))).toEqual([2, 12, 36, 72, 108, 180, 208.8])
  })

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

  test('a daily series: each day spread over its 24 h', () => {
    const w = new RainWindows(ALL)
    w.add(T0, 0)
    w.add(T0 + DAY, 48)
    w.add(T0 + 2 * DAY, 24)
    // The last day: 1 mm/h. 72 h holds both days.
    expect(sums(w, ALL.length)).toEqual([0.166667, 1, 3, 6, 12, 24, 72])
  })

  test('an hourly series: 6 mm each hour', () => {
    const w = new RainWindows(ALL)
    for (let h = 0; h <= 30; h++) w.add(T0 + h * H, 6)
    // The first report is a point at T0, outside every window but 72 h.
    expect(sums(w, ALL.length)).toEqual([1, 6, 18, 36, 72, 144, 186])
  })
})
