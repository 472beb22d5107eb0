import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { DIALECTS, dztPrefixOf, type DeviceImport, type Dialect, type RegistryFile } from '../domain/index.js'
import type { SimConfig } from './config.js'
import { simDevice } from './device-frames.js'
import { DeviceRunner, Gate, type DialectCounters, type RunPlan } from './device-runner.js'
import type { Scenario } from './scenario.js'
import { planSites } from './site-plan.js'
import { sampleContext, wallTimeOf } from './station.js'

export interface SimDeps {
  log: Logger
  registry: RegistryFile
  scenario: Scenario
  /** Wall clock; tests may pin it. */
  now?: () => number
}

export interface SimStats {
  devices: number
  connected: number
  failed: number
  published: number
  acked: number
  errors: number
  byDialect: Record<Dialect, DialectCounters>
}

export interface SimHandle {
  stats(): SimStats
  /** Resolves when every device has finished: the scenario ended, `durationS` elapsed or close() was called. */
  done: Promise<void>
  /** When the scenario clock starts and ends, wall ms (for logs and tests). */
  startMs: number
  endMs: number
  close(): Promise<void>
}

const MS_PER_H = 3_600_000

/**
 * The fleet: one MQTT connection per device of the registry (filtered by `config.sites`), each
 * replaying the scenario's history fast and then reporting live.
 */
export async function buildSim(config: SimConfig, deps: SimDeps): Promise<SimHandle> {
  const log = deps.log.child({ module: 'device-sim' })
  const now = deps.now ?? Date.now
  const { scenario, registry } = deps
  const liveStartMs = now()
  const startMs = liveStartMs - scenario.backfillH * MS_PER_H
  const ctx = sampleContext(scenario, startMs, liveStartMs, config.speed)
  const endMs = scenario.endH === undefined ? Infinity : wallTimeOf(ctx, scenario.endH)

  const plans = planSites(scenario, registry.sites)
  const wanted = config.sites === undefined ? undefined : new Set(config.sites)
  const counters = Object.fromEntries(DIALECTS.map((d) => [d, { published: 0, acked: 0, errors: 0 }])) as Record<Dialect, DialectCounters>
  const runners: DeviceRunner[] = []
  for (const device of registry.devices) {
    if (wanted !== undefined && !wanted.has(device.siteId)) continue
    const plan = plans.get(device.siteId)
    if (plan === undefined) continue
    const d = config.dialect === undefined ? device : asDialect(device, config.dialect)
    runners.push(new DeviceRunner(simDevice(scenario, d, plan), counters[d.dialect], log))
  }

  const stop = new AbortController()
  // Every device listens for the stop (a few listeners each): bounded by the fleet size, not a leak.
  setMaxListeners(0, stop.signal)
  const gate = new Gate(config.connectConcurrency)
  let connected = 0
  let failed = 0
  const minPlusS = (d: DeviceImport) => Math.min(...d.sensors.map((s) => s.plusIntvS ?? 300))
  const runOne = async (runner: DeviceRunner): Promise<void> => {
    await gate.enter()
    let ok: boolean
    try {
      ok = await runner.connect(
        { url: config.mqttUrl, keepaliveS: config.keepaliveS, reconnectPeriodMs: config.reconnectPeriodMs, connectTimeoutMs: config.connectTimeoutMs },
        stop.signal
      )
    } finally {
      gate.leave()
    }
    if (!ok) {
      if (!stop.signal.aborted) failed++
      return
    }
    connected++
    const plan: RunPlan = {
      ctx,
      endMs,
      backfillIntervalMs: scenario.backfillIntervalS * 1000,
      liveIntervalMs: (scenario.liveIntervalS ?? minPlusS(runner.sim.device)) * 1000,
      gnssIntervalMs: scenario.gnssIntervalS * 1000,
      statusIntervalMs: scenario.statusIntervalS * 1000,
      batchSamples: scenario.batchSamples,
      now
    }
    await runner.run(plan, stop.signal)
    // A natural end waits for the last PUBACKs; a stop does not.
    await runner.end(stop.signal.aborted)
  }

  log.info(
    { devices: runners.length, scenario: scenario.name, startAt: new Date(startMs).toISOString(), endAt: Number.isFinite(endMs) ? new Date(endMs).toISOString() : null, url: config.mqttUrl },
    'simulator starting'
  )
  const durationTimer = config.durationS === undefined ? undefined : setTimeout(() => stop.abort(), config.durationS * 1000)
  const done = Promise.all(
    runners.map((r) =>
      runOne(r).catch((err: unknown) => {
        counters[r.dialect].errors++
        log.error({ err, deviceId: r.sim.device.id }, 'device task failed')
      })
    )
  ).then(() => {
    if (durationTimer !== undefined) clearTimeout(durationTimer)
    log.info(stats(), 'simulator finished')
  })

  function stats(): SimStats {
    const sum = (k: keyof DialectCounters) => DIALECTS.reduce((n, d) => n + counters[d][k], 0)
    return {
      devices: runners.length,
      connected,
      failed,
      published: sum('published'),
      acked: sum('acked'),
      errors: sum('errors'),
      byDialect: { native: { ...counters.native }, dzt0450: { ...counters.dzt0450 } }
    }
  }

  return {
    stats,
    done,
    startMs,
    endMs,
    async close() {
      stop.abort()
      await Promise.all(runners.map((r) => r.end(true)))
      await done
    }
  }
}

/** A device made to speak another dialect; DZ/T sensors get point codes (`L3_YL_1`). */
function asDialect(device: DeviceImport, dialect: Dialect): DeviceImport {
  if (device.dialect === dialect) return device
  if (dialect === 'native') return { ...device, dialect }
  const channels = new Map<string, number>()
  const sensors = device.sensors.map((s) => {
    const prefix = dztPrefixOf(s.type)
    const n = (channels.get(prefix) ?? 0) + 1
    channels.set(prefix, n)
    return { ...s, id: `${prefix}_${n}` }
  })
  return { ...device, dialect, sensors }
}
