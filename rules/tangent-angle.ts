import { ALERT_LEVELS } from '../domain/index.js'

/**
 * The improved tangent angle (Xu Qiang et al. 2009, domain.md §3): α = arctan(v / v_eq) with v_eq
 * the rate of the constant-velocity stage, so steady creep sits at 45° whatever its speed.
 * 45° < α < 80° yellow (initial acceleration), 80° ≤ α < 85° orange, α ≥ 85° red; α ≈ 45°
 * sustained is blue (steady creep). "≈ 45°" needs a band: blue from 45° − band, yellow from
 * 45° + band (band 5° by default: our choice, so the noise of a smoothed velocity around v_eq does
 * not flicker between blue and yellow).
 *
 * v_eq is the site's configured constant-velocity rate when it has one (`rules.constantVelocityMmPerDay`),
 * otherwise the median smoothed velocity of the channel's own trailing history (velocity-history.ts,
 * default 7 days of hourly values): a median ignores a short acceleration at the end of the window.
 */

const STEADY_DEG = 45
const RAD_TO_DEG = 180 / Math.PI

export interface TangentAngleLevels {
  /** Half-width of the steady-creep band around 45°. */
  steadyBandDeg: number
  orangeDeg: number
  redDeg: number
}

/** α in degrees for a velocity and the constant-velocity reference, both mm/day (|v| is used). */
export function tangentAngleDeg(vMmPerDay: number, veqMmPerDay: number): number {
  if (!(veqMmPerDay > 0) || !Number.isFinite(vMmPerDay)) return Number.NaN
  return Math.atan(Math.abs(vMmPerDay) / veqMmPerDay) * RAD_TO_DEG
}

/** Level thresholds by rank (index 1 blue … 4 red), in degrees, for `rankOf`. */
export function tangentAngleThresholds(l: TangentAngleLevels): Float64Array {
  const out = new Float64Array(ALERT_LEVELS.length + 1).fill(Number.NaN)
  out[1] = STEADY_DEG - l.steadyBandDeg
  // Xu et al. 2009: strictly above 45° is acceleration; the band keeps noise out of it.
  out[2] = STEADY_DEG + l.steadyBandDeg
  out[3] = l.orangeDeg
  out[4] = l.redDeg
  return out
}
