import { api } from '../api.js'
import { createChart, type ChartOption } from '../charts.js'
import { h } from '../dom.js'
import { formatTime, t } from '../i18n.js'
import { BucketSeries, cumulative, displacementMm, rainMm, type BucketFn } from '../series.js'
import type { AggregatePoint, Reading, SensorType } from '../types.js'

const hourMs = 3_600_000
const palette = ['#1565c0', '#6a1b9a', '#00838f', '#5d4037', '#2e7d32']

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
  types: readonly SensorType[]
  fn: BucketFn
  value: (type: SensorType, fields: Readonly<Record<string, number>>) => number | undefined
  option: (series: BucketSeries, label: (key: string) => string, fromMs: number) => ChartOption
}

/** Hourly rain as bars (sum per hour) with the cumulative rain of the period as a line. */
export function rainChart(siteId: string): MeasureChart {
  return measureChart(siteId, {
    testId: 'chart-rain',
    title: t('chart.rain'),
    types: ['rain'],
    fn: 'sum',
    value: (_type, fields) => rainMm(fields),
    option: (series, label, fromMs) => ({
      ...baseOption(fromMs, series.keys().length),
      yAxis: [
        { type: 'value', name: t('chart.rainHourly'), nameTextStyle: { align: 'left' }, min: 0 },
        { type: 'value', name: t('chart.rainCumulative'), nameTextStyle: { align: 'right' }, min: 0, splitLine: { show: false } }
      ],
      series: series.keys().flatMap((key, i) => {
        const points = series.points(key)
        const color = palette[i % palette.length] ?? '#1565c0'
        return [
          { type: 'bar' as const, name: `${label(key)} ${t('chart.rainHourly')}`, data: points, itemStyle: { color }, barMaxWidth: 14 },
          {
            type: 'line' as const,
            name: `${label(key)} ${t('chart.rainCumulative')}`,
            yAxisIndex: 1,
            data: cumulative(points),
            showSymbol: false,
            lineStyle: { color: '#37474f', width: 2 },
            itemStyle: { color: '#37474f' }
          }
        ]
      })
    })
  })
}

/** Displacement per sensor as the mean of each hour: GNSS resultant, crack opening, deep displacement. */
export function displacementChart(siteId: string): MeasureChart {
  return measureChart(siteId, {
    testId: 'chart-displacement',
    title: t('chart.displacement'),
    types: ['gnss', 'crack', 'deep_disp'],
    fn: 'mean',
    value: displacementMm,
    option: (series, label, fromMs) => ({
      ...baseOption(fromMs, series.keys().length),
      yAxis: { type: 'value', name: t('chart.displacementMm'), nameTextStyle: { align: 'left' }, scale: true },
      series: series.keys().map((key, i) => ({
        type: 'line' as const,
        name: label(key),
        data: series.points(key).map(([ts, v]): [number, number] => [ts, Math.round(v * 100) / 100]),
        showSymbol: false,
        lineStyle: { width: 2, color: palette[i % palette.length] ?? '#1565c0' },
        itemStyle: { color: palette[i % palette.length] ?? '#1565c0' }
      }))
    })
  })
}

/** A legend only when several sensors share a chart; with one, the axis names say it all. */
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
  const note = h('p', { class: 'chart-note muted', hidden: true }, t('chart.noData'))
  const el = h('section', { class: 'panel chart-panel' }, h('h3', {}, spec.title), note, body)
  const chart = createChart(body)
  let series = new BucketSeries(spec.fn, hourMs)
  let fromMs = 0
  let liveCount = 0

  const keyOf = (p: { deviceId: string; sensorId: string }): string => `${p.deviceId}/${p.sensorId}`
  const label = (key: string): string => (series.keys().length > 1 ? key : '')
  const draw = (): void => {
    note.hidden = series.keys().length > 0
    chart.chart.setOption(spec.option(series, label, fromMs), { notMerge: true })
    body.dataset.points = String(series.keys().reduce((n, k) => n + series.points(k).length, 0))
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
      const fresh = new BucketSeries(spec.fn, hourMs)
      series = fresh
      const responses = await Promise.all(
        spec.types.map((type) => api.readings(siteId, { from, to: now, every: '1h', type, fn: spec.fn }))
      )
      if (series !== fresh) return
      for (const res of responses) addWindows(res.points)
      draw()
    },
    addReading(r) {
      if (!spec.types.includes(r.type) || r.ts < fromMs) return
      const v = spec.value(r.type, r.fields)
      if (v === undefined) return
      series.addSample(keyOf(r), r.ts, v)
      body.dataset.live = String(++liveCount)
      draw()
    },
    dispose: () => chart.dispose()
  }
}
