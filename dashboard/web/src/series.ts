import type { Alert, SensorType, SiteLevel } from './types.js'

export type BucketFn = 'sum' | 'mean'
type Point = [number, number]

/**
 * Per-sensor time windows for a chart: filled from the API's aggregates, then fed live readings.
 * A window from the API counts as one sample for `mean`, so live readings after it pull the mean
 * toward them a little faster than an exact mean would; `sum` is exact.
 */
export class BucketSeries {
  private readonly byKey = new Map<string, Map<number, { sum: number; n: number }>>()

  constructor(
    readonly fn: BucketFn,
    readonly everyMs: number
  ) {}

  bucketOf(ts: number): number {
    return Math.floor(ts / this.everyMs) * this.everyMs
  }

  setWindow(key: string, windowStartMs: number, value: number): void {
    this.buckets(key).set(windowStartMs, { sum: value, n: 1 })
  }

  addSample(key: string, ts: number, value: number): void {
    const buckets = this.buckets(key)
    const start = this.bucketOf(ts)
    const b = buckets.get(start)
    if (b === undefined) buckets.set(start, { sum: value, n: 1 })
    else if (this.fn === 'sum') b.sum += value
    else {
      b.sum += value
      b.n += 1
    }
  }

  keys(): string[] {
    return [...this.byKey.keys()].sort()
  }

  /** Oldest first, each value the window's sum or mean. */
  points(key: string): Point[] {
    const buckets = this.byKey.get(key)
    if (buckets === undefined) return []
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([ts, b]) => [ts, this.fn === 'sum' ? b.sum : b.sum / b.n])
  }

  private buckets(key: string): Map<number, { sum: number; n: number }> {
    let m = this.byKey.get(key)
    if (m === undefined) {
      m = new Map()
      this.byKey.set(key, m)
    }
    return m
  }
}

export function cumulative(points: readonly Point[]): Point[] {
  let total = 0
  return points.map(([ts, v]) => {
    total += v
    return [ts, Math.round(total * 10) / 10]
  })
}

export const RAIN_TYPES: readonly SensorType[] = ['rain']
export const DISPLACEMENT_TYPES: readonly SensorType[] = ['gnss', 'crack', 'deep_disp']

/** Rain in the report period, mm (domain/sensors.ts `rain.intervalMm`). */
export function rainMm(fields: Readonly<Record<string, number>>): number | undefined {
  return fields.intervalMm
}

export { displacementMm } from '../../../domain/displacement.js'

/**
 * The site's level as steps over [fromMs, nowMs], from its alerts' level histories: the level in
 * force at `fromMs`, every change after it, and the level now.
 */
export function levelSteps(alerts: readonly Alert[], fromMs: number, nowMs: number): Array<[number, SiteLevel]> {
  const changes: Array<[number, SiteLevel]> = []
  for (const a of alerts) {
    for (const c of a.history) changes.push([c.at, c.to])
    if (a.resolvedAt !== null) changes.push([a.resolvedAt, 'none'])
  }
  changes.sort((a, b) => a[0] - b[0])
  let level: SiteLevel = 'none'
  const steps: Array<[number, SiteLevel]> = []
  for (const [at, to] of changes) {
    if (at <= fromMs) level = to
    else steps.push([at, to])
  }
  const last = steps[steps.length - 1]?.[1] ?? level
  return [[fromMs, level], ...steps, [Math.max(nowMs, steps[steps.length - 1]?.[0] ?? nowMs), last]]
}
