import type { Evidence, LevelChange } from '../../../domain/alerts.js'
import type { AlertLevel } from '../../../domain/levels.js'
import { EVIDENCE_TEXT, INDICATOR_NAMES } from './indicator-names.js'
import type { Lang } from './messages.js'

/**
 * Evidence as the officer reads it: a name instead of the rule id, value and threshold with their
 * unit, and the inverse-velocity forecast as a failure time with its fit quality. Pure: the
 * language and (for tests) the time zone are arguments.
 */

const HOUR_MS = 3_600_000
const FORECAST = 'forecast.inverse-velocity'
const FORECAST_COMPANIONS = { r2: `${FORECAST}.r2`, points: `${FORECAST}.points`, span: `${FORECAST}.span` } as const
/** Hours until the forecast failure time: the lower, the worse (rules/displacement.ts `thresholdsH`). */
const LOWER_IS_WORSE: ReadonlySet<string> = new Set([FORECAST])

export interface EvidenceRow {
  at: number
  level: AlertLevel
  indicator: string
  name: string
  /** The value as text; for the forecast a sentence, which may wrap. */
  value: string
  isForecast: boolean
  threshold: string
  device: string
}

export interface EvidenceFormat {
  lang: Lang
  /** IANA zone for the forecast time; the browser's own when absent. */
  timeZone?: string
}

export function indicatorName(id: string, lang: Lang): string {
  const known = INDICATOR_NAMES[lang][id]
  if (known !== undefined) return known
  const text = EVIDENCE_TEXT[lang]
  // Window ids are `\d+(min|h|d)` (rules/tables-rain.ts rainWindowSchema).
  const window = /^rain\.(\d+)(min|h|d)$/.exec(id)
  if (window !== null) {
    const template = window[2] === 'min' ? text.rainMin : window[2] === 'h' ? text.rainH : text.rainD
    return fill(template, { n: window[1] ?? '' })
  }
  const curve = /^rain\.id\.([a-z][a-z0-9-]*)$/.exec(id)
  if (curve !== null) return fill(text.rainCurve, { id: curve[1] ?? '' })
  return id
}

/** A value with its unit, as the rules wrote it; NaN and infinities (no threshold, no fit) are a dash. */
export function formatQuantity(value: number, unit: string, lang: Lang): string {
  if (!Number.isFinite(value)) return '—'
  switch (unit) {
    case 'R²':
      return decimals(value, 2)
    case 'points':
      return `${decimals(value, 0)} ${EVIDENCE_TEXT[lang].points}`
    case '°':
      return `${decimals(value, 1)}°`
    case 'h':
      return `${decimals(value, 1)} h`
    default:
      return `${decimals(value, 2)} ${unit}`
  }
}

export function formatThreshold(e: Pick<Evidence, 'indicator' | 'threshold' | 'unit'>, lang: Lang): string {
  if (!Number.isFinite(e.threshold)) return '—'
  return `${LOWER_IS_WORSE.has(e.indicator) ? '≤' : '≥'} ${formatQuantity(e.threshold, e.unit, lang)}`
}

export function formatForecastTime(ms: number, opts: EvidenceFormat): string {
  return new Intl.DateTimeFormat(opts.lang === 'zh' ? 'zh-CN' : 'en-GB', {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(opts.timeZone === undefined ? {} : { timeZone: opts.timeZone })
  }).format(ms)
}

/** Rows of one level change's evidence, the forecast's companions folded into the forecast row. */
export function evidenceRowsOf(evidence: readonly Evidence[], opts: EvidenceFormat): EvidenceRow[] {
  const folded = new Set<Evidence>()
  const fitOf = (e: Evidence): ForecastFit => {
    const companion = (id: string): Evidence | undefined => {
      const c = evidence.find((x) => x.indicator === id && !folded.has(x) && sameSensor(x, e))
      if (c !== undefined) folded.add(c)
      return c
    }
    return { r2: companion(FORECAST_COMPANIONS.r2), points: companion(FORECAST_COMPANIONS.points), span: companion(FORECAST_COMPANIONS.span) }
  }
  const fits = new Map(evidence.filter((e) => e.indicator === FORECAST).map((e) => [e, fitOf(e)] as const))
  return evidence
    .filter((e) => !folded.has(e))
    .map((e) => {
      const fit = fits.get(e)
      const value = fit === undefined ? formatQuantity(e.value, e.unit, opts.lang) : forecastText(e, fit, opts)
      return { ...rowBase(e, opts.lang), value, isForecast: fit !== undefined }
    })
}

/** Every level change's evidence, newest change first. */
export function evidenceRows(history: readonly LevelChange[], opts: EvidenceFormat): EvidenceRow[] {
  return [...history].reverse().flatMap((change) => evidenceRowsOf(change.evidence, opts))
}

type ForecastFit = Record<keyof typeof FORECAST_COMPANIONS, Evidence | undefined>

function forecastText(e: Evidence, fit: ForecastFit, opts: EvidenceFormat): string {
  if (!Number.isFinite(e.value)) return '—'
  const text = EVIDENCE_TEXT[opts.lang]
  const when = fill(text.forecast, { time: formatForecastTime(e.at + e.value * HOUR_MS, opts) })
  const parts = [
    fit.r2 === undefined ? undefined : fill(text.fitR2, { v: decimals(fit.r2.value, 2) }),
    fit.points === undefined ? undefined : fill(text.fitPoints, { v: decimals(fit.points.value, 0) }),
    fit.span === undefined ? undefined : fill(text.fitSpan, { v: decimals(fit.span.value, 1) })
  ].filter((p): p is string => p !== undefined)
  return parts.length === 0 ? when : `${when} (${parts.join(', ')})`
}

function rowBase(e: Evidence, lang: Lang): Omit<EvidenceRow, 'value' | 'isForecast'> {
  return {
    at: e.at,
    level: e.level,
    indicator: e.indicator,
    name: indicatorName(e.indicator, lang),
    threshold: formatThreshold(e, lang),
    device: [e.deviceId, e.sensorId].filter((x) => x !== undefined).join('/')
  }
}

function sameSensor(a: Evidence, b: Evidence): boolean {
  return a.deviceId === b.deviceId && a.sensorId === b.sensorId
}

/** Rounded to at most `digits` places, trailing zeros dropped. */
function decimals(v: number, digits: number): string {
  if (!Number.isFinite(v)) return '—'
  return String(Number(v.toFixed(digits)))
}

function fill(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m)
}
