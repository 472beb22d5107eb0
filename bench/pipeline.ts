import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { INGEST_DEFAULTS } from '../ingest/config.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../store/sqlite-readings-store.js'
import { Arrivals } from './arrivals.js'
import { LoadGenerator } from './load.js'
import { haveMosquitto, MOSQUITTO_PATH } from './mosquitto.js'
import { startBareAedes, startMosquittoRig, startOurs, type Rig } from './pipeline-rig.js'
import { benchDevices, CLOSED_RUN_SETTINGS, closedRun, runDir, WARM_UP_COUNT, type ClosedRun } from './runs.js'
import { ratios, spread, type Figure, type SuiteOptions, type SuiteResult } from './stats.js'
import { loadWorkload } from './workload.js'

/**
 * Sustained throughput, broker to store, of ours with the SQLite store (the embedded default),
 * beside two plain brokers with a subscriber that does nothing: bare Aedes, and Mosquitto 2.0
 * when Debian's mosquitto is installed. Every run starts each rig afresh (a new store file, a new
 * broker), and the rigs take turns, so that a noisy neighbour slows both sides of each ratio alike.
 */
export async function benchPipeline(opts: SuiteOptions): Promise<SuiteResult> {
  const s = opts.quick ? CLOSED_RUN_SETTINGS.quick : CLOSED_RUN_SETTINGS.full
  const w = await loadWorkload()
  const devices = benchDevices(w.registry)
  const root = await mkdtemp(join(tmpdir(), 'geowarn-bench-pipeline-'))
  const db = openPlatformDb(join(root, 'platform.db'))
  const load = LoadGenerator.start(devices)
  try {
    db.importRegistry(w.registry)
    const slots = await load.prepare(Math.max(s.count, WARM_UP_COUNT), devices.map((d) => d.id))
    const arrivals = new Arrivals(slots)
    const withMosquitto = haveMosquitto()

    const ours = async (run: string, count: number): Promise<ClosedRun> => {
      const dir = await runDir(root, run)
      const store = openSqliteReadingsStore(join(dir, 'readings.db'))
      try {
        const rig = await startOurs({ db, store, arrivals, spoolDir: join(dir, 'spool') })
        try {
          return await closedRun(rig, load, arrivals, count, s.window)
        } finally {
          await rig.close()
        }
      } finally {
        await store.close()
      }
    }
    const baseline = async (start: (a: Arrivals) => Promise<Rig>, count: number): Promise<ClosedRun> => {
      const rig = await start(arrivals)
      try {
        return await closedRun(rig, load, arrivals, count, s.window)
      } finally {
        await rig.close()
      }
    }

    await ours('warm-up', WARM_UP_COUNT)
    await baseline(startBareAedes, WARM_UP_COUNT)
    if (withMosquitto) await baseline(startMosquittoRig, WARM_UP_COUNT)
    const o: ClosedRun[] = []
    const a: ClosedRun[] = []
    const m: ClosedRun[] = []
    for (let r = 0; r < s.runs; r++) {
      o.push(await ours(`run-${r}`, s.count))
      a.push(await baseline(startBareAedes, s.count))
      if (withMosquitto) m.push(await baseline(startMosquittoRig, s.count))
    }

    const pick = (runs: ClosedRun[], f: (x: ClosedRun) => number): number[] => runs.map(f)
    const vs = (name: string, unit: string, ours: number[], baseName: string, base: number[]): Figure => ({
      name,
      unit,
      value: spread(ours),
      baseline: { name: baseName, value: spread(base) },
      ratio: ratios(ours, base)
    })
    const rate = (x: ClosedRun): number => x.readingsPerS
    const figures: Figure[] = [
      vs('broker → ingest → SQLite', 'readings/s', pick(o, rate), 'bare Aedes', pick(a, rate)),
      ...(withMosquitto ? [vs('bare Aedes → subscriber', 'readings/s', pick(a, rate), 'Mosquitto 2.0', pick(m, rate))] : []),
      vs('latency p50', 'ms', pick(o, (x) => x.p50Ms), 'bare Aedes', pick(a, (x) => x.p50Ms)),
      vs('latency p99', 'ms', pick(o, (x) => x.p99Ms), 'bare Aedes', pick(a, (x) => x.p99Ms))
    ]
    return {
      suite: 'pipeline',
      figures,
      notes: [
        `${devices.length} native devices, one connection each (worker thread), ${s.count} QoS 1 live reports each per run (${slots.readingsIn(s.count)} readings), ${s.window} in flight each; loopback`,
        'rate: sustained, between the arrivals of the 10 % and the 90 % marks of each run',
        `ours: broker app (auth, ACL, rewrite, admission gate) → ingest app (spool on) → SQLite; arrived when the store write resolves; ingest batches ${INGEST_DEFAULTS.batchMaxSize} readings or ${INGEST_DEFAULTS.batchMaxWaitMs} ms`,
        'baselines: the same publishers into a plain broker, an MQTT.js QoS 1 subscriber that does nothing; latency = publish → arrival, per message',
        ...(withMosquitto ? [] : [`Mosquitto baseline skipped: no mosquitto at ${MOSQUITTO_PATH} (apt-get install mosquitto)`])
      ]
    }
  } finally {
    await load.close()
    db.close()
    await rm(root, { recursive: true, force: true })
  }
}
