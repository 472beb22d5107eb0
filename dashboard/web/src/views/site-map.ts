import { createChart, type ChartOption } from '../charts.js'
import { h } from '../dom.js'
import { escapeHtml } from '../html.js'
import { hazardName, levelName, t } from '../i18n.js'
import { LEVEL_COLORS, levelRank } from '../levels.js'
import { mapView } from '../map-view.js'
import { go, href } from '../router.js'
import type { SiteSummary } from '../types.js'

interface SitePoint {
  value: [number, number]
  name: string
  siteId: string
  itemStyle: { color: string; borderColor: string; borderWidth: number }
  symbolSize: number
}

export interface SiteMap {
  readonly el: HTMLElement
  update(sites: readonly SiteSummary[]): void
  dispose(): void
}

/**
 * Sites at their lon/lat on plain axes (no boundary map: none is bundled). Higher levels draw
 * larger and on top; a click opens the site.
 */
export function siteMap(): SiteMap {
  const el = h('div', { class: 'chart chart-map', 'data-testid': 'site-map', role: 'img', 'aria-label': t('overview.map') })
  let current: readonly SiteSummary[] = []
  let byId = new Map<string, SiteSummary>()
  const chart = createChart(el, () => draw())
  chart.chart.on('click', (params) => {
    const data = params.data as SitePoint | undefined
    if (data !== undefined) go(href.site(data.siteId))
  })

  const draw = (): void => {
    const sorted = [...current].sort((a, b) => levelRank(a.level) - levelRank(b.level))
    const data: SitePoint[] = sorted.map((s) => ({
      value: [s.location.lon, s.location.lat],
      name: s.name,
      siteId: s.id,
      itemStyle: { color: LEVEL_COLORS[s.level], borderColor: '#263238', borderWidth: s.level === 'none' ? 0 : 1, opacity: 1 },
      symbolSize: 8 + levelRank(s.level) * 4
    }))
    const view = mapView(current, el.clientWidth - GRID.left - GRID.right, el.clientHeight - GRID.top - GRID.bottom)
    const axisLabel = { formatter: (v: number) => `${Number(v.toFixed(2))}°`, showMinLabel: false, showMaxLabel: false, hideOverlap: true }
    const option: ChartOption = {
      animation: false,
      grid: GRID,
      tooltip: {
        trigger: 'item',
        formatter: (p) => {
          const point = (Array.isArray(p) ? p[0] : p)?.data as SitePoint | undefined
          const s = point === undefined ? undefined : byId.get(point.siteId)
          if (s === undefined) return ''
          return [escapeHtml(s.name), `${escapeHtml(levelName(s.level))} · ${escapeHtml(hazardName(s.hazardType))}`, escapeHtml(s.countyName)].join('<br>')
        }
      },
      xAxis: { type: 'value', name: t('map.lon'), nameLocation: 'middle', nameGap: 24, axisLabel, ...(view === null ? {} : { min: view.lon[0], max: view.lon[1] }) },
      yAxis: { type: 'value', name: t('map.lat'), nameLocation: 'middle', nameGap: 40, axisLabel, ...(view === null ? {} : { min: view.lat[0], max: view.lat[1] }) },
      series: [{ type: 'scatter', data, cursor: 'pointer', emphasis: { scale: 1.4 } }]
    }
    chart.chart.setOption(option, { notMerge: true })
  }

  return {
    el,
    update(sites) {
      current = sites
      byId = new Map(sites.map((s) => [s.id, s]))
      draw()
    },
    dispose: () => chart.dispose()
  }
}

const GRID = { left: 56, right: 16, top: 16, bottom: 40 }
