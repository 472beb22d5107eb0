import type pino from 'pino'
import type { Reading } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import type { AggregatePoint, ReadingsStore } from '../store/readings-store.js'
import type { Engine } from './engine.js'

/**
 * A restarted rules service rebuilds its windows from the readings store (design.md "Delivery
 * guarantees"): the recent history of every site goes through the engine with its transitions
 * dropped (that history was judged already, or is being judged now for the first time by the next
 * live reading), then each site's level is set back to what the platform DB recorded, so the next
 * live reading moves it from there: a change that happened while we were away is raised then, once.
 */

export interface WarmStartResult {
  sites: number
  readings: number
  /** Sites whose history could not be read: they start with empty windows. */
  failedSites: number
  /** Sites whose level was resumed from the platform DB. */
  resumedSites: number
}

export interface WarmStartOptions {
  engine: Engine
  db: PlatformDb
  /** Absent: nothing to replay; only the levels are resumed. */
  readings: ReadingsStore | undefined
  log: pino.Logger
  /** Region scope of this instance's partition; undefined: all. */
  scope?: string | undefined
  fromMs: number
  toMs: number
  /** History comes aggregated by the store in windows of this many ms (see `siteHistory`). */
  stepMs: number
  /** Each replayed reading, e.g. to seed the devices' last reports. */
  onReading?: (r: Reading) => void
}

export async function warmStart(opts: WarmStartOptions): Promise<WarmStartResult> {
  const { engine, db, readings, log } = opts
  const sites = db.listSites(opts.scope)
  const result: WarmStartResult = { sites: sites.length, readings: 0, failedSites: 0, resumedSites: 0 }
  if (readings !== undefined) {
    for (const site of sites) {
      let history: Reading[]
      try {
        history = await siteHistory(readings, site, opts.fromMs, opts.toMs, opts.stepMs)
      } catch (err) {
        result.failedSites++
        log.error({ err, siteId: site.id }, 'could not read the site’s history: its windows start empty')
        continue
      }
      for (const r of history) {
        // Transitions of the replayed history are dropped on purpose (see above).
        engine.ingest(r)
        opts.onReading?.(r)
      }
      result.readings += history.length
    }
  }
  result.resumedSites = resumeLevels(engine, db, sites, opts.scope)
  return result
}

/**
 * A site's history as the store aggregates it (design.md: history queries use the store's own
 * aggregation), so a long window of fast data costs the store one grouped scan and the engine one
 * point per step instead of every sample. Rain is an amount per period, so its windows are summed
 * (`intervalMm` only: the cumulative `totalMm` does not add up, and the rain model does not read
 * it); every other type is a state (displacement, level, angle), so a window keeps its last value.
 * A point is dated at its window's start, at most one step early.
 */
export async function siteHistory(readings: ReadingsStore, site: { id: string; county: string }, fromMs: number, toMs: number, stepMs: number): Promise<Reading[]> {
  const range = { siteId: site.id, from: fromMs, to: toMs, everyMs: stepMs }
  const [rain, last] = await Promise.all([readings.aggregate({ ...range, type: 'rain', fn: 'sum' }), readings.aggregate({ ...range, fn: 'last' })])
  const toReading = (p: AggregatePoint, fields: Record<string, number>): Reading => ({
    deviceId: p.deviceId,
    sensorId: p.sensorId,
    type: p.type,
    siteId: site.id,
    county: site.county,
    ts: p.ts,
    fields
  })
  const out: Reading[] = []
  for (const p of rain) if (p.fields.intervalMm !== undefined) out.push(toReading(p, { intervalMm: p.fields.intervalMm }))
  for (const p of last) if (p.type !== 'rain') out.push(toReading(p, p.fields))
  // Stable: within one step, the store's series order.
  return out.sort((a, b) => a.ts - b.ts)
}

/**
 * Set every site's level to what the platform DB recorded (none when it recorded nothing), and
 * sites with an active alert but no level record to the alert's level, so the same episode goes on
 * rather than opening a second alert.
 */
function resumeLevels(engine: Engine, db: PlatformDb, sites: ReadonlyArray<{ id: string; county: string }>, scope: string | undefined): number {
  const done = new Set<string>()
  let resumed = 0
  for (const r of db.listSiteLevels(scope)) {
    engine.restore(r.siteId, r.county, r.level)
    done.add(r.siteId)
    if (r.level !== 'none') resumed++
  }
  for (const a of db.listAlerts({ state: 'active', ...(scope === undefined ? {} : { scope }) })) {
    if (done.has(a.siteId)) continue
    engine.restore(a.siteId, a.county, a.level)
    done.add(a.siteId)
    resumed++
  }
  for (const s of sites) if (!done.has(s.id) && engine.level(s.id) !== 'none') engine.restore(s.id, s.county, 'none')
  return resumed
}
