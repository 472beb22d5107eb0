import { decodeUplink } from '../domain/decode.js'
import { perSecond, ratios, spread, timeMs, type Figure, type SuiteOptions, type SuiteResult } from './stats.js'
import { loadWorkload, uplinkMix, type UplinkCase } from './workload.js'

/** Timed runs per figure, and the wall time each aims for (task brief: ≤ ~30 s, --quick ≤ ~5 s). */
const SETTINGS = { full: { runs: 7, runMs: 300 }, quick: { runs: 3, runMs: 30 } }
/** Any fixed instant: only unstamped type-1 frames would use it, and the mix has none. */
const RECEIVED_AT_MS = Date.UTC(2026, 6, 27, 6)

function decodeAll(cases: readonly UplinkCase[], passes: number): number {
  let readings = 0
  for (let p = 0; p < passes; p++) {
    for (const c of cases) {
      const r = decodeUplink(c.topic, c.payload, RECEIVED_AT_MS)
      if (!r.ok) throw new Error(`simulator frame rejected: ${r.reason}`)
      readings += r.value.readings.length + r.value.statuses.length
    }
  }
  return readings
}

function parseAll(cases: readonly UplinkCase[], passes: number): number {
  let keys = 0
  for (let p = 0; p < passes; p++) {
    for (const c of cases) {
      const body = JSON.parse(c.payload.toString('utf8', c.jsonOffset)) as object
      keys += Object.keys(body).length
    }
  }
  return keys
}

/** Passes over the cases that make one run last about `runMs`, measured after a warm-up. */
function calibrate(cases: readonly UplinkCase[], runMs: number): number {
  decodeAll(cases, 3)
  parseAll(cases, 3)
  const onePassMs = Math.max(timeMs(() => decodeAll(cases, 1)), 0.01)
  return Math.max(1, Math.round(runMs / onePassMs))
}

function measure(name: string, cases: readonly UplinkCase[], runs: number, runMs: number): Figure {
  const passes = calibrate(cases, runMs)
  const frames = cases.length * passes
  const ours: number[] = []
  const base: number[] = []
  // Interleaved, so that a noisy neighbour slows both sides of a ratio alike.
  for (let i = 0; i < runs; i++) {
    ours.push(perSecond(frames, timeMs(() => decodeAll(cases, passes))))
    base.push(perSecond(frames, timeMs(() => parseAll(cases, passes))))
  }
  return { name, unit: 'frames/s', value: spread(ours), baseline: { name: 'JSON.parse', value: spread(base) }, ratio: ratios(ours, base) }
}

export async function benchDecode(opts: SuiteOptions): Promise<SuiteResult> {
  const s = opts.quick ? SETTINGS.quick : SETTINGS.full
  const mix = uplinkMix(await loadWorkload())
  const dp = mix.filter((c) => c.topic.kind === 'dp')
  const native = mix.filter((c) => c.topic.kind !== 'dp')
  const bytes = (cs: readonly UplinkCase[]) => Math.round(cs.reduce((n, c) => n + c.payload.length, 0) / cs.length)
  return {
    suite: 'decode',
    figures: [measure('DZ/T $dp frames', dp, s.runs, s.runMs), measure('native JSON', native, s.runs, s.runMs), measure('mix', mix, s.runs, s.runMs)],
    notes: [
      `${mix.length} simulator messages of the 204 demo devices: ${dp.length} $dp (mean ${bytes(dp)} B), ${native.length} native (mean ${bytes(native)} B); one core`,
      'ratio = our decodeUplink rate / bare JSON.parse rate of the same bodies'
    ]
  }
}
