/**
 * Slope motion along the sliding direction, in mm, as a function of scenario hours.
 * Constant creep, then from the onset the inverse-velocity law (Fukuzono 1985, domain.md §3):
 * 1/v falls linearly to zero at the failure time, so v(t) = v0 · (tf − ta) / (tf − t) and the
 * displacement is its integral, v0 · (tf − ta) · ln((tf − ta) / (tf − t)).
 */
export interface SiteMotion {
  creepMmPerDay: number
  onsetH?: number | undefined
  failureH?: number | undefined
}

/**
 * Past failure the body has slid; the model holds the velocity reached this long before failure
 * instead of diverging, so the numbers stay finite and keep rising.
 */
export const TERMINAL_GAP_H = 2 / 60

export function velocityMmPerDay(m: SiteMotion, tH: number): number {
  if (m.onsetH === undefined || m.failureH === undefined || tH <= m.onsetH) return m.creepMmPerDay
  const remainingH = Math.max(m.failureH - tH, TERMINAL_GAP_H)
  return (m.creepMmPerDay * (m.failureH - m.onsetH)) / remainingH
}

export function displacementMm(m: SiteMotion, tH: number): number {
  const creepMmPerH = m.creepMmPerDay / 24
  if (m.onsetH === undefined || m.failureH === undefined || tH <= m.onsetH) return creepMmPerH * tH
  const spanH = m.failureH - m.onsetH
  const atOnset = creepMmPerH * m.onsetH
  const lastH = m.failureH - TERMINAL_GAP_H
  const k = creepMmPerH * spanH
  if (tH <= lastH) return atOnset + k * Math.log(spanH / (m.failureH - tH))
  const atLast = atOnset + k * Math.log(spanH / TERMINAL_GAP_H)
  return atLast + (k / TERMINAL_GAP_H) * (tH - lastH)
}
