import { performance } from 'node:perf_hooks'

/**
 * Figures as the house rules want them (task brief): several runs, the median with the min–max
 * spread, and a ratio against a baseline measured in the same run, because a 2-core machine is
 * noisy and an absolute number from it means little on its own.
 */
export interface Spread {
  median: number
  min: number
  max: number
  runs: number
}

export interface Figure {
  /** What was measured, e.g. `DZ/T $dp frames`. */
  name: string
  /** e.g. `frames/s`, `ms`, `bytes/site`. */
  unit: string
  value: Spread
  /** The same work done the plain way in the same run, interleaved with ours. */
  baseline?: { name: string; value: Spread }
  /** Ours / baseline per run, then the median of those ratios (not the ratio of medians). */
  ratio?: Spread
}

export interface SuiteResult {
  suite: string
  figures: Figure[]
  /** One-line facts a reader needs to interpret the figures (workload, counts, caveats). */
  notes: string[]
}

export interface SuiteOptions {
  quick: boolean
}

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new RangeError('spread of no samples')
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs: sorted.length }
}

/** Nearest-rank percentile, `p` in (0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples')
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] as number
}

export function ratios(ours: readonly number[], baseline: readonly number[]): Spread {
  if (ours.length !== baseline.length) throw new RangeError('ratio of unpaired runs')
  return spread(ours.map((v, i) => v / (baseline[i] as number)))
}

/** A rate from a count and a duration in ms. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.POSITIVE_INFINITY
}

/** Run `work` and return its wall time in ms. */
export function timeMs(work: () => void): number {
  const start = performance.now()
  work()
  return performance.now() - start
}
