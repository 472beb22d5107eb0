import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { MqttClient } from 'mqtt'
import { INGEST_DEFAULTS } from '../ingest/config.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { openSqliteReadingsStore } from '../store/sqlite-readings-store.js'
import { connectDevice, publishAll, startBaseline, startOurs, type BenchMessage, type Rig } from './pipeline-rig.js'
import { percentile, perSecond, ratios, spread, type Figure, type SuiteOptions, type SuiteResult } from './stats.js'
import { loadWorkload, nativeLiveMessages } from './workload.js'

/**
 * Publishers (native demo devices, QoS 1), messages per publisher per run, QoS 1 messages each
 * keeps in flight, timed runs (after one small untimed warm-up run on each rig).
 */
const SETTINGS = {
  full: { publishers: 20, messages: 600, window: 8, runs: 5 },
  quick: { publishers: 4, messages: 60, window: 8, runs: 3 }
}
/** Bound on one run: a stall fails the benchmark instead of hanging it. */
const RUN_TIMEOUT_MS = 30_000
const WARM_UP_MESSAGES = 20

interface RunFigures {
  readingsPerS: number
  p50Ms: number
  p99Ms: number
}

async function runOnce(rig: Rig, clients: readonly MqttClient[], batches: readonly BenchMessage[][], window: number): Promise<RunFigures> {
  const readings = batches.reduce((n, b) => n + b.reduce((m, x) => m + x.readings, 0), 0)
  rig.arrivals.reset()
  const done = rig.arrivals.awaitReadings(readings, RUN_TIMEOUT_MS, rig.name)
  const start = performance.now()
  try {
    await Promise.all(clients.map((c, i) => publishAll(c, batches[i] ?? [], window, rig.arrivals)))
  } catch (err) {
    rig.arrivals.reset()
    // The publish error is the one to report; the arrival wait is moot (and its timer stopped).
    done.catch(() => undefined)
    throw err
  }
  await done
  const elapsedMs = performance.now() - start
  const lat = rig.arrivals.latenciesMs
  return { readingsPerS: perSecond(readings, elapsedMs), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) }
}

export async function benchPipeline(opts: SuiteOptions): Promise<SuiteResult> {
  const s = opts.quick ? SETTINGS.quick : SETTINGS.full
  const w = await loadWorkload()
  const devices = w.registry.devices.filter((d) => d.dialect === 'native').slice(0, s.publishers)
  // One stream per device cut into the warm-up and the runs: ingest's dedupe never sees a repeat.
  const streams = devices.map((d) => nativeLiveMessages(w, d.id, WARM_UP_MESSAGES + s.runs * s.messages).map((m) => ({ ...m, deviceId: d.id })))
  const slice = (from: number, count: number): BenchMessage[][] => streams.map((st) => st.slice(from, from + count))
  const warmUp = slice(0, WARM_UP_MESSAGES)
  const runs = Array.from({ length: s.runs }, (_, r) => slice(WARM_UP_MESSAGES + r * s.messages, s.messages))

  const dir = await mkdtemp(join(tmpdir(), 'geowarn-bench-'))
  const db = openPlatformDb(join(dir, 'platform.db'))
  const store = openSqliteReadingsStore(join(dir, 'readings.db'))
  const rigs: Rig[] = []
  const clients: MqttClient[] = []
  try {
    db.importRegistry(w.registry)
    const ours = await startOurs(db, store)
    rigs.push(ours)
    const base = await startBaseline()
    rigs.push(base)
    const connect = async (rig: Rig): Promise<MqttClient[]> => {
      const cs: MqttClient[] = []
      for (const d of devices) {
        const c = await connectDevice(rig.url, d.id, d.secret)
        clients.push(c)
        cs.push(c)
      }
      return cs
    }
    const ourClients = await connect(ours)
    const baseClients = await connect(base)

    await runOnce(ours, ourClients, warmUp, s.window)
    await runOnce(base, baseClients, warmUp, s.window)
    const o: RunFigures[] = []
    const b: RunFigures[] = []
    // Interleaved, so that a noisy neighbour slows both sides of each ratio alike.
    for (const batches of runs) {
      o.push(await runOnce(ours, ourClients, batches, s.window))
      b.push(await runOnce(base, baseClients, batches, s.window))
    }
    const problems = ours.problems()
    if (problems.length > 0) throw new Error(`pipeline benchmark lost messages: ${problems.join('; ')}`)

    const figure = (name: string, unit: string, pick: (f: RunFigures) => number): Figure => ({
      name,
      unit,
      value: spread(o.map(pick)),
      baseline: { name: 'bare Aedes', value: spread(b.map(pick)) },
      ratio: ratios(o.map(pick), b.map(pick))
    })
    const perRunReadings = runs[0]?.flat().reduce((n, m) => n + m.readings, 0) ?? 0
    return {
      suite: 'pipeline',
      figures: [
        figure('broker → ingest → SQLite', 'readings/s', (f) => f.readingsPerS),
        figure('latency p50', 'ms', (f) => f.p50Ms),
        figure('latency p99', 'ms', (f) => f.p99Ms)
      ],
      notes: [
        `${s.publishers} native publishers × ${s.messages} QoS 1 messages (${perRunReadings} readings) per run, ${s.window} in flight each; loopback`,
        `ours: broker app (auth, ACL, rewrite) → ingest app → SQLite store, done when the write resolves; ingest batches ${INGEST_DEFAULTS.batchMaxSize} readings or ${INGEST_DEFAULTS.batchMaxWaitMs} ms (its defaults), which floors small runs`,
        'baseline: bare Aedes → MQTT.js QoS 1 subscriber that does nothing; latency = publish → arrival, per message'
      ]
    }
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()))
    for (const rig of rigs.reverse()) await rig.close()
    await store.close()
    db.close()
    await rm(dir, { recursive: true, force: true })
  }
}
