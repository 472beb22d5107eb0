import { SITE_LEVELS, levelRank, type Evidence, type Reading, type SensorType, type SiteLevel } from '../domain/index.js'
import { DEFAULT_EVALUATORS } from './evaluators.js'
import { createRegistry, type Channel, type Evaluator, type EvaluatorRegistry, type UpdateOutcome } from './evaluator.js'
import { lowerEvidence, newIndicatorState, nextSiteLevel, raiseEvidence, recordRating, type IndicatorState, type SiteGrade } from './site-level.js'
import { compileSiteRules, resolveSiteRules, type SiteRules } from './site-rules.js'
import type { RuleTables } from './tables.js'

/**
 * The warning engine: readings in, site level transitions out. Pure: no I/O, no clock, no logging;
 * time is the readings' own. One state per site; one channel (an evaluator's model) per
 * (device, sensor). New hazard models slot in as evaluators (evaluator.ts).
 */

export { DEFAULT_EVALUATORS } from './evaluators.js'

export interface Transition {
  siteId: string
  county: string
  from: SiteLevel
  to: SiteLevel
  /** Reading time at the site, epoch ms. */
  at: number
  evidence: Evidence[]
}

/** What the engine needs of a registry site. */
export interface SiteInput {
  id: string
  county: string
  rules?: Record<string, unknown> | undefined
}

export interface EngineStats {
  readings: number
  evaluated: number
  duplicate: number
  stale: number
  invalid: number
  insufficient: number
  /** Held back as a possible gross error until a newer sample confirms or clears it. */
  suspect: number
  /** Samples rejected as gross errors by a channel's robust filter (domain.md §3). */
  grossErrors: number
  /** No evaluator for the sensor type (yet). */
  unsupported: number
  transitions: number
  sites: number
}

export interface Engine {
  ingest(reading: Reading): Transition | null
  /** Add a site or replace its rules (its channels restart empty). Returns the override problems. */
  upsertSite(site: SiteInput): string[]
  hasSite(siteId: string): boolean
  /** Resume a level after a restart; the falling dwell restarts at the site's next reading. */
  restore(siteId: string, county: string, level: SiteLevel): void
  level(siteId: string): SiteLevel
  /** Every rejected site override so far, `site <id>: rules.<key>: …`. */
  problems(): readonly string[]
  stats(): EngineStats
}

interface ChannelState {
  type: SensorType
  channel: Channel
  indicators: IndicatorState[]
}

interface SiteState {
  id: string
  county: string
  rules: SiteRules
  grade: SiteGrade
  /** Set by restore(): the dwell clock starts at the next reading. */
  resumed: boolean
  devices: Map<string, Map<string, ChannelState>>
  indicators: IndicatorState[]
}

export function createEngine(
  tables: RuleTables,
  sites: readonly SiteInput[],
  evaluators: readonly Evaluator[] = DEFAULT_EVALUATORS
): Engine {
  const registry: EvaluatorRegistry = createRegistry(evaluators)
  const defaultRules = compileSiteRules(tables)
  const states = new Map<string, SiteState>()
  const problems: string[] = []
  const stats: EngineStats = { readings: 0, evaluated: 0, duplicate: 0, stale: 0, invalid: 0, insufficient: 0, suspect: 0, grossErrors: 0, unsupported: 0, transitions: 0, sites: 0 }

  function upsertSite(site: SiteInput): string[] {
    const resolved = resolveSiteRules(tables, site.id, site.rules)
    problems.push(...resolved.problems)
    const rules = Object.keys(resolved.overrides).length === 0 ? defaultRules : compileSiteRules(tables, resolved.overrides)
    const existing = states.get(site.id)
    if (existing !== undefined) {
      existing.rules = rules
      existing.county = site.county
      existing.devices.clear()
      existing.indicators = []
    } else {
      states.set(site.id, {
        id: site.id,
        county: site.county,
        rules,
        grade: { level: 0, sinceMs: Number.NEGATIVE_INFINITY, episodeStartMs: Number.NEGATIVE_INFINITY, nowMs: Number.NEGATIVE_INFINITY },
        resumed: false,
        devices: new Map(),
        indicators: []
      })
      stats.sites++
    }
    return resolved.problems
  }

  function channelOf(site: SiteState, r: Reading): ChannelState | undefined {
    let sensors = site.devices.get(r.deviceId)
    const found = sensors?.get(r.sensorId)
    if (found !== undefined) return found
    const evaluator = registry.get(r.type)
    if (evaluator === undefined) return undefined
    const channel = evaluator.createChannel(site.rules, r.type)
    const indicators = channel.indicators.map((spec) => {
      const p = site.rules.persistence[spec.family]
      return newIndicatorState(spec, r.deviceId, r.sensorId, p.k, p.n)
    })
    const state: ChannelState = { type: r.type, channel, indicators }
    if (sensors === undefined) {
      sensors = new Map()
      site.devices.set(r.deviceId, sensors)
    }
    sensors.set(r.sensorId, state)
    site.indicators.push(...indicators)
    return state
  }

  function count(outcome: Exclude<UpdateOutcome, 'evaluated'>): null {
    stats[outcome]++
    return null
  }

  function ingest(r: Reading): Transition | null {
    stats.readings++
    let site = states.get(r.siteId)
    if (site === undefined) {
      // The broker placed the device, so the site is real even if we have not loaded it: defaults.
      upsertSite({ id: r.siteId, county: r.county })
      site = states.get(r.siteId) as SiteState
    }
    const ch = channelOf(site, r)
    if (ch === undefined) {
      stats.unsupported++
      return null
    }
    if (ch.type !== r.type) return count('invalid')
    const outcome = ch.channel.update(r)
    if (ch.channel.takeRejected !== undefined) stats.grossErrors += ch.channel.takeRejected()
    if (outcome !== 'evaluated') return count(outcome)
    stats.evaluated++

    const grade = site.grade
    if (site.resumed) {
      site.resumed = false
      grade.sinceMs = r.ts
    }
    if (r.ts > grade.nowMs) grade.nowMs = r.ts
    const obs = ch.channel.observations
    for (let i = 0; i < obs.length; i++) {
      const o = obs[i]
      const ind = ch.indicators[i]
      if (o === undefined || ind === undefined || !o.updated) continue
      o.updated = false
      recordRating(ind, o.rank, o.value, r.ts)
    }

    const from = grade.level
    const to = nextSiteLevel(grade, site.indicators, site.rules)
    if (to === from) return null
    const evidence = to > from ? raiseEvidence(site.indicators, to) : lowerEvidence(site.indicators, from, grade.episodeStartMs)
    if (from === 0) grade.episodeStartMs = grade.nowMs
    grade.level = to
    grade.sinceMs = grade.nowMs
    stats.transitions++
    return { siteId: site.id, county: site.county, from: SITE_LEVELS[from] ?? 'none', to: SITE_LEVELS[to] ?? 'none', at: grade.nowMs, evidence }
  }

  function restore(siteId: string, county: string, level: SiteLevel): void {
    if (!states.has(siteId)) upsertSite({ id: siteId, county })
    const site = states.get(siteId) as SiteState
    site.grade.level = levelRank(level)
    site.resumed = true
  }

  for (const s of sites) upsertSite(s)

  return {
    ingest,
    upsertSite,
    restore,
    hasSite: (siteId) => states.has(siteId),
    level: (siteId) => SITE_LEVELS[states.get(siteId)?.grade.level ?? 0] ?? 'none',
    problems: () => problems,
    stats: () => ({ ...stats })
  }
}
