import type { Storm } from '../scenario.js'

/** A storm as it falls on one site: the scenario's storm times the site's scale. */
export interface SiteStorm {
  startH: number
  buildUpH: number
  peakH: number
  tailH: number
  peakMmPerH: number
}

/** Tipping-bucket resolution of the usual rain gauge. */
export const BUCKET_MM = 0.2

/**
 * Rain fallen since the scenario start at `tH` hours, in mm: the closed-form integral of the
 * hyetograph (linear build-up, plateau, exponential tail), so any window sum is a difference of two
 * calls and does not depend on how often a gauge reports.
 */
export function stormCumulativeMm(s: SiteStorm, tH: number): number {
  const since = tH - s.startH
  if (since <= 0 || s.peakMmPerH === 0) return 0
  const peak = s.peakMmPerH
  if (since <= s.buildUpH) return (peak * since * since) / (2 * s.buildUpH)
  const buildUpMm = (peak * s.buildUpH) / 2
  const onPlateau = since - s.buildUpH
  if (onPlateau <= s.peakH) return buildUpMm + peak * onPlateau
  const inTail = onPlateau - s.peakH
  return buildUpMm + peak * s.peakH + peak * s.tailH * (1 - Math.exp(-inTail / s.tailH))
}

/** Instantaneous rate at `tH`, mm/h. */
export function stormRateMmPerH(s: SiteStorm, tH: number): number {
  const since = tH - s.startH
  if (since <= 0) return 0
  if (since <= s.buildUpH) return (s.peakMmPerH * since) / s.buildUpH
  const onPlateau = since - s.buildUpH
  if (onPlateau <= s.peakH) return s.peakMmPerH
  return s.peakMmPerH * Math.exp(-(onPlateau - s.peakH) / s.tailH)
}

export function rainCumulativeMm(storms: readonly SiteStorm[], tH: number): number {
  let mm = 0
  for (const s of storms) mm += stormCumulativeMm(s, tH)
  return mm
}

export function rainRateMmPerH(storms: readonly SiteStorm[], tH: number): number {
  let rate = 0
  for (const s of storms) rate += stormRateMmPerH(s, tH)
  return rate
}

/** What a tipping-bucket gauge has counted by `tH`: whole tips only. */
export function bucketCumulativeMm(storms: readonly SiteStorm[], tH: number): number {
  return Math.floor(rainCumulativeMm(storms, tH) / BUCKET_MM + 1e-9) * BUCKET_MM
}

/** Rain in the report period (fromH, toH], as the gauge reports it (whole tips, 0.1 mm print). */
export function gaugeIntervalMm(storms: readonly SiteStorm[], fromH: number, toH: number): number {
  const tips = Math.round((bucketCumulativeMm(storms, toH) - bucketCumulativeMm(storms, fromH)) / BUCKET_MM)
  return Math.round(tips * BUCKET_MM * 10) / 10
}

export function scaleStorm(s: Storm, scale: number): SiteStorm {
  return { startH: s.startH, buildUpH: s.buildUpH, peakH: s.peakH, tailH: s.tailH, peakMmPerH: s.peakMmPerH * scale }
}
