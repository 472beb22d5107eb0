import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DZT_FRAME_TYPE, parseDeviceTopic, stampPlainFrame, type Reading, type RegistryFile, type Site, type UplinkTopic } from '../domain/index.js'
import { bufferedUpload, liveUpload, simDevice } from '../device-sim/device-frames.js'
import { loadRegistryFile } from '../device-sim/registry-file.js'
import { loadScenario, type Scenario } from '../device-sim/scenario.js'
import { planSite, type SitePlan } from '../device-sim/site-plan.js'
import { sampleContext, sampleSensor, type SampleContext, type SimSensor } from '../device-sim/station.js'
import { loadRuleTables, type RuleTables } from '../rules/tables.js'

/**
 * The workloads the suites share, all built with the simulator's own models and encoders (the demo
 * registry and the storm scenario), so that the benchmarks measure what devices really send.
 */
export interface Workload {
  registry: RegistryFile
  scenario: Scenario
  tables: RuleTables
  ctx: SampleContext
}

/** Scenario hour 0, fixed so that every run builds the same bytes. */
const SCENARIO_START_MS = Date.UTC(2026, 6, 27, 0, 0, 0)
/** The simulator's replay interval (storm.json `backfillIntervalS`, the intensified 300 s of domain.md §2). */
export const STEP_MS = 300_000

/** The repository root, from source (bench/) or from the build (dist/bench/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'config', 'demo-registry.json'))) return dir
    dir = dirname(dir)
  }
  throw new Error('config/demo-registry.json not found above the bench folder')
}

export async function loadWorkload(): Promise<Workload> {
  const root = repoRoot()
  const registry = await loadRegistryFile(join(root, 'config', 'demo-registry.json'))
  if (!registry.ok) throw new Error(registry.reason)
  const scenario = await loadScenario(join(root, 'config', 'scenarios', 'storm.json'))
  if (!scenario.ok) throw new Error(scenario.reason)
  const tables = loadRuleTables(JSON.parse(await readFile(join(root, 'config', 'rules-default.json'), 'utf8')))
  if (!tables.ok) throw new Error(tables.reason.join('; '))
  return { registry: registry.value, scenario: scenario.value, tables: tables.value, ctx: sampleContext(scenario.value, SCENARIO_START_MS) }
}

export interface UplinkCase {
  topic: UplinkTopic
  /** As the broker forwards it: `$dp` type-1 frames already stamped. */
  payload: Buffer
  /** Where the JSON starts in the payload (3 past a `$dp` header), for the JSON.parse baseline. */
  jsonOffset: number
}

/**
 * Every demo device's traffic in the storm: one buffered history upload (12 samples, DZ/T type 2 or
 * a native batch, plus a heartbeat), then `liveReports` live reports 10 s apart (storm.json
 * `liveIntervalS`), DZ/T plain-frame devices among them. Roughly two thirds DZ/T, as in the registry.
 */
export function uplinkMix(w: Workload, liveReports = 6): UplinkCase[] {
  const sites = new Map(w.registry.sites.map((s) => [s.id, s]))
  const out: UplinkCase[] = []
  for (const device of w.registry.devices) {
    const site = sites.get(device.siteId)
    if (site === undefined) continue
    const sim = simDevice(w.scenario, device, planSite(w.scenario, site))
    const historyEndMs = SCENARIO_START_MS + 6 * 3_600_000
    const times = Array.from({ length: 12 }, (_, i) => historyEndMs - (11 - i) * STEP_MS)
    let seq = 0
    const upload = bufferedUpload(w.ctx, sim, times, historyEndMs - 12 * STEP_MS, seq)
    seq += upload.seqUsed
    const messages = [...upload.messages]
    for (let i = 1; i <= liveReports; i++) {
      const tMs = historyEndMs + i * 10_000
      const live = liveUpload(w.ctx, sim, tMs, tMs - 10_000, { withStatus: i === 1, seq, gnssIntervalMs: STEP_MS })
      seq += live.seqUsed
      messages.push(...live.messages)
    }
    for (const m of messages) {
      const kind = parseDeviceTopic(m.topic)
      if (kind === undefined) throw new Error(`simulator topic ${m.topic} is not a device topic`)
      const topic: UplinkTopic = {
        prov: site.county.slice(0, 2),
        county: site.county,
        siteId: site.id,
        deviceId: device.id,
        kind: kind.kind === 'dp' ? 'dp' : kind.kind === 'native-data' ? 'data' : 'status'
      }
      let payload = m.payload
      if (kind.kind === 'dp' && payload[0] === DZT_FRAME_TYPE.plain) {
        const stamped = stampPlainFrame(payload, historyEndMs)
        if (!stamped.ok) throw new Error(stamped.reason)
        payload = stamped.value
      }
      out.push({ topic, payload, jsonOffset: kind.kind === 'dp' ? 3 : 0 })
    }
  }
  return out
}

/** A monitored site of the engine benchmark: one rain gauge, one GNSS receiver, one crack meter. */
export interface EngineSite {
  site: Site
  plan: SitePlan
  devices: Array<{ deviceId: string; sensor: SimSensor }>
}

/**
 * `count` sites: the 50 demo sites themselves (their storms, motions and rule overrides), then
 * copies of them under new ids in the same counties (same storms, quiet creep).
 */
export function engineSites(w: Workload, count: number): EngineSite[] {
  const base = w.registry.sites
  const out: EngineSite[] = []
  for (let k = 0; k < count; k++) {
    const b = base[k % base.length] as Site
    const site: Site = k < base.length ? b : { ...b, id: `${b.id}-c${k}` }
    out.push({
      site,
      plan: planSite(w.scenario, site),
      devices: [
        { deviceId: `BR${k}`, sensor: { id: 'L3_YL_1', type: 'rain' } },
        { deviceId: `BG${k}`, sensor: { id: 'L1_GP_1', type: 'gnss' } },
        { deviceId: `BC${k}`, sensor: { id: 'L1_LF_1', type: 'crack' } },
        // The other models, so that every evaluator runs (issue 3: "with all models on").
        { deviceId: `BW${k}`, sensor: { id: 'L3_DX_1', type: 'groundwater' } },
        { deviceId: `BT${k}`, sensor: { id: 'L1_QJ_1', type: 'tilt' } },
        ...(site.hazardType === 'debris_flow' ? [{ deviceId: `BM${k}`, sensor: { id: 'L4_NW_1', type: 'mud_level' as const } }] : [])
      ]
    })
  }
  return out
}

/** Every site's readings at scenario step `step` (STEP_MS apart), sites in order: one slice of time. */
export function engineStep(w: Workload, sites: readonly EngineSite[], step: number, into: Reading[] = []): Reading[] {
  const tMs = SCENARIO_START_MS + step * STEP_MS
  for (const s of sites) {
    for (const d of s.devices) {
      const sample = sampleSensor(w.ctx, s.plan, d.deviceId, d.sensor, tMs, tMs - STEP_MS)
      if (sample === undefined) continue
      into.push({ deviceId: d.deviceId, sensorId: sample.sensorId, type: sample.type, siteId: s.site.id, county: s.site.county, ts: sample.tMs, fields: sample.fields })
    }
  }
  return into
}

export interface LiveMessage {
  topic: string
  payload: Buffer
  seq: number
  readings: number
}

/**
 * A native device's first `count` live data messages (no heartbeats) from scenario hour 6 on,
 * reports 10 s apart, numbered from 0. Reports with nothing due (a GNSS-only device between its
 * 5-min fixes, a missed sample) send nothing, so the scenario time covered varies by device.
 */
export function nativeLiveMessages(w: Workload, deviceId: string, count: number): LiveMessage[] {
  const device = w.registry.devices.find((d) => d.id === deviceId)
  const site = w.registry.sites.find((s) => s.id === device?.siteId)
  if (device === undefined || site === undefined || device.dialect !== 'native') throw new Error(`${deviceId} is not a native demo device`)
  const sim = simDevice(w.scenario, device, planSite(w.scenario, site))
  const out: LiveMessage[] = []
  let seq = 0
  for (let tMs = SCENARIO_START_MS + 6 * 3_600_000; out.length < count; tMs += 10_000) {
    const live = liveUpload(w.ctx, sim, tMs, tMs - 10_000, { withStatus: false, seq, gnssIntervalMs: STEP_MS })
    for (const m of live.messages) {
      if (out.length === count) break
      const body = JSON.parse(m.payload.toString('utf8')) as { readings: unknown[] }
      out.push({ topic: m.topic, payload: m.payload, seq, readings: body.readings.length })
    }
    seq += live.seqUsed
  }
  return out
}
