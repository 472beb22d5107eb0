import { SITE_LEVELS, fail, levelRank, ok, type DeviceStatus, type Evidence, type HazardType, type Reading, type Result, type SensorType, type SiteLevel } from '../domain/index.js'
import { channelRange, inRange, type CompiledRange, type MaintenanceItem } from './data-quality.js'
import { DEFAULT_EVALUATORS } from './evaluators.js'
import { createRegistry, type Channel, type Evaluator, type EvaluatorRegistry, type IndicatorSpec, type SensorInfo, type UpdateOutcome } from './evaluator.js'
import { LevelHistory } from './persistence.js'
import {
  lowerEvidence,
  newIndicatorState,
  nextSiteLevel,
  raiseEvidence,
  recordRating,
  type CombinationContext,
  type IndicatorState,
  type SiteGrade
} from './site-level.js'
import { baseOf } from './rule-layers.js'
import { compileSiteRules, resolveSiteRules, type SiteRules } from './site-rules.js'
import { ruleTablesSchema, zodProblems, type RuleTables } from './tables.js'

/**
 * The warning engine: readings in, site level transitions out. Pure: no I/O, no clock, no logging;
 * time is the readings' own. One state per site; one channel (an evaluator's model) per
 * (device, sensor). New hazard models slot in as evaluators (evaluator.ts).
 */

export { DEFAULT_EVALUATORS } from './evaluators.js'
export type { MaintenanceItem } from './data-quality.js'

export interface Transition {
  siteId: string
  county: string
  from: SiteLevel
  to: SiteLevel
  /** Reading time at the site, epoch ms. */
  at: number
  evidence: Evidence[]
}

/** What the engine needs of a registry site (a domain Site fits; `sensors` come from its devices). */
export interface SiteInput {
  id: string
  county: string
  rules?: Record<string, unknown> | undefined
  /** 'debris_flow' turns on the mud combinations (domain.md §3); absent = not a debris-flow site. */
  hazardType?: HazardType | undefined
  /** The site's sensor records: their `range` overrides the data-quality table, accel `unit`. */
  sensors?: readonly SensorInfo[] | undefined
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
  /** Of `invalid`: a value outside the sensor's physical range (domain.md §3 "Device health"). */
  outOfRange: number
  /** Readings of a channel suspended by sensor_state ≠ 0. */
  suspended: number
  /** Channels restarted empty by a rules update (their evaluator could not retune). */
  restartedChannels: number
  /** No evaluator for the sensor type (yet). */
  unsupported: number
  transitions: number
  sites: number
}

export interface Engine {
  ingest(reading: Reading): Transition | null
  /**
   * Device health: sensor_state ≠ 0 suspends that channel (its readings rate nothing, its
   * persistence starts again) until a 0 arrives. Returns the maintenance items opened or closed by
   * this status; never a hazard transition.
   */
  ingestStatus(status: DeviceStatus): MaintenanceItem[]
  /**
   * Add a site or update it: new rules are swapped into the running channels, which keep their
   * windows and series (a channel whose evaluator cannot retune restarts empty). Returns the
   * override problems.
   */
  upsertSite(site: SiteInput): string[]
  /**
   * Hot reload of validated tables (loadRuleTables / loadLayeredRuleTables list every problem of a
   * bad file). Every site is recompiled first: if any fails the update is refused with the reasons
   * and the running tables are kept; otherwise the channels keep their state and the result lists
   * the site override problems under the new tables.
   */
  updateTables(tables: RuleTables): Result<string[], string[]>
  tables(): RuleTables
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
  range: CompiledRange | undefined
  /** sensor_state ≠ 0 was reported and no 0 since. */
  suspended: boolean
}

interface SiteState {
  id: string
  county: string
  input: SiteInput
  rules: SiteRules
  ctx: CombinationContext
  /** `deviceId/sensorId` → sensor record. */
  sensors: Map<string, SensorInfo>
  /** `deviceId/sensorId` → the open maintenance item. */
  faults: Map<string, { code: number; atMs: number }>
  grade: SiteGrade
  /** Set by restore(): the dwell clock starts at the next reading. */
  resumed: boolean
  devices: Map<string, Map<string, ChannelState>>
  indicators: IndicatorState[]
}

const sensorKey = (deviceId: string, sensorId: string): string => `${deviceId}/${sensorId}`

function contextOf(rules: SiteRules, hazardType: HazardType | undefined): CombinationContext {
  return { combination: rules.other.combination, debrisFlow: hazardType === 'debris_flow' }
}

export function createEngine(
  initialTables: RuleTables,
  sites: readonly SiteInput[],
  evaluators: readonly Evaluator[] = DEFAULT_EVALUATORS
): Engine {
  const registry: EvaluatorRegistry = createRegistry(evaluators)
  let tables = initialTables
  let defaultRules = compileSiteRules(tables)
  const states = new Map<string, SiteState>()
  const problems: string[] = []
  const stats: EngineStats = {
    readings: 0,
    evaluated: 0,
    duplicate: 0,
    stale: 0,
    invalid: 0,
    insufficient: 0,
    suspect: 0,
    grossErrors: 0,
    outOfRange: 0,
    suspended: 0,
    restartedChannels: 0,
    unsupported: 0,
    transitions: 0,
    sites: 0
  }

  function compileFor(t: RuleTables, shared: SiteRules, site: SiteInput): { rules: SiteRules; problems: string[] } {
    const resolved = resolveSiteRules(t, site.id, site.rules, site.county)
    const rules = Object.keys(resolved.overrides).length === 0 ? shared : compileSiteRules(t, resolved.overrides)
    return { rules, problems: resolved.problems }
  }

  /**
   * A retuned channel may hand out new specs (new thresholds): the indicator states take them, so
   * evidence shows the thresholds that apply. False if the indicators themselves changed.
   */
  function adoptSpecs(ch: ChannelState): boolean {
    const specs = ch.channel.indicators
    if (specs.length !== ch.indicators.length) return false
    for (const [i, ind] of ch.indicators.entries()) {
      const spec = specs[i]
      if (spec === undefined || spec.id !== ind.spec.id || spec.family !== ind.spec.family) return false
    }
    for (const [i, ind] of ch.indicators.entries()) ind.spec = specs[i] as IndicatorSpec
    return true
  }

  /** Swap rules into a site's running channels; a channel that cannot retune is dropped (recreated on its next reading). */
  function applyRules(site: SiteState, rules: SiteRules): void {
    site.rules = rules
    site.ctx = contextOf(rules, site.input.hazardType)
    const kept: IndicatorState[] = []
    for (const [deviceId, sensors] of site.devices) {
      for (const [sensorId, ch] of sensors) {
        if (ch.channel.retune?.(rules) !== true || !adoptSpecs(ch)) {
          sensors.delete(sensorId)
          stats.restartedChannels++
          continue
        }
        ch.range = channelRange(rules, ch.type, site.sensors.get(sensorKey(deviceId, sensorId)))
        for (const ind of ch.indicators) {
          const p = rules.persistence[ind.spec.family]
          if (ind.history.k !== p.k || ind.history.n !== p.n) {
            ind.history = new LevelHistory(p.k, p.n)
            ind.persistent = 0
          }
          kept.push(ind)
        }
      }
      if (sensors.size === 0) site.devices.delete(deviceId)
    }
    site.indicators = kept
  }

  function sensorMap(site: SiteInput): Map<string, SensorInfo> {
    return new Map((site.sensors ?? []).map((s) => [sensorKey(s.deviceId, s.sensorId), s]))
  }

  function upsertSite(site: SiteInput): string[] {
    const { rules, problems: found } = compileFor(tables, defaultRules, site)
    problems.push(...found)
    const existing = states.get(site.id)
    if (existing !== undefined) {
      existing.county = site.county
      existing.input = site
      existing.sensors = sensorMap(site)
      applyRules(existing, rules)
    } else {
      states.set(site.id, {
        id: site.id,
        county: site.county,
        input: site,
        rules,
        ctx: contextOf(rules, site.hazardType),
        sensors: sensorMap(site),
        faults: new Map(),
        grade: { level: 0, sinceMs: Number.NEGATIVE_INFINITY, episodeStartMs: Number.NEGATIVE_INFINITY, nowMs: Number.NEGATIVE_INFINITY },
        resumed: false,
        devices: new Map(),
        indicators: []
      })
      stats.sites++
    }
    return found
  }

  function updateTables(next: RuleTables): Result<string[], string[]> {
    // Checked again here (cheap, once per reload): a table built in code skips the loader.
    const valid = ruleTablesSchema.safeParse(baseOf(next))
    if (!valid.success) return fail(zodProblems(valid.error).map((p) => `${p} (running tables kept)`))
    // Compile everything before touching anything: a table that fails keeps the running one.
    const compiled = new Map<SiteState, SiteRules>()
    const found: string[] = []
    let nextDefault: SiteRules
    try {
      nextDefault = compileSiteRules(next)
      for (const site of states.values()) {
        const c = compileFor(next, nextDefault, site.input)
        compiled.set(site, c.rules)
        found.push(...c.problems)
      }
    } catch (err) {
      return fail([`rule tables refused, running tables kept: ${err instanceof Error ? err.message : String(err)}`])
    }
    tables = next
    defaultRules = nextDefault
    for (const [site, rules] of compiled) applyRules(site, rules)
    problems.push(...found)
    return ok(found)
  }

  function channelOf(site: SiteState, r: Reading): ChannelState | undefined {
    let sensors = site.devices.get(r.deviceId)
    const found = sensors?.get(r.sensorId)
    if (found !== undefined) return found
    const evaluator = registry.get(r.type)
    if (evaluator === undefined) return undefined
    const key = sensorKey(r.deviceId, r.sensorId)
    const info = site.sensors.get(key)
    const channel = evaluator.createChannel(site.rules, r.type, info)
    const indicators = channel.indicators.map((spec) => {
      const p = site.rules.persistence[spec.family]
      return newIndicatorState(spec, r.deviceId, r.sensorId, p.k, p.n)
    })
    const state: ChannelState = {
      type: r.type,
      channel,
      indicators,
      range: channelRange(site.rules, r.type, info),
      suspended: site.faults.size > 0 && site.faults.has(key)
    }
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

  function siteOf(siteId: string, county: string): SiteState {
    let site = states.get(siteId)
    if (site === undefined) {
      // The broker placed the device, so the site is real even if we have not loaded it: defaults.
      upsertSite({ id: siteId, county })
      site = states.get(siteId) as SiteState
    }
    return site
  }

  function ingest(r: Reading): Transition | null {
    stats.readings++
    const site = siteOf(r.siteId, r.county)
    const ch = channelOf(site, r)
    if (ch === undefined) {
      stats.unsupported++
      return null
    }
    if (ch.type !== r.type) return count('invalid')
    if (ch.suspended) {
      stats.suspended++
      return null
    }
    if (ch.range !== undefined && !inRange(r.fields, ch.range)) {
      stats.outOfRange++
      return count('invalid')
    }
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
    const to = nextSiteLevel(grade, site.indicators, site.rules, site.ctx)
    if (to === from) return null
    const evidence = to > from ? raiseEvidence(site.indicators, to, site.ctx) : lowerEvidence(site.indicators, from, grade.episodeStartMs)
    if (from === 0) grade.episodeStartMs = grade.nowMs
    grade.level = to
    grade.sinceMs = grade.nowMs
    stats.transitions++
    return { siteId: site.id, county: site.county, from: SITE_LEVELS[from] ?? 'none', to: SITE_LEVELS[to] ?? 'none', at: grade.nowMs, evidence }
  }

  function setSuspended(site: SiteState, deviceId: string, sensorId: string, on: boolean): void {
    const ch = site.devices.get(deviceId)?.get(sensorId)
    if (ch === undefined) return
    ch.suspended = on
    // What the channel rated before the fault no longer counts towards rising; the falling dwell
    // still sees when it was last at a level, so the site does not drop at once either.
    if (on) {
      for (const ind of ch.indicators) {
        ind.history.reset()
        ind.persistent = 0
      }
    }
  }

  function ingestStatus(status: DeviceStatus): MaintenanceItem[] {
    const site = siteOf(status.siteId, status.county)
    const items: MaintenanceItem[] = []
    const item = (sensorId: string, code: number, kind: MaintenanceItem['kind']): void => {
      items.push({ siteId: site.id, deviceId: status.deviceId, sensorId, code, at: status.ts, kind })
    }
    for (const [sensorId, code] of Object.entries(status.sensorState)) {
      const key = sensorKey(status.deviceId, sensorId)
      const open = site.faults.get(key)
      // A status older than the open item says nothing about now.
      if (open !== undefined && status.ts < open.atMs) continue
      if (code === 0) {
        if (open === undefined) continue
        site.faults.delete(key)
        item(sensorId, open.code, 'closed')
        setSuspended(site, status.deviceId, sensorId, false)
        continue
      }
      if (open !== undefined && open.code === code) continue
      // Another fault code is another fault: close the old item, open the new one.
      if (open !== undefined) item(sensorId, open.code, 'closed')
      site.faults.set(key, { code, atMs: status.ts })
      item(sensorId, code, 'opened')
      setSuspended(site, status.deviceId, sensorId, true)
    }
    return items
  }

  function restore(siteId: string, county: string, level: SiteLevel): void {
    const site = siteOf(siteId, county)
    site.grade.level = levelRank(level)
    site.resumed = true
  }

  for (const s of sites) upsertSite(s)

  return {
    ingest,
    ingestStatus,
    upsertSite,
    updateTables,
    tables: () => tables,
    restore,
    hasSite: (siteId) => states.has(siteId),
    level: (siteId) => SITE_LEVELS[states.get(siteId)?.grade.level ?? 0] ?? 'none',
    problems: () => problems,
    stats: () => ({ ...stats })
  }
}
