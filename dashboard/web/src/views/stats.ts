import { api, describeError } from '../api.js'
import { createChart, type Chart, type ChartOption } from '../charts.js'
import { h, setChildren } from '../dom.js'
import { levelName, t } from '../i18n.js'
import { ALERT_LEVELS_DESC, LEVEL_COLORS } from '../levels.js'
import type { Store } from '../store.js'
import type { AlertLevel, StatsResponse } from '../types.js'

const DAY_MS = 86_400_000
/** The periods offered; 30 days is the API's default and ours. */
const PERIOD_DAYS = [7, 30, 90] as const
type AckSummary = StatsResponse['ack']

/**
 * 统计: warnings by level, region and day, time to acknowledge, device online rate by county, for
 * the officer's jurisdiction (the server scopes it). Charts for the eye, tables for the numbers.
 */
export function renderStats(store: Store, container: HTMLElement): () => void {
  let days: number = 30
  const periodSelect = h('select', { 'data-testid': 'stats-period', 'aria-label': t('stats.range') }, ...PERIOD_DAYS.map((n) => h('option', { value: n, selected: n === days }, t('stats.lastDays', { n }))))
  const summary = h('p', { class: 'muted', 'data-testid': 'stats-total' }, t('loading'))
  const dayChartEl = h('div', { class: 'chart', 'data-testid': 'stats-by-day' })
  const regionChartEl = h('div', { class: 'chart', 'data-testid': 'stats-by-region' })
  const levelBox = h('div', { class: 'table-wrap' })
  const regionBox = h('div', { class: 'table-wrap' })
  const ackBox = h('div', { class: 'table-wrap' })
  const deviceBox = h('div', { class: 'table-wrap' })
  const page = h(
    'section',
    { class: 'stats', 'data-testid': 'stats' },
    h('div', { class: 'panel stats-head' }, h('h1', {}, t('stats.title')), h('label', {}, `${t('stats.range')} `, periodSelect), summary),
    h(
      'div',
      { class: 'stats-grid' },
      h('section', { class: 'panel chart-panel stats-wide' }, h('h2', {}, t('stats.byDay')), dayChartEl),
      h('section', { class: 'panel' }, h('h2', {}, t('stats.byLevel')), levelBox),
      h('section', { class: 'panel chart-panel' }, h('h2', {}, t('stats.byRegion')), regionChartEl, regionBox),
      h('section', { class: 'panel' }, h('h2', {}, t('stats.ack')), ackBox),
      h('section', { class: 'panel' }, h('h2', {}, t('stats.devices')), deviceBox)
    )
  )
  container.append(page)

  let data: StatsResponse | null = null
  const dayChart: Chart = createChart(dayChartEl)
  const regionChart: Chart = createChart(regionChartEl)
  let disposed = false
  let generation = 0

  const show = (s: StatsResponse): void => {
    summary.textContent = t('stats.total', { n: s.total })
    summary.dataset.total = String(s.total)
    dayChart.chart.setOption(stackedBars(s.byDay.map((d) => d.day.slice(5)), s.byDay.map((d) => d.counts), false), { notMerge: true })
    const regions = s.byRegion.slice(0, 20)
    regionChart.chart.setOption(stackedBars(regions.map((r) => r.name), regions.map((r) => r.counts), true), { notMerge: true })
    setChildren(levelBox, table([t('stats.level'), t('stats.count')], [...ALERT_LEVELS_DESC.map((l) => [levelCell(l), s.byLevel[l]]), [t('stats.all'), s.total]], 'stats-levels'))
    setChildren(
      regionBox,
      s.byRegion.length === 0
        ? h('p', { class: 'muted' }, t('stats.none'))
        : table([t('stats.region'), ...ALERT_LEVELS_DESC.map((l) => levelName(l)), t('stats.all')], s.byRegion.map((r) => [r.name, ...ALERT_LEVELS_DESC.map((l) => r.counts[l]), r.total]), 'stats-regions')
    )
    const ackRow = (label: string | HTMLElement, a: Omit<AckSummary, 'byLevel'>): Array<string | number | HTMLElement> => [label, a.count, a.unacknowledged, duration(a.medianMs), duration(a.p90Ms), duration(a.maxMs)]
    setChildren(
      ackBox,
      table(
        [t('stats.level'), t('stats.acked'), t('stats.unacked'), t('stats.median'), t('stats.p90'), t('stats.max')],
        [...ALERT_LEVELS_DESC.map((l) => ackRow(levelCell(l), s.ack.byLevel[l])), ackRow(t('stats.all'), s.ack)],
        'stats-ack'
      )
    )
    setChildren(
      deviceBox,
      s.devices.total === 0
        ? h('p', { class: 'muted' }, t('stats.noDevices'))
        : table(
            [t('stats.county'), t('stats.deviceTotal'), t('stats.online'), t('stats.offline'), t('stats.unknown'), t('stats.rate')],
            [
              ...s.devices.byCounty.map((c) => [c.name, c.total, c.online, c.offline, c.unknown, rateCell(c.rate)]),
              [t('stats.all'), s.devices.total, s.devices.online, s.devices.offline, s.devices.unknown, rateCell(s.devices.rate)]
            ],
            'stats-devices'
          )
    )
  }

  const load = async (): Promise<void> => {
    const mine = ++generation
    const to = Date.now()
    try {
      const s = await api.stats({ from: to - days * DAY_MS, to })
      if (disposed || mine !== generation) return
      data = s
      show(s)
    } catch (err) {
      if (!disposed) summary.textContent = t('error.generic', { reason: describeError(err) })
    }
  }
  periodSelect.addEventListener('change', () => {
    days = Number(periodSelect.value)
    void load()
  })
  void load()
  // New warnings change the numbers: refresh when the alert set changes, at most every few seconds.
  let pending: number | undefined
  const off = store.on('alerts', () => {
    if (pending !== undefined || data === null) return
    pending = window.setTimeout(() => {
      pending = undefined
      void load()
    }, 3000)
  })
  return () => {
    disposed = true
    off()
    window.clearTimeout(pending)
    dayChart.dispose()
    regionChart.dispose()
    page.remove()
  }
}

/** One stacked bar per category, red on top; horizontal for region names. */
function stackedBars(categories: string[], counts: ReadonlyArray<Readonly<Record<AlertLevel, number>>>, horizontal: boolean): ChartOption {
  const category = { type: 'category' as const, data: categories, ...(horizontal ? { inverse: true } : {}) }
  const value = { type: 'value' as const, minInterval: 1 }
  return {
    animation: false,
    grid: horizontal ? { left: 100, right: 16, top: 30, bottom: 24 } : { left: 40, right: 16, top: 30, bottom: 24 },
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? category : value,
    series: [...ALERT_LEVELS_DESC]
      .reverse()
      .map((l) => ({ type: 'bar' as const, name: levelName(l), stack: 'level', barMaxWidth: 32, itemStyle: { color: LEVEL_COLORS[l] }, data: counts.map((c) => c[l]) }))
  }
}

function levelCell(level: AlertLevel): HTMLElement {
  return h('span', {}, h('span', { class: `dot level-${level}` }), ' ', levelName(level))
}

function rateCell(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)}%`
}

function duration(ms: number | null): string {
  if (ms === null) return '—'
  if (ms < 60_000) return t('duration.s', { n: Math.round(ms / 1000) })
  if (ms < 3_600_000) return t('duration.min', { n: Math.round(ms / 60_000) })
  return t('duration.h', { n: Number((ms / 3_600_000).toFixed(1)) })
}

function table(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<HTMLElement | string | number>>, testId: string): HTMLElement {
  return h(
    'table',
    { class: 'table', 'data-testid': testId },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', typeof c === 'number' ? { class: 'num' } : {}, c)))))
  )
}
