import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { RegistryFile } from '../domain/index.js'
import type { Arrivals } from './arrivals.js'
import type { LoadDevice, LoadGenerator } from './load.js'
import type { Rig } from './pipeline-rig.js'
import { percentile } from './stats.js'

/** Bound on one run's arrivals: a stall fails the benchmark instead of hanging it. */
export const RUN_TIMEOUT_MS = 90_000

/**
 * Closed-loop runs of the pipeline and influx suites: messages per device per run (72 devices,
 * ~1 reading each) and QoS 1 messages each keeps in flight; timed runs after one untimed warm-up
 * run on each rig. Enough in flight to saturate the pipeline: since Aedes acknowledges a publish
 * before delivering it, our broker's admission gate is then what paces the publishers (waits of a
 * few ms; overload.ts for twice this load). One setting for both, so their figures compare.
 */
export const CLOSED_RUN_SETTINGS = {
  full: { runs: 5, count: 700, window: 4 },
  quick: { runs: 2, count: 25, window: 4 }
}
export const WARM_UP_COUNT = 20

/** The publishers: every native demo device (72), each with its own connection and secret. */
export function benchDevices(registry: RegistryFile): LoadDevice[] {
  return registry.devices.filter((d) => d.dialect === 'native').map((d) => ({ id: d.id, secret: d.secret ?? '' }))
}

export interface ClosedRun {
  readingsPerS: number
  p50Ms: number
  p99Ms: number
}

/**
 * One closed-loop run: every device sends its first `count` messages with `window` in flight, and
 * the run ends when every reading has arrived. The rate is the sustained one (Arrivals.result).
 */
export async function closedRun(rig: Rig, load: LoadGenerator, arrivals: Arrivals, count: number, window: number): Promise<ClosedRun> {
  await load.connect(rig.url)
  arrivals.begin(count)
  const all = arrivals.all(RUN_TIMEOUT_MS, rig.name)
  try {
    await load.closed(count, window)
  } catch (err) {
    // The publish error is the one to report; the arrival wait is moot.
    all.catch(() => undefined)
    throw err
  } finally {
    await load.disconnect()
  }
  await all
  const problems = rig.problems()
  if (problems.length > 0) throw new Error(`${rig.name}: ${problems.join('; ')}`)
  const r = arrivals.result()
  return { readingsPerS: r.sustainedPerS, p50Ms: percentile(r.latenciesMs, 50), p99Ms: percentile(r.latenciesMs, 99) }
}

/** A fresh folder for one run's files (store, spool). */
export async function runDir(root: string, name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  return dir
}
