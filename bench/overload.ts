import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BROKER_DEFAULTS } from '../broker/config.js'
import type { PublishGateStats } from '../broker/publish-gate.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../store/sqlite-readings-store.js'
import { startAlertProbe } from './alert-probe.js'
import { Arrivals } from './arrivals.js'
import { epochMs, LoadGenerator, type Slots } from './load.js'
import { startOurs, type OursRig } from './pipeline-rig.js'
import { benchDevices, closedRun, RUN_TIMEOUT_MS, runDir } from './runs.js'
import { percentile, ratios, spread, type Figure, type SuiteOptions, type SuiteResult } from './stats.js'
import { loadWorkload } from './workload.js'

/**
 * Per run: a closed-loop run that measures the capacity (as pipeline.ts), then `overloadS` seconds
 * of `factor` × that capacity offered open-loop, delivery counted after `warmS`.
 */
const SETTINGS = {
  full: { runs: 3, capacityCount: 500, window: 4, factor: 2, overloadS: 6, warmS: 1 },
  // Fewer readings than this and ingest's 200 ms batch wait, not its speed, sets the capacity.
  quick: { runs: 1, capacityCount: 150, window: 4, factor: 2, overloadS: 1.5, warmS: 0.3 }
}
/** The alert probe's period. */
const PROBE_INTERVAL_MS = 20
/** Lets every connection see the schedule before its first message is due. */
const START_DELAY_MS = 100

interface OverloadRun {
  capacityPerS: number
  offeredPerS: number
  deliveredPerS: number
  p50Ms: number
  p99Ms: number
  alertAtCapacity: { p50Ms: number; p99Ms: number }
  alertInOverload: { p50Ms: number; p99Ms: number }
  gateAtCapacity: PublishGateStats
  gate: PublishGateStats
}

/**
 * What twice the sustainable rate does to ours (broker app → ingest → SQLite), in the same run as
 * the capacity it is compared with. The publishers send on a schedule whatever the broker does,
 * with no cap on QoS 1 messages in flight, as a fleet of thousands of devices (one or two messages
 * in flight each) looks to the broker; the part the pipeline cannot take waits with them. Every
 * reading must arrive (none lost); latency runs from the scheduled send, so it includes that wait.
 * Meanwhile an alert probe times the warning path through the same broker.
 */
export async function benchOverload(opts: SuiteOptions): Promise<SuiteResult> {
  const s = opts.quick ? SETTINGS.quick : SETTINGS.full
  const w = await loadWorkload()
  const devices = benchDevices(w.registry)
  const ids = devices.map((d) => d.id)
  const root = await mkdtemp(join(tmpdir(), 'geowarn-bench-overload-'))
  const db = openPlatformDb(join(root, 'platform.db'))
  const load = LoadGenerator.start(devices)
  try {
    db.importRegistry(w.registry)
    let slots = await load.prepare(s.capacityCount, ids)
    let arrivals = new Arrivals(slots)

    const withRig = async <T>(run: string, work: (rig: OursRig) => Promise<T>): Promise<T> => {
      const dir = await runDir(root, run)
      const store = openSqliteReadingsStore(join(dir, 'readings.db'))
      try {
        const rig = await startOurs({ db, store, arrivals, spoolDir: join(dir, 'spool') })
        try {
          return await work(rig)
        } finally {
          await rig.close()
        }
      } finally {
        await store.close()
      }
    }

    const runs: OverloadRun[] = []
    await withRig('warm-up', (rig) => closedRun(rig, load, arrivals, Math.min(20, s.capacityCount), s.window))
    for (let r = 0; r < s.runs; r++) {
      const capacity = await withRig(`capacity-${r}`, async (rig) => {
        const probe = await startAlertProbe(rig.url, PROBE_INTERVAL_MS)
        try {
          const c = await closedRun(rig, load, arrivals, s.capacityCount, s.window)
          return { perS: c.readingsPerS, alertMs: await probe.stop(), gate: rig.broker.stats().uplinks }
        } finally {
          await probe.stop()
        }
      })
      const offeredPerS = s.factor * capacity.perS
      const messagesPerS = offeredPerS / readingsPerMessage(slots, s.capacityCount)
      const ratePerDevice = messagesPerS / devices.length
      const count = Math.ceil(ratePerDevice * s.overloadS)
      if (count > slots.perDevice) {
        slots = await load.prepare(count, ids)
        arrivals = new Arrivals(slots)
      }
      const overload = await withRig(`overload-${r}`, async (rig) => {
        await load.connect(rig.url)
        const probe = await startAlertProbe(rig.url, PROBE_INTERVAL_MS)
        const startAtMs = epochMs() + START_DELAY_MS
        arrivals.begin(count, { fromMs: startAtMs + s.warmS * 1000, toMs: startAtMs + s.overloadS * 1000 })
        const all = arrivals.all(RUN_TIMEOUT_MS, `overload run ${r}`)
        try {
          await load.open(count, ratePerDevice, startAtMs)
          await all
        } catch (err) {
          all.catch(() => undefined)
          throw err
        } finally {
          await probe.stop()
          await load.disconnect()
        }
        const alertMs = await probe.stop()
        const problems = rig.problems()
        if (problems.length > 0) throw new Error(`overload run ${r}: ${problems.join('; ')}`)
        return { result: arrivals.result(), alertMs, gate: rig.broker.stats().uplinks }
      })
      const { result } = overload
      runs.push({
        capacityPerS: capacity.perS,
        offeredPerS,
        deliveredPerS: result.windowPerS ?? Number.NaN,
        p50Ms: percentile(result.latenciesMs, 50),
        p99Ms: percentile(result.latenciesMs, 99),
        alertAtCapacity: { p50Ms: percentile(capacity.alertMs, 50), p99Ms: percentile(capacity.alertMs, 99) },
        alertInOverload: { p50Ms: percentile(overload.alertMs, 50), p99Ms: percentile(overload.alertMs, 99) },
        gateAtCapacity: capacity.gate,
        gate: overload.gate
      })
    }

    const of = (f: (x: OverloadRun) => number): number[] => runs.map(f)
    const plain = (name: string, unit: string, f: (x: OverloadRun) => number): Figure => ({ name, unit, value: spread(of(f)) })
    const vs = (name: string, unit: string, f: (x: OverloadRun) => number, baseName: string, b: (x: OverloadRun) => number): Figure => ({
      name,
      unit,
      value: spread(of(f)),
      baseline: { name: baseName, value: spread(of(b)) },
      ratio: ratios(of(f), of(b))
    })
    return {
      suite: 'overload',
      figures: [
        vs('offered', 'readings/s', (x) => x.offeredPerS, 'capacity', (x) => x.capacityPerS),
        vs('delivered while overloaded', 'readings/s', (x) => x.deliveredPerS, 'capacity', (x) => x.capacityPerS),
        plain('latency p50, scheduled → stored', 'ms', (x) => x.p50Ms),
        plain('latency p99, scheduled → stored', 'ms', (x) => x.p99Ms),
        vs('alert path p50', 'ms', (x) => x.alertInOverload.p50Ms, 'at capacity', (x) => x.alertAtCapacity.p50Ms),
        vs('alert path p99', 'ms', (x) => x.alertInOverload.p99Ms, 'at capacity', (x) => x.alertAtCapacity.p99Ms),
        ...gateFigures(runs)
      ],
      notes: [
        `ours: broker app → ingest app (spool on) → SQLite, a fresh one per measurement; capacity = closed loop, ${devices.length} devices × ${s.capacityCount} messages, ${s.window} in flight each`,
        `overload: ${s.factor}× capacity offered for ${s.overloadS} s by the same ${devices.length} connections, on a schedule, no cap on messages in flight; delivered = readings stored from ${s.warmS} s to ${s.overloadS} s; every reading arrived`,
        `latency counts the wait at the devices (the schedule is the start); ratio goal: delivered ≥ 0.8× capacity`,
        `gate: the broker's uplink window (${BROKER_DEFAULTS.uplinkWindow}); an uplink that waits is neither acknowledged nor read from its socket until there is room (README "Overload")`,
        `alert path: svc:rules → broker → svc:dashboard, one QoS 1 alert every ${PROBE_INTERVAL_MS} ms, during the capacity run and during the overload`
      ]
    }
  } finally {
    await load.close()
    db.close()
    await rm(root, { recursive: true, force: true })
  }
}

/** The gate's counters in overload, beside the same at capacity (no ratio: those may be 0). */
function gateFigures(runs: readonly OverloadRun[]): Figure[] {
  const meanWait = (g: PublishGateStats): number => (g.delayed > 0 ? g.delayedMs / g.delayed : 0)
  const figure = (name: string, unit: string, f: (g: PublishGateStats) => number): Figure => ({
    name,
    unit,
    value: spread(runs.map((x) => f(x.gate))),
    baseline: { name: 'at capacity', value: spread(runs.map((x) => f(x.gateAtCapacity))) }
  })
  return [
    figure('uplinks that waited at the gate', 'uplinks', (g) => g.delayed),
    figure('mean wait at the gate', 'ms', meanWait),
    figure('longest wait at the gate', 'ms', (g) => g.maxDelayMs),
    figure('overloads logged', 'episodes', (g) => g.overloads)
  ]
}

/** Mean readings per message over the first `count` messages of every device (live reports: about 1). */
function readingsPerMessage(slots: Slots, count: number): number {
  return slots.readingsIn(count) / (count * slots.deviceIds.length)
}
