import { api } from '../api.js'
import { ct, thresholdLabel, type ChartTextKey } from '../chart-text.js'
import { createChart, type ChartOption } from '../charts.js'
import { h } from '../dom.js'
import type { ForecastEvidence } from '../forecast-evidence.js'
import { formatTime, t } from '../i18n.js'
import { LEVEL_COLORS } from '../levels.js'
import { BucketSeries, displacementMm, rainMm } from '../series.js'
import {
  axisTop,
  inverseVelocity,
  lineThroughRoot,
  maxOf,
  rebucketSums,
  risePerDay,
  rollingSums,
  round,
  tangentAngleSeries,
  trailingVelocity,
  type Point
} from '../series-math.js'
import {
  configuredVeq,
  displacementSettings,
  hasAdaptiveV0,
  mudStageLines,
  rainWindowLines,
  riseLines,
  riseSpan,
  tangentAngleLines,
  velocityLines,
  type LevelLine
} from '../site-thresholds.js'
import type { AggregatePoint, Reading, SensorType } from '../types.js'

const MIN_MS = 60_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const palette = ['#1565c0', '#6a1b9a', '#00838f', '#5d4037', '#2e7d32']
const color = (i: number): string => palette[i % palette.length] ?? '#1565c0'

export interface MeasureChart {
  readonly el: HTMLElement
  /** Fetch the window [fromMs, nowMs] again and redraw. */
  load(fromMs: number, nowMs: number): Promise<void>
  /** A live reading of the watched site; ignored unless it is this chart's kind. */
  addReading(r: Reading): void
  dispose(): void
}

interface MeasureSpec {
  testId: string
  title: string
  note?: string
  types: readonly SensorType[]
  fn: 'sum' | 'mean'
  everyMs: number
  /** History fetched before the shown period, for rolling sums, fits and references. */
  leadMs: number
  height?: number
  value: (type: SensorType, fields: Readonly<Record<string, number>>) => number | undefined
  option: (series: BucketSeries, label: (key: string) => string, fromMs: number) => ChartOption
}

/** Horizontal threshold lines in their level colours; `dashed` tells a second axis's lines apart. */
export function thresholdMarkLine(lines: readonly LevelLine[], prefix = '', dashed = false) {
  return {
    silent: true,
    symbol: 'none' as const,
    animation: false,
    data: lines.map((l) => ({
      name: `${prefix}${l.level}`,
      yAxis: l.value,
      lineStyle: { color: LEVEL_COLORS[l.level], width: 1.5, type: dashed ? ('dashed' as const) : ('solid' as const) },
      // A second axis's labels at the other end, so two tables' lines never share a label spot.
      label: { formatter: thresholdLabel(l.level, l.value, prefix), position: dashed ? ('insideStartTop' as const) : ('insideEndTop' as const), color: '#37474f', fontSize: 10 }
    }))
  }
}

const shownFrom = (points: readonly Point[], fromMs: number): Point[] => points.filter(([ts]) => ts >= fromMs)

/**
 * Rain: hourly bars, the 1 h and 24 h rolling sums (from 10-min sums, so the 1 h sum slides), and
 * the site's 1 h and 24 h window thresholds (rules/tables-rain.ts) as level-coloured lines.
 */
export function rainChart(siteId: string, rules: unknown): MeasureChart {
  const lines1h = rainWindowLines(rules, '1h')
  const lines24h = rainWindowLines(rules, '24h')
  const stepMs = 10 * MIN_MS
  return measureChart(siteId, {
    testId: 'chart-rain',
    title: ct('rain'),
    types: ['rain'],
    fn: 'sum',
    everyMs: stepMs,
    leadMs: DAY_MS,
    height: 280,
    value: (_type, fields) => rainMm(fields),
    option: (series, label, fromMs) => {
      const perKey = series.keys().map((key) => {
        const tenMin = series.points(key)
        return {
          key,
          hourly: shownFrom(rebucketSums(tenMin, HOUR_MS), fromMs),
          sum1h: shownFrom(rollingSums(tenMin, stepMs, HOUR_MS), fromMs),
          sum24h: shownFrom(rollingSums(tenMin, stepMs, DAY_MS), fromMs)
        }
      })
      const leftMax = Math.max(0, ...perKey.map((k) => Math.max(maxOf(k.hourly), maxOf(k.sum1h))))
      const rightMax = Math.max(0, ...perKey.map((k) => maxOf(k.sum24h)))
      return {
        ...baseOption(fromMs, perKey.length * 3),
        legend: { bottom: 0, type: 'scroll', textStyle: { fontSize: 11 } },
        grid: { left: 48, right: 56, top: 36, bottom: 48 },
        yAxis: [
          { type: 'value', name: ct('mm'), nameTextStyle: { align: 'left' }, min: 0, max: axisTop(leftMax, lines1h.map((l) => l.value)) },
          { type: 'value', name: ct('mm24'), nameTextStyle: { align: 'right' }, min: 0, max: axisTop(rightMax, lines24h.map((l) => l.value)), splitLine: { show: false } }
        ],
        series: perKey.flatMap((k, i) => [
          { type: 'bar' as const, id: `hourly:${k.key}`, name: `${label(k.key)}${ct('hourly')}`, data: k.hourly, itemStyle: { color: color(i) }, barMaxWidth: 14 },
          {
            type: 'line' as const,
            id: `sum1h:${k.key}`,
            name: `${label(k.key)}${ct('sum1h')}`,
            data: k.sum1h,
            showSymbol: false,
            lineStyle: { color: '#00838f', width: 1.5 },
            itemStyle: { color: '#00838f' },
            ...(i === 0 && lines1h.length > 0 ? { markLine: thresholdMarkLine(lines1h, '1h ') } : {})
          },
          {
            type: 'line' as const,
            id: `sum24h:${k.key}`,
            name: `${label(k.key)}${ct('sum24h')}`,
            yAxisIndex: 1,
            data: k.sum24h,
            showSymbol: false,
            lineStyle: { color: '#37474f', width: 2 },
            itemStyle: { color: '#37474f' },
            ...(i === 0 && lines24h.length > 0 ? { markLine: thresholdMarkLine(lines24h, '24h ', true) } : {})
          }
        ])
      }
    }
  })
}

/**
 * Displacement (hourly means) over its velocity (mm/d, trailing fit as rules/displacement-series.ts)
 * and its improved tangent angle (°, rules/tangent-angle.ts), three grids on one time axis, each
 * model's thresholds drawn from the site's table.
 */
export function displacementChart(siteId: string, rules: unknown): MeasureChart {
  const s = displacementSettings(rules)
  const vLines = velocityLines(rules)
  const aLines = tangentAngleLines(rules)
  return measureChart(siteId, {
    testId: 'chart-displacement',
    title: ct('displacement'),
    ...(hasAdaptiveV0(rules) ? { note: ct('adaptive') } : {}),
    types: ['gnss', 'crack', 'deep_disp'],
    fn: 'mean',
    everyMs: HOUR_MS,
    // v_eq is the median of the velocity history, each v_i the mean of a day's velocities.
    leadMs: s.historyMs + s.smoothMs,
    height: 460,
    value: displacementMm,
    option: (series, label, fromMs) => {
      const perKey = series.keys().map((key) => {
        const type = key.split('|')[0] as SensorType
        const points = series.points(key)
        const v = trailingVelocity(points, s.spanMs, s.minSamples)
        // As rules/tangent-angle.ts: v_eq from the smoothed history, not the raw (noisy) velocities.
        const angle = tangentAngleSeries(v, { ...s, configuredVeq: configuredVeq(rules, type) })
        return {
          key,
          displacement: shownFrom(points, fromMs).map(([ts, x]): Point => [ts, round(x, 2)]),
          velocity: shownFrom(v, fromMs).map(([ts, x]): Point => [ts, round(x, 2)]),
          angle: shownFrom(angle, fromMs)
        }
      })
      const vMax = Math.max(0, ...perKey.map((k) => maxOf(k.velocity.map(([ts, x]): Point => [ts, Math.abs(x)]))))
      const grid = (top: string, height: string) => ({ left: 56, right: 24, top, height })
      const xAxis = (gridIndex: number, labels: boolean) => ({
        type: 'time' as const,
        gridIndex,
        min: fromMs,
        axisLabel: { show: labels, hideOverlap: true, formatter: (x: number) => formatTime(x) }
      })
      return {
        animation: false,
        tooltip: { trigger: 'axis', valueFormatter: (x) => (typeof x === 'number' ? x.toFixed(1) : String(x)) },
        axisPointer: { link: [{ xAxisIndex: 'all' }] },
        ...(perKey.length > 1 ? { legend: { bottom: 0, type: 'scroll' as const, textStyle: { fontSize: 11 } } } : {}),
        grid: [grid('6%', '24%'), grid('38%', '24%'), grid('70%', perKey.length > 1 ? '20%' : '22%')],
        xAxis: [xAxis(0, false), xAxis(1, false), xAxis(2, true)],
        yAxis: [
          { type: 'value', gridIndex: 0, name: ct('displacementMm'), nameTextStyle: { align: 'left' }, scale: true },
          { type: 'value', gridIndex: 1, name: ct('velocity'), nameTextStyle: { align: 'left' }, max: axisTop(vMax, vLines.map((l) => l.value)) },
          { type: 'value', gridIndex: 2, name: ct('angle'), nameTextStyle: { align: 'left' }, min: 30, max: 90, interval: 15 }
        ],
        series: perKey.flatMap((k, i) => {
          const line = { type: 'line' as const, showSymbol: false, lineStyle: { width: 2, color: color(i) }, itemStyle: { color: color(i) } }
          return [
            { ...line, id: `displacement:${k.key}`, name: label(k.key) || ct('displacementMm'), data: k.displacement },
            {
              ...line,
              id: `velocity:${k.key}`,
              name: label(k.key) || ct('velocity'),
              xAxisIndex: 1,
              yAxisIndex: 1,
              data: k.velocity,
              ...(i === 0 && vLines.length > 0 ? { markLine: thresholdMarkLine(vLines) } : {})
            },
            {
              ...line,
              id: `angle:${k.key}`,
              name: label(k.key) || ct('angle'),
              xAxisIndex: 2,
              yAxisIndex: 2,
              data: k.angle,
              ...(i === 0 && aLines.length > 0 ? { markLine: thresholdMarkLine(aLines) } : {})
            }
          ]
        })
      }
    }
  })
}

type LevelType = 'groundwater' | 'pore_pressure' | 'mud_level' | 'surface_water'
const LEVEL_FIELD: Record<LevelType, { field: string; axis: ChartTextKey }> = {
  groundwater: { field: 'levelM', axis: 'levelM' },
  pore_pressure: { field: 'pressureKpa', axis: 'pressureKpa' },
  mud_level: { field: 'levelM', axis: 'mudM' },
  surface_water: { field: 'levelM', axis: 'levelM' }
}
export const LEVEL_TYPES = Object.keys(LEVEL_FIELD) as LevelType[]

/**
 * A level series (hourly means): mud level with its stage thresholds; groundwater and pore pressure
 * with their daily rise (rules/groundwater.ts) on a second axis against the V0 rise thresholds.
 */
export function levelChart(siteId: string, type: LevelType, rules: unknown): MeasureChart {
  const { field, axis } = LEVEL_FIELD[type]
  const stage = type === 'mud_level' ? mudStageLines(rules) : []
  const rise = type === 'groundwater' || type === 'pore_pressure' ? riseLines(rules, type) : []
  const span = riseSpan(rules)
  return measureChart(siteId, {
    testId: `chart-${type.replace('_', '-')}`,
    title: ct(type),
    ...(rise.length > 0 ? { note: ct('riseNote') } : {}),
    types: [type],
    fn: 'mean',
    everyMs: HOUR_MS,
    leadMs: rise.length > 0 ? span.spanMs : 0,
    value: (_type, fields) => fields[field],
    option: (series, label, fromMs) => {
      const perKey = series.keys().map((key) => ({
        key,
        level: shownFrom(series.points(key), fromMs).map(([ts, x]): Point => [ts, round(x, 3)]),
        rise: rise.length === 0 ? [] : shownFrom(risePerDay(series.points(key), span.spanMs, span.minSpanMs), fromMs).map(([ts, x]): Point => [ts, round(x, 3)])
      }))
      const levelMax = Math.max(0, ...perKey.map((k) => maxOf(k.level)))
      const riseMax = Math.max(0, ...perKey.map((k) => maxOf(k.rise)))
      return {
        ...baseOption(fromMs, rise.length > 0 ? 2 : perKey.length),
        grid: { left: 56, right: rise.length > 0 ? 56 : 24, top: 36, bottom: 48 },
        yAxis: [
          {
            type: 'value',
            name: ct(axis),
            nameTextStyle: { align: 'left' },
            ...(stage.length > 0 ? { min: 0, max: axisTop(levelMax, stage.map((l) => l.value)) } : { scale: true })
          },
          ...(rise.length > 0
            ? [{ type: 'value' as const, name: ct(type === 'groundwater' ? 'riseM' : 'riseKpa'), nameTextStyle: { align: 'right' as const }, max: axisTop(riseMax, rise.map((l) => l.value)), splitLine: { show: false } }]
            : [])
        ],
        series: perKey.flatMap((k, i) => [
          {
            type: 'line' as const,
            id: `level:${k.key}`,
            name: `${label(k.key)}${ct(axis)}`,
            data: k.level,
            showSymbol: false,
            lineStyle: { width: 2, color: color(i) },
            itemStyle: { color: color(i) },
            ...(i === 0 && stage.length > 0 ? { markLine: thresholdMarkLine(stage) } : {})
          },
          ...(rise.length > 0
            ? [
                {
                  type: 'line' as const,
                  id: `rise:${k.key}`,
                  name: `${label(k.key)}${ct(type === 'groundwater' ? 'riseM' : 'riseKpa')}`,
                  yAxisIndex: 1,
                  data: k.rise,
                  showSymbol: false,
                  lineStyle: { width: 1.5, color: '#37474f' },
                  itemStyle: { color: '#37474f' },
                  ...(i === 0 ? { markLine: thresholdMarkLine(rise, '', true) } : {})
                }
              ]
            : [])
        ])
      }
    }
  })
}

/**
 * The inverse-velocity forecast of the alert evidence (rules/inverse-velocity.ts): 1/v of the
 * forecast sensor's velocity (10-min means, the rules' point spacing), the line through the
 * rules' t_f fitted from the onset, and t_f itself as a vertical line.
 */
export function forecastChart(siteId: string, rules: unknown, forecast: ForecastEvidence): MeasureChart {
  const s = displacementSettings(rules)
  const stepMs = 10 * MIN_MS
  const onset = Number.isFinite(forecast.onsetMs) ? forecast.onsetMs : forecast.at - 12 * HOUR_MS
  const fit = `${ct('fit', { r2: fmt(forecast.r2, 2), points: fmt(forecast.points, 0), span: fmt(forecast.spanH, 1) })}`
  const chart = measureChart(siteId, {
    testId: 'chart-forecast',
    title: ct('forecast'),
    note: `${ct('failure')} ${formatTime(forecast.tfMs)} · ${fit}`,
    types: ['gnss', 'crack', 'deep_disp'],
    fn: 'mean',
    everyMs: stepMs,
    leadMs: s.spanMs,
    value: displacementMm,
    option: (series, _label, fromMs) => {
      const wanted = forecast.deviceId === undefined ? undefined : series.keys().find((k) => k.endsWith(`|${forecast.deviceId}/${forecast.sensorId ?? ''}`))
      const key = wanted ?? series.keys()[0]
      const inverse = key === undefined ? [] : shownFrom(inverseVelocity(trailingVelocity(series.points(key), s.spanMs, s.minSamples)), fromMs)
      const line = lineThroughRoot(inverse, onset, forecast.tfMs)
      const end = forecast.tfMs + Math.max(HOUR_MS, (forecast.tfMs - fromMs) * 0.05)
      return {
        animation: false,
        tooltip: { trigger: 'axis', valueFormatter: (x) => (typeof x === 'number' ? x.toFixed(3) : String(x)) },
        legend: { bottom: 0, textStyle: { fontSize: 11 } },
        grid: { left: 56, right: 24, top: 36, bottom: 48 },
        xAxis: { type: 'time', min: fromMs, max: end, axisLabel: { hideOverlap: true, formatter: (x: number) => formatTime(x) } },
        yAxis: { type: 'value', name: ct('inverse'), nameTextStyle: { align: 'left' }, min: 0 },
        series: [
          { type: 'scatter', id: 'inverse-velocity', name: ct('inverse'), data: inverse.map(([ts, y]): Point => [ts, round(y, 4)]), symbolSize: 5, itemStyle: { color: '#1565c0' } },
          {
            type: 'line',
            id: 'forecast-line',
            name: ct('fitted'),
            data: line,
            showSymbol: false,
            lineStyle: { color: LEVEL_COLORS.red, width: 2, type: 'dashed' },
            itemStyle: { color: LEVEL_COLORS.red },
            markLine: {
              silent: true,
              symbol: 'none',
              animation: false,
              data: [
                {
                  name: 'failure',
                  xAxis: forecast.tfMs,
                  lineStyle: { color: LEVEL_COLORS.red, width: 2 },
                  label: { formatter: `${ct('failure')} ${formatTime(forecast.tfMs)}`, position: 'insideEndTop', color: LEVEL_COLORS.red }
                }
              ]
            }
          }
        ]
      }
    }
  })
  chart.el.dataset.tf = String(Math.round(forecast.tfMs))
  // The forecast looks back from its onset, whatever period the page shows.
  return { ...chart, load: (_from, now) => chart.load(Math.min(onset - s.spanMs, now - 6 * HOUR_MS), Math.max(now, forecast.at)) }
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(digits))) : '—'
}

/** A legend only when several series share a chart; with one, the axis names say it all. */
function baseOption(fromMs: number, seriesCount: number): ChartOption {
  return {
    animation: false,
    grid: { left: 48, right: 48, top: 36, bottom: seriesCount > 1 ? 48 : 28 },
    ...(seriesCount > 1 ? { legend: { bottom: 0, type: 'scroll' as const, textStyle: { fontSize: 11 } } } : {}),
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toFixed(1) : String(v)) },
    xAxis: { type: 'time', min: fromMs, axisLabel: { hideOverlap: true, formatter: (v: number) => formatTime(v) } }
  }
}

function measureChart(siteId: string, spec: MeasureSpec): MeasureChart {
  const body = h('div', { class: 'chart', 'data-testid': spec.testId })
  if (spec.height !== undefined) body.style.height = `${spec.height}px`
  const empty = h('p', { class: 'chart-note muted', hidden: true }, t('chart.noData'))
  const el = h(
    'section',
    { class: 'panel chart-panel', 'data-testid': `${spec.testId}-panel` },
    h('h3', {}, spec.title),
    spec.note === undefined ? null : h('p', { class: 'chart-note muted' }, spec.note),
    empty,
    body
  )
  const chart = createChart(body)
  let series = new BucketSeries(spec.fn, spec.everyMs)
  let fromMs = 0
  let liveCount = 0

  // The type leads the key so a chart can pick each sensor's model (GNSS, crack, deep displacement).
  const keyOf = (p: { type: SensorType; deviceId: string; sensorId: string }): string => `${p.type}|${p.deviceId}/${p.sensorId}`
  const label = (key: string): string => (series.keys().length > 1 ? `${key.split('|')[1] ?? key} ` : '')
  const draw = (): void => {
    empty.hidden = series.keys().length > 0
    chart.chart.setOption(spec.option(series, label, fromMs), { notMerge: true })
    body.dataset.points = String(series.keys().reduce((n, k) => n + series.points(k).filter(([ts]) => ts >= fromMs).length, 0))
  }

  const addWindows = (points: readonly AggregatePoint[]): void => {
    for (const p of points) {
      const v = spec.value(p.type, p.fields)
      if (v === undefined) continue
      series.setWindow(keyOf(p), p.ts, v)
    }
  }

  return {
    el,
    async load(from, now) {
      fromMs = from
      const fresh = new BucketSeries(spec.fn, spec.everyMs)
      series = fresh
      const start = Math.floor((from - spec.leadMs) / spec.everyMs) * spec.everyMs
      const every = spec.everyMs % HOUR_MS === 0 ? `${spec.everyMs / HOUR_MS}h` : `${spec.everyMs / MIN_MS}m`
      const responses = await Promise.all(spec.types.map((type) => api.readings(siteId, { from: start, to: now, every, type, fn: spec.fn })))
      if (series !== fresh) return
      for (const res of responses) addWindows(res.points)
      draw()
    },
    addReading(r) {
      if (!spec.types.includes(r.type) || r.ts < fromMs - spec.leadMs) return
      const v = spec.value(r.type, r.fields)
      if (v === undefined) return
      series.addSample(keyOf(r), r.ts, v)
      body.dataset.live = String(++liveCount)
      draw()
    },
    dispose: () => chart.dispose()
  }
}
