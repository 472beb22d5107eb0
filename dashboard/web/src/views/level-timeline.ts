import { createChart, type ChartOption } from '../charts.js'
import { h, setChildren } from '../dom.js'
import { escapeHtml } from '../html.js'
import { evidenceRows } from '../evidence-rows.js'
import { formatTime, lang, levelName, t } from '../i18n.js'
import { LEVEL_COLORS, LEVELS, levelRank } from '../levels.js'
import { levelSteps } from '../series.js'
import type { Alert } from '../types.js'

export interface LevelTimeline {
  readonly el: HTMLElement
  update(alerts: readonly Alert[], fromMs: number, nowMs: number): void
  dispose(): void
}

/** The site's level over the charted period as steps, each change marked in its level's colour. */
export function levelTimeline(): LevelTimeline {
  const body = h('div', { class: 'chart chart-short', 'data-testid': 'chart-timeline' })
  const el = h('section', { class: 'panel chart-panel' }, h('h3', {}, t('chart.timeline')), body)
  const chart = createChart(body)
  return {
    el,
    update(alerts, fromMs, nowMs) {
      const steps = levelSteps(alerts, fromMs, nowMs)
      body.dataset.level = steps[steps.length - 1]?.[1] ?? 'none'
      const option: ChartOption = {
        animation: false,
        grid: { left: 110, right: 24, top: 12, bottom: 28 },
        tooltip: {
          trigger: 'item',
          formatter: (p) => {
            const v = (Array.isArray(p) ? p[0] : p)?.value
            if (!Array.isArray(v)) return ''
            const [ts, rank] = v as [number, number]
            return `${escapeHtml(formatTime(ts))}<br>${escapeHtml(levelName(LEVELS[rank] ?? 'none'))}`
          }
        },
        xAxis: { type: 'time', min: fromMs, max: Math.max(nowMs, steps[steps.length - 1]?.[0] ?? nowMs), axisLabel: { hideOverlap: true, formatter: (v: number) => formatTime(v) } },
        yAxis: {
          type: 'value',
          min: 0,
          max: LEVELS.length - 1,
          interval: 1,
          axisLabel: { formatter: (v: number) => levelName(LEVELS[v] ?? 'none'), fontSize: 11 }
        },
        series: [
          {
            type: 'line',
            step: 'end',
            data: steps.map(([ts, level]) => ({
              value: [ts, levelRank(level)],
              itemStyle: { color: LEVEL_COLORS[level] },
              symbolSize: level === 'none' ? 4 : 9
            })),
            lineStyle: { color: '#607d8b', width: 2 },
            showAllSymbol: true
          }
        ]
      }
      chart.chart.setOption(option, { notMerge: true })
    },
    dispose: () => chart.dispose()
  }
}

const NUMERIC_HEADS: ReadonlySet<string> = new Set(['ev.value', 'ev.threshold'])

/**
 * Why the site stands where it does: the evidence of its current (or latest) alert, newest first,
 * each indicator under its name (evidence-rows.ts), the rule id kept in the title for look-ups.
 */
export function evidenceTable(alert: Alert | undefined): HTMLElement {
  const box = h('section', { class: 'panel evidence', 'data-testid': 'evidence' }, h('h3', {}, t('chart.evidence')))
  if (alert === undefined) {
    box.append(h('p', { class: 'muted' }, t('chart.noEvidence')))
    return box
  }
  const rows = evidenceRows(alert.history, { lang: lang() }).map((r) =>
    h(
      'tr',
      { 'data-testid': 'evidence-row', 'data-indicator': r.indicator, 'data-level': r.level },
      h('td', {}, formatTime(r.at)),
      h('td', {}, h('span', { class: `level-badge level-${r.level}` }, levelName(r.level))),
      h('td', { class: 'ev-name', title: r.indicator }, r.name),
      h('td', { class: r.isForecast ? 'num ev-forecast' : 'num', 'data-testid': 'evidence-value' }, r.value),
      h('td', { class: 'num' }, r.threshold),
      h('td', { class: 'muted' }, r.device)
    )
  )
  const table = h(
    'table',
    { class: 'table' },
    h('thead', {}, h('tr', {}, ...(['ev.at', 'ev.level', 'ev.indicator', 'ev.value', 'ev.threshold', 'ev.device'] as const).map((k) => h('th', NUMERIC_HEADS.has(k) ? { class: 'num' } : {}, t(k))))),
    h('tbody')
  )
  setChildren(table.tBodies[0] ?? table, ...rows)
  box.append(h('div', { class: 'table-wrap' }, table))
  return box
}
