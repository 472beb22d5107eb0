import { ALERT_LEVELS, SITE_LEVELS, type AlertLevel, type Evidence } from '../domain/index.js'
import type { IndicatorSpec } from './evaluator.js'
import { FAMILIES } from './families.js'
import { LevelHistory } from './persistence.js'
import type { CombinationRanks } from './sensor-rules.js'
import type { SiteRules } from './site-rules.js'

/**
 * Site grading (domain.md §3 "Combination, hysteresis, clearing"): the site level is the maximum
 * over its indicators' persistent levels. Rising is immediate once persistent (jumps allowed).
 * Falling goes one level at a time, only after every indicator has stayed below the current level
 * for the dwell, and at least a dwell after the last change. The dwell is the longest of the
 * families that reached the level in this episode (6 h rain-only, 24 h with displacement: our
 * choice, configurable). Times are reading times, never the wall clock.
 *
 * Combination (domain.md §3; caps in `grading.combination`, see combinedLevel): one indicator alone
 * reaches at most yellow; orange and red need displacement AND (rain, a rain flag ≤ orange, a second
 * displacement device, or the forecast) both at that level; groundwater adds at most one level to
 * the displacement level and never reaches red; debris-flow sites: mud at stage + rain → orange,
 * + a trigger → red. Falling applies the same rules to the indicators' latest times at a level.
 */

export interface IndicatorState {
  /** Replaced by a hot reload (engine.ts applyRules) when the channel retunes to new specs. */
  spec: IndicatorSpec
  /** Index of spec.family in FAMILIES: the combination switches on it in the hot path. */
  readonly fam: number
  readonly deviceId: string
  readonly sensorId: string
  history: LevelHistory
  /** Latest rating. */
  rank: number
  value: number
  atMs: number
  /** Level reached by k of the last n ratings. */
  persistent: number
  /** Index = level rank: the newest rating time at or above that level; −∞ if never. */
  readonly lastAtOrAboveMs: Float64Array
}

export interface SiteGrade {
  level: number
  /** When the level last changed (or the first reading after a restore). */
  sinceMs: number
  /** When the site last left `none`. */
  episodeStartMs: number
  /** Newest reading time seen at the site. */
  nowMs: number
}

export function newIndicatorState(spec: IndicatorSpec, deviceId: string, sensorId: string, k: number, n: number): IndicatorState {
  return {
    spec,
    fam: FAMILIES.indexOf(spec.family),
    deviceId,
    sensorId,
    history: new LevelHistory(k, n),
    rank: 0,
    value: Number.NaN,
    atMs: Number.NEGATIVE_INFINITY,
    persistent: 0,
    lastAtOrAboveMs: new Float64Array(ALERT_LEVELS.length + 1).fill(Number.NEGATIVE_INFINITY)
  }
}

export function recordRating(ind: IndicatorState, rank: number, value: number, atMs: number): void {
  ind.history.push(rank)
  ind.persistent = ind.history.persistentRank()
  // A late reading must not move "latest" backwards.
  if (atMs >= ind.atMs) {
    ind.rank = rank
    ind.value = value
    ind.atMs = atMs
  }
  for (let r = 1; r <= rank; r++) if (atMs > (ind.lastAtOrAboveMs[r] as number)) ind.lastAtOrAboveMs[r] = atMs
}

const F_RAIN = FAMILIES.indexOf('rain')
const F_FLAG = FAMILIES.indexOf('rain-flag')
const F_DISP = FAMILIES.indexOf('displacement')
const F_FORECAST = FAMILIES.indexOf('forecast')
const F_GW = FAMILIES.indexOf('groundwater')
const F_MUD = FAMILIES.indexOf('mud')
const F_TRIGGER = FAMILIES.indexOf('trigger')
const F_SECONDARY = FAMILIES.indexOf('secondary')
const ORANGE = 3
const RED = 4

/** What the combination needs of a site besides its indicators. */
export interface CombinationContext {
  readonly combination: CombinationRanks
  /** hazardType 'debris_flow': the mud combinations apply. */
  readonly debrisFlow: boolean
}

/** The highest level one indicator of this family reaches on its own (no second indicator). */
function aloneCap(fam: number, c: CombinationRanks): number {
  if (fam === F_GW) return 0
  if (fam === F_FLAG) return Math.min(c.rainFlagAloneMax, c.rainFlagMax, c.aloneMax)
  if (fam === F_SECONDARY) return Math.min(c.secondaryMax, c.aloneMax)
  return c.aloneMax
}

/**
 * The site level the indicators' persistent levels justify under the combination rules. O(indicators),
 * no allocation. Displacement devices: d1 is the highest device, d2 the highest other device.
 */
export function combinedLevel(indicators: readonly IndicatorState[], ctx: CombinationContext): number {
  const c = ctx.combination
  let alone = 0
  let rain = 0
  let flag = 0
  let forecast = 0
  let gw = 0
  let mud = 0
  let trigger = 0
  let d1 = 0
  let d2 = 0
  let d1Device = ''
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i] as IndicatorState
    const p = ind.persistent
    if (p === 0) continue
    const fam = ind.fam
    if (fam === F_DISP) {
      if (ind.deviceId === d1Device) {
        if (p > d1) d1 = p
      } else if (p > d1) {
        d2 = d1
        d1 = p
        d1Device = ind.deviceId
      } else if (p > d2) d2 = p
    } else if (fam === F_RAIN) {
      if (p > rain) rain = p
    } else if (fam === F_FLAG) {
      if (p > flag) flag = p
    } else if (fam === F_FORECAST) {
      if (p > forecast) forecast = p
    } else if (fam === F_GW) {
      if (p > gw) gw = p
    } else if (fam === F_MUD) {
      if (p > mud) mud = p
    } else if (fam === F_TRIGGER) {
      if (p > trigger) trigger = p
    }
    const a = Math.min(p, aloneCap(fam, c))
    if (a > alone) alone = a
  }
  let target = alone
  const partner = Math.max(rain, Math.min(flag, c.rainFlagMax), d2, forecast)
  const pair = Math.min(d1, partner)
  if (pair > target) target = pair
  if (gw > 0) {
    const g = Math.min(gw, d1 + c.groundwaterStepsAboveDisplacement, c.groundwaterMax)
    if (g > target) target = g
  }
  if (ctx.debrisFlow && mud >= c.debrisMudStage) {
    if (trigger >= c.debrisTriggerMin) target = RED
    else if (Math.max(rain, flag) >= c.debrisRainMin && target < ORANGE) target = ORANGE
  }
  return target
}

/**
 * The newest reading time at which the indicators' ratings justified `rank` under the same rules
 * (a pair counts from when both had last been at the level): the site falls a dwell after it.
 */
export function latestJustifiedMs(indicators: readonly IndicatorState[], rank: number, ctx: CombinationContext): number {
  const c = ctx.combination
  const NEVER = Number.NEGATIVE_INFINITY
  let alone = NEVER
  let partner = NEVER
  let gw = NEVER
  let mud = NEVER
  let trigger = NEVER
  let rainAny = NEVER
  let a1 = NEVER
  let a2 = NEVER
  let a1Device = ''
  const dispRank = rank - c.groundwaterStepsAboveDisplacement
  // Groundwater at or below `steps` levels needs no displacement at all.
  let dispBelow = dispRank <= 0 ? Number.POSITIVE_INFINITY : NEVER
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i] as IndicatorState
    const last = ind.lastAtOrAboveMs
    const at = last[rank] as number
    const fam = ind.fam
    if (rank <= aloneCap(fam, c) && at > alone) alone = at
    if (fam === F_DISP) {
      if (ind.deviceId === a1Device) {
        if (at > a1) a1 = at
      } else if (at > a1) {
        a2 = a1
        a1 = at
        a1Device = ind.deviceId
      } else if (at > a2) a2 = at
      if (dispRank >= 1 && (last[dispRank] as number) > dispBelow) dispBelow = last[dispRank] as number
    } else if (fam === F_RAIN || fam === F_FLAG) {
      if ((fam === F_RAIN || rank <= c.rainFlagMax) && at > partner) partner = at
      const r = last[c.debrisRainMin] as number
      if ((fam === F_RAIN || c.debrisRainMin <= c.rainFlagMax) && r > rainAny) rainAny = r
    } else if (fam === F_FORECAST) {
      if (at > partner) partner = at
    } else if (fam === F_GW) {
      if (rank <= c.groundwaterMax && at > gw) gw = at
    } else if (fam === F_MUD) {
      const m = last[c.debrisMudStage] as number
      if (m > mud) mud = m
    } else if (fam === F_TRIGGER) {
      const t = last[c.debrisTriggerMin] as number
      if (t > trigger) trigger = t
    }
  }
  let latest = alone
  latest = Math.max(latest, Math.min(a1, Math.max(partner, a2)))
  latest = Math.max(latest, Math.min(gw, dispBelow))
  if (ctx.debrisFlow) {
    latest = Math.max(latest, Math.min(mud, trigger))
    if (rank <= ORANGE) latest = Math.max(latest, Math.min(mud, rainAny))
  }
  return latest
}

/** The level the site should move to now; `grade.level` when it stays. */
export function nextSiteLevel(grade: SiteGrade, indicators: readonly IndicatorState[], rules: SiteRules, ctx: CombinationContext): number {
  const target = combinedLevel(indicators, ctx)
  if (target > grade.level) return target
  const current = grade.level
  if (current === 0 || target >= current) return current
  let dwellMs = 0
  for (const ind of indicators) {
    if (reachedInEpisode(ind.lastAtOrAboveMs[current] as number, grade.episodeStartMs)) {
      const d = rules.dwellMs[ind.spec.family]
      if (d > dwellMs) dwellMs = d
    }
  }
  // No indicator reached this level in the episode (e.g. resumed after a restart): the longest dwell.
  if (dwellMs === 0) dwellMs = rules.maxDwellMs
  const latestAtOrAboveMs = Math.max(grade.sinceMs, latestJustifiedMs(indicators, current, ctx))
  return grade.nowMs - latestAtOrAboveMs >= dwellMs ? current - 1 : current
}

/**
 * Why the site rose to `rank`: the indicators of every rule that justifies it (both of a pair;
 * groundwater with the displacement it stands on; mud with its rain or trigger).
 */
export function raiseEvidence(indicators: readonly IndicatorState[], rank: number, ctx: CombinationContext): Evidence[] {
  const c = ctx.combination
  const chosen = new Set<IndicatorState>()
  const add = (pick: (ind: IndicatorState) => boolean): void => {
    for (const ind of indicators) if (ind.persistent > 0 && pick(ind)) chosen.add(ind)
  }
  const capped = (ind: IndicatorState): number => Math.min(ind.persistent, aloneCap(ind.fam, c))
  add((ind) => capped(ind) >= rank)
  const devices = new Set<string>()
  let partner = false
  for (const ind of indicators) {
    if (ind.fam === F_DISP && ind.persistent >= rank) devices.add(ind.deviceId)
    if ((ind.fam === F_RAIN || ind.fam === F_FORECAST) && ind.persistent >= rank) partner = true
    if (ind.fam === F_FLAG && Math.min(ind.persistent, c.rainFlagMax) >= rank) partner = true
  }
  if (devices.size > 0 && (partner || devices.size > 1)) {
    add((ind) => ind.fam === F_DISP && ind.persistent >= rank)
    add((ind) => (ind.fam === F_RAIN || ind.fam === F_FORECAST) && ind.persistent >= rank)
    add((ind) => ind.fam === F_FLAG && Math.min(ind.persistent, c.rainFlagMax) >= rank)
  }
  const dispRank = rank - c.groundwaterStepsAboveDisplacement
  const gwOk = (ind: IndicatorState): boolean => ind.fam === F_GW && ind.persistent >= rank && rank <= c.groundwaterMax
  const dispOk = (ind: IndicatorState): boolean => ind.fam === F_DISP && ind.persistent >= dispRank
  if (indicators.some(gwOk) && (dispRank <= 0 || indicators.some(dispOk))) {
    add(gwOk)
    if (dispRank > 0) add(dispOk)
  }
  if (ctx.debrisFlow && rank >= ORANGE) {
    const mudOk = (ind: IndicatorState): boolean => ind.fam === F_MUD && ind.persistent >= c.debrisMudStage
    const trigOk = (ind: IndicatorState): boolean => ind.fam === F_TRIGGER && ind.persistent >= c.debrisTriggerMin
    const rainOk = (ind: IndicatorState): boolean =>
      (ind.fam === F_RAIN && ind.persistent >= c.debrisRainMin) || (ind.fam === F_FLAG && Math.min(ind.persistent, c.rainFlagMax) >= c.debrisRainMin)
    if (indicators.some(mudOk)) {
      if (indicators.some(trigOk)) {
        add(mudOk)
        add(trigOk)
      } else if (rank === ORANGE && indicators.some(rainOk)) {
        add(mudOk)
        add(rainOk)
      }
    }
  }
  const out: Evidence[] = []
  for (const ind of indicators) if (chosen.has(ind)) out.push(evidenceOf(ind, ind.persistent))
  return out
}

/** Why the site fell from `fromRank`: the indicators that had reached it, with their values now. */
export function lowerEvidence(indicators: readonly IndicatorState[], fromRank: number, episodeStartMs: number): Evidence[] {
  const out: Evidence[] = []
  for (const ind of indicators) if (reachedInEpisode(ind.lastAtOrAboveMs[fromRank] as number, episodeStartMs)) out.push(evidenceOf(ind, fromRank))
  return out
}

function reachedInEpisode(lastAtOrAboveMs: number, episodeStartMs: number): boolean {
  return lastAtOrAboveMs !== Number.NEGATIVE_INFINITY && lastAtOrAboveMs >= episodeStartMs
}

function evidenceOf(ind: IndicatorState, rank: number): Evidence {
  return {
    indicator: ind.spec.id,
    level: SITE_LEVELS[rank] as AlertLevel,
    deviceId: ind.deviceId,
    sensorId: ind.sensorId,
    value: ind.value,
    threshold: thresholdNear(ind.spec.thresholds, rank),
    unit: ind.spec.unit,
    at: ind.atMs
  }
}

/** The level's threshold, or the nearest defined one above, then below (tables may skip levels). */
function thresholdNear(thresholds: Float64Array, rank: number): number {
  for (let r = rank; r < thresholds.length; r++) if (!Number.isNaN(thresholds[r])) return thresholds[r] as number
  for (let r = rank - 1; r >= 1; r--) if (!Number.isNaN(thresholds[r])) return thresholds[r] as number
  return Number.NaN
}
