import { z } from 'zod'

/** Single-site warning levels, lowest first (domain.md §1: IV blue … I red). */
export const ALERT_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const
export const alertLevelSchema = z.enum(ALERT_LEVELS)
export type AlertLevel = z.infer<typeof alertLevelSchema>

/** A site's current level: `none` when no warning is active. */
export const SITE_LEVELS = ['none', ...ALERT_LEVELS] as const
export const siteLevelSchema = z.enum(SITE_LEVELS)
export type SiteLevel = z.infer<typeof siteLevelSchema>

export function levelRank(level: SiteLevel): number {
  return SITE_LEVELS.indexOf(level)
}

export function maxLevel(a: SiteLevel, b: SiteLevel): SiteLevel {
  return levelRank(a) >= levelRank(b) ? a : b
}

export function levelAbove(level: SiteLevel, rankDelta: number): SiteLevel {
  const i = Math.max(0, Math.min(SITE_LEVELS.length - 1, levelRank(level) + rankDelta))
  return SITE_LEVELS[i] ?? 'none'
}

export function isAlertLevel(level: SiteLevel): level is AlertLevel {
  return level !== 'none'
}

/**
 * DZ/T 0450 command level codes run backwards: 0 red, 1 orange, 2 yellow, 3 blue, 4 normal
 * (domain.md §2). Mapped explicitly so nobody derives one from the other by arithmetic.
 */
const DZT_LEVEL_CODES: Readonly<Record<SiteLevel, number>> = Object.freeze({
  red: 0,
  orange: 1,
  yellow: 2,
  blue: 3,
  none: 4
})

export function levelToDztCode(level: SiteLevel): number {
  return DZT_LEVEL_CODES[level]
}

export function dztCodeToLevel(code: number): SiteLevel | undefined {
  for (const level of SITE_LEVELS) if (DZT_LEVEL_CODES[level] === code) return level
  return undefined
}

/** Display names (Xu Qiang's single-site scheme). */
export const LEVEL_NAMES_ZH: Readonly<Record<SiteLevel, string>> = Object.freeze({
  none: '正常',
  blue: '注意级（蓝色）',
  yellow: '警示级（黄色）',
  orange: '警戒级（橙色）',
  red: '警报级（红色）'
})
