import type { Alert } from '../../../domain/alerts.js'

/**
 * The inverse-velocity forecast carried by a site's alert evidence (rules/displacement.ts):
 * `forecast.inverse-velocity` with value = hours from its `at` to the failure time t_f, and the
 * companions `.r2`, `.points`, `.span` (hours the fitted points cover) of the same sensor.
 */
export interface ForecastEvidence {
  at: number
  tfMs: number
  /** First fitted point: t_f's evidence time minus the fit span (NaN without the span). */
  onsetMs: number
  r2: number
  points: number
  spanH: number
  deviceId?: string
  sensorId?: string
}

const HOUR_MS = 3_600_000
const FORECAST = 'forecast.inverse-velocity'

/** The newest forecast in the alerts' level histories, or undefined when none has a finite t_f. */
export function latestForecast(alerts: readonly Alert[]): ForecastEvidence | undefined {
  let best: ForecastEvidence | undefined
  for (const a of alerts) {
    for (const change of a.history) {
      for (const e of change.evidence) {
        if (e.indicator !== FORECAST || !Number.isFinite(e.value)) continue
        if (best !== undefined && best.at >= e.at) continue
        const companion = (suffix: string): number =>
          change.evidence.find((c) => c.indicator === `${FORECAST}.${suffix}` && c.deviceId === e.deviceId && c.sensorId === e.sensorId)?.value ?? Number.NaN
        const spanH = companion('span')
        best = {
          at: e.at,
          tfMs: e.at + e.value * HOUR_MS,
          onsetMs: e.at - spanH * HOUR_MS,
          r2: companion('r2'),
          points: companion('points'),
          spanH,
          ...(e.deviceId === undefined ? {} : { deviceId: e.deviceId }),
          ...(e.sensorId === undefined ? {} : { sensorId: e.sensorId })
        }
      }
    }
  }
  return best
}
