import type { SiteLevel } from '../../../domain/levels.js'

/** Lowest first, as domain/levels.ts SITE_LEVELS (copied: importing it would pull zod into the bundle). */
export const LEVELS: readonly SiteLevel[] = ['none', 'blue', 'yellow', 'orange', 'red']
export const ALERT_LEVELS_DESC = ['red', 'orange', 'yellow', 'blue'] as const

/** Warning colours of the national four-colour scheme (domain.md §1). */
export const LEVEL_COLORS: Readonly<Record<SiteLevel, string>> = {
  none: '#9e9e9e',
  blue: '#1e88e5',
  yellow: '#fdd835',
  orange: '#fb8c00',
  red: '#e53935'
}

export function levelRank(level: SiteLevel): number {
  return LEVELS.indexOf(level)
}

/** Orange and red are the levels where people may have to move now: they get the sound cue. */
export function isUrgent(level: SiteLevel): boolean {
  return level === 'orange' || level === 'red'
}
