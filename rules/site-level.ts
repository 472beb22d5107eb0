import { ALERT_LEVELS, SITE_LEVELS, type AlertLevel, type Evidence } from '../domain/index.js'
import type { IndicatorSpec } from './evaluator.js'
import { LevelHistory } from './persistence.js'
import type { SiteRules } from './site-rules.js'

/**
 * Site grading (domain.md §3 "Combination, hysteresis, clearing"): the site level is the maximum
 * over its indicators' persistent levels. Rising is immediate once persistent (jumps allowed).
 * Falling goes one level at a time, only after every indicator has stayed below the current level
 * for the dwell, and at least a dwell after the last change. The dwell is the longest of the
 * families that reached the level in this episode (6 h rain-only, 24 h with displacement: our
 * choice, configurable). Times are reading times, never the wall clock.
 */

export interface IndicatorState {
  readonly spec: IndicatorSpec
  readonly deviceId: string
  readonly sensorId: string
  readonly history: LevelHistory
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

/** The level the site should move to now; `grade.level` when it stays. */
export function nextSiteLevel(grade: SiteGrade, indicators: readonly IndicatorState[], rules: SiteRules): number {
  let target = 0
  for (const ind of indicators) if (ind.persistent > target) target = ind.persistent
  if (target > grade.level) return target
  const current = grade.level
  if (current === 0 || target >= current) return current
  let dwellMs = 0
  let latestAtOrAboveMs = grade.sinceMs
  for (const ind of indicators) {
    const last = ind.lastAtOrAboveMs[current] as number
    if (reachedInEpisode(last, grade.episodeStartMs)) {
      const d = rules.dwellMs[ind.spec.family]
      if (d > dwellMs) dwellMs = d
    }
    if (last > latestAtOrAboveMs) latestAtOrAboveMs = last
  }
  // No indicator reached this level in the episode (e.g. resumed after a restart): the longest dwell.
  if (dwellMs === 0) dwellMs = rules.maxDwellMs
  return grade.nowMs - latestAtOrAboveMs >= dwellMs ? current - 1 : current
}

/** Why the site rose to `rank`: every indicator persistently at or above it. */
export function raiseEvidence(indicators: readonly IndicatorState[], rank: number): Evidence[] {
  const out: Evidence[] = []
  for (const ind of indicators) if (ind.persistent >= rank) out.push(evidenceOf(ind, ind.persistent))
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
