import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { INFLUXD_PATH, startInfluxd } from '../cli/influxd-server.js'
import { topics, type Reading } from '../domain/index.js'
import { INGEST_DEFAULTS } from '../ingest/config.js'
import { decodeMessage } from '../ingest/decode.js'
import { influxConfigSchema } from '../store/influx-config.js'
import { readingLine } from '../store/influx-lines.js'
import { openInfluxReadingsStore } from '../store/influx-readings-store.js'
import type { ReadingsStore } from '../store/readings-store.js'
import { openPlatformDb } from '../store/sqlite-platform-db.js'
import { Arrivals } from './arrivals.js'
import { LoadGenerator } from './load.js'
import { startOurs } from './pipeline-rig.js'
import { benchDevices, CLOSED_RUN_SETTINGS, closedRun, runDir, WARM_UP_COUNT, type ClosedRun } from './runs.js'
import { ratios, spread, type SuiteOptions, type SuiteResult } from './stats.js'
import { loadWorkload, nativeLiveMessages, type Workload } from './workload.js'

/**
 * Sustained ingest throughput into InfluxDB (a throwaway influxd 1.x, api v1, started here) beside
 * what the same influxd takes when the same readings are posted straight to /write as line
 * protocol, in batches of ingest's size, one request at a time as ingest sends them. Each run
 * writes into fresh databases; gzip is off on both sides (loopback).
 */
export async function benchInflux(opts: SuiteOptions): Promise<SuiteResult> {
  const s = opts.quick ? CLOSED_RUN_SETTINGS.quick : CLOSED_RUN_SETTINGS.full
  if (!existsSync(INFLUXD_PATH)) {
    return { suite: 'influx', figures: [], notes: [`skipped: no influxd at ${INFLUXD_PATH} (apt-get install influxdb)`] }
  }
  const w = await loadWorkload()
  const devices = benchDevices(w.registry)
  const root = await mkdtemp(join(tmpdir(), 'geowarn-bench-influx-'))
  const influxd = await startInfluxd().catch(async (err: unknown) => {
    await rm(root, { recursive: true, force: true })
    throw err
  })
  const db = openPlatformDb(join(root, 'platform.db'))
  const load = LoadGenerator.start(devices)
  const openStore = (database: string): ReadingsStore =>
    openInfluxReadingsStore(influxConfigSchema.parse({ url: influxd.url, api: 'v1', bucket: database, gzip: false }))
  try {
    db.importRegistry(w.registry)
    const slots = await load.prepare(Math.max(s.count, WARM_UP_COUNT), devices.map((d) => d.id))
    const arrivals = new Arrivals(slots)
    const lines = lineProtocol(w, devices.map((d) => d.id), s.count)

    const ours = async (run: string, count: number): Promise<ClosedRun> => {
      const store = openStore(`ingest_${run}`)
      try {
        const rig = await startOurs({ db, store, arrivals, spoolDir: join(await runDir(root, run), 'spool') })
        try {
          return await closedRun(rig, load, arrivals, count, s.window)
        } finally {
          await rig.close()
        }
      } finally {
        await store.close()
      }
    }
    const raw = async (run: string): Promise<number> => {
      const database = `raw_${run}`
      // The store makes the database, with the same retention policy as ingest's.
      const store = openStore(database)
      try {
        await store.latest('none')
      } finally {
        await store.close()
      }
      return postLines(influxd.url, database, lines, INGEST_DEFAULTS.batchMaxSize)
    }

    await ours('warm_up', WARM_UP_COUNT)
    await raw('warm_up')
    const o: ClosedRun[] = []
    const r: number[] = []
    for (let i = 0; i < s.runs; i++) {
      o.push(await ours(`run${i}`, s.count))
      r.push(await raw(`run${i}`))
    }
    const rate = o.map((x) => x.readingsPerS)
    return {
      suite: 'influx',
      figures: [
        {
          name: 'broker → ingest → InfluxDB',
          unit: 'readings/s',
          value: spread(rate),
          baseline: { name: `raw /write, ${INGEST_DEFAULTS.batchMaxSize}-line batches`, value: spread(r) },
          ratio: ratios(rate, r)
        },
        { name: 'latency p50', unit: 'ms', value: spread(o.map((x) => x.p50Ms)) },
        { name: 'latency p99', unit: 'ms', value: spread(o.map((x) => x.p99Ms)) }
      ],
      notes: [
        `influxd ${INFLUXD_PATH} (1.x, api v1) on loopback; ${devices.length} native devices × ${s.count} QoS 1 live reports per run (${lines.length} readings), ${s.window} in flight each`,
        'ours: broker app → ingest app (spool on) → InfluxDB store (official client, gzip off); rate sustained between the 10 % and 90 % marks',
        `raw: the same readings as line protocol, POST /write?db=&precision=ms, ${INGEST_DEFAULTS.batchMaxSize} lines per request, one request at a time; goal: ours ≥ 0.7× raw`
      ]
    }
  } finally {
    await load.close()
    db.close()
    await influxd.close()
    await rm(root, { recursive: true, force: true })
  }
}

/** The first `count` messages of each device as the store would write them: one line per reading. */
function lineProtocol(w: Workload, deviceIds: readonly string[], count: number): string[] {
  const sites = new Map(w.registry.sites.map((site) => [site.id, site]))
  const lines: string[] = []
  for (const deviceId of deviceIds) {
    const device = w.registry.devices.find((d) => d.id === deviceId)
    const site = device === undefined ? undefined : sites.get(device.siteId)
    if (site === undefined) throw new Error(`${deviceId} has no site in the demo registry`)
    const topic = topics.uplink({ prov: site.county.slice(0, 2), county: site.county, siteId: site.id, deviceId, kind: 'data' })
    for (const m of nativeLiveMessages(w, deviceId, count)) {
      const decoded = decodeMessage(topic, m.payload, 0)
      if (!decoded.ok) throw new Error(`${deviceId} seq ${m.seq}: ${decoded.reason.detail}`)
      for (const r of decoded.value.uplink.readings as Reading[]) lines.push(readingLine(r))
    }
  }
  return lines
}

/** Lines per second that influxd acknowledged (204), posting `batch` lines at a time. */
async function postLines(url: string, database: string, lines: readonly string[], batch: number): Promise<number> {
  const target = `${url}/write?${new URLSearchParams({ db: database, precision: 'ms' }).toString()}`
  const start = performance.now()
  for (let i = 0; i < lines.length; i += batch) {
    const res = await fetch(target, { method: 'POST', body: lines.slice(i, i + batch).join('\n') })
    if (res.status !== 204) throw new Error(`raw /write answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
  }
  return (lines.length * 1000) / (performance.now() - start)
}
