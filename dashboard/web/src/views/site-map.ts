import type { ScatterSeriesOption } from 'echarts/charts'
import { GeoComponent, type GeoComponentOption, type GridComponentOption, type TooltipComponentOption } from 'echarts/components'
import { registerMap, use, type ComposeOption } from 'echarts/core'
import { createChart } from '../charts.js'
import { h } from '../dom.js'
import { escapeHtml } from '../html.js'
import { hazardName, levelName, t } from '../i18n.js'
import { LEVEL_COLORS, levelRank } from '../levels.js'
import { boundsOf, mapView, type Boundary } from '../map-view.js'
import { go, href } from '../router.js'
import type { SiteLevel, SiteSummary } from '../types.js'

// The boundary map needs the geo component; charts.ts registers what every other chart needs.
use([GeoComponent])

type MapOption = ComposeOption<ScatterSeriesOption | GeoComponentOption | GridComponentOption | TooltipComponentOption>

interface SitePoint {
  value: [number, number]
  name: string
  siteId: string
  itemStyle: { color: string; borderColor: string; borderWidth: number }
  symbolSize: number
}

/** Region polygons to shade, each with the highest active level below it; `link` drills down. */
export interface ShadedRegions {
  boundaries: readonly Boundary[]
  levelOf(code: string): SiteLevel
  /** Whether the region has sites (is in the tree), so a click on it can drill down. */
  canOpen(code: string): boolean
}

export interface SiteMap {
  readonly el: HTMLElement
  update(sites: readonly SiteSummary[]): void
  /** Shade regions on a boundary map; null goes back to the plain lon/lat plot. */
  setRegions(regions: ShadedRegions | null): void
  dispose(): void
}

const MAP_NAME = 'geowarn-regions'

/**
 * Sites at their lon/lat, coloured by current level: on the deployment's boundary map with the
 * regions shaded by their highest active level when one is configured, else on plain axes. Higher
 * levels draw larger and on top; a click opens the site (or the region).
 */
export function siteMap(): SiteMap {
  const el = h('div', { class: 'chart chart-map', 'data-testid': 'site-map', 'data-map': 'plain', role: 'img', 'aria-label': t('overview.map') })
  let current: readonly SiteSummary[] = []
  let byId = new Map<string, SiteSummary>()
  let regions: ShadedRegions | null = null
  const chart = createChart(el, () => draw())
  chart.chart.on('click', (params) => {
    if (params.componentType === 'geo') {
      if (regions?.canOpen(params.name) === true) go(href.region(params.name))
      return
    }
    const data = params.data as SitePoint | undefined
    if (data !== undefined) go(href.site(data.siteId))
  })

  const points = (): SitePoint[] =>
    [...current]
      .sort((a, b) => levelRank(a.level) - levelRank(b.level))
      .map((s) => ({
        value: [s.location.lon, s.location.lat],
        name: s.name,
        siteId: s.id,
        itemStyle: { color: LEVEL_COLORS[s.level], borderColor: '#263238', borderWidth: s.level === 'none' ? 0 : 1, opacity: 1 },
        symbolSize: 8 + levelRank(s.level) * 4
      }))

  const tooltip: TooltipComponentOption = {
    trigger: 'item',
    formatter: (p) => {
      const one = Array.isArray(p) ? p[0] : p
      if (one?.componentType === 'geo') {
        const region = regions?.boundaries.find((b) => b.properties.code === one.name)
        return region === undefined ? '' : `${escapeHtml(region.properties.name)}<br>${escapeHtml(levelName(regions?.levelOf(region.properties.code) ?? 'none'))}`
      }
      const point = one?.data as SitePoint | undefined
      const s = point === undefined ? undefined : byId.get(point.siteId)
      if (s === undefined) return ''
      return [escapeHtml(s.name), `${escapeHtml(levelName(s.level))} · ${escapeHtml(hazardName(s.hazardType))}`, escapeHtml(s.countyName)].join('<br>')
    }
  }

  const drawPlain = (): void => {
    const view = mapView(current, el.clientWidth - GRID.left - GRID.right, el.clientHeight - GRID.top - GRID.bottom)
    const axisLabel = { formatter: (v: number) => `${Number(v.toFixed(2))}°`, showMinLabel: false, showMaxLabel: false, hideOverlap: true }
    const option: MapOption = {
      animation: false,
      grid: GRID,
      tooltip,
      xAxis: { type: 'value', name: t('map.lon'), nameLocation: 'middle', nameGap: 24, axisLabel, ...(view === null ? {} : { min: view.lon[0], max: view.lon[1] }) },
      yAxis: { type: 'value', name: t('map.lat'), nameLocation: 'middle', nameGap: 40, axisLabel, ...(view === null ? {} : { min: view.lat[0], max: view.lat[1] }) },
      series: [{ type: 'scatter', data: points(), cursor: 'pointer', emphasis: { scale: 1.4 } }]
    }
    chart.chart.setOption(option, { notMerge: true })
  }

  const drawGeo = (r: ShadedRegions): void => {
    // Sites outside every polygon (a partial map) still get drawn: the view spans both.
    const box = boundsOf(r.boundaries)
    if (box !== null) {
      for (const s of current) {
        box[0] = Math.min(box[0], s.location.lon)
        box[1] = Math.min(box[1], s.location.lat)
        box[2] = Math.max(box[2], s.location.lon)
        box[3] = Math.max(box[3], s.location.lat)
      }
    }
    // A degree of longitude is cos(latitude) of a degree of latitude on the ground.
    const aspectScale = box === null ? 0.75 : Math.cos((((box[1] + box[3]) / 2) * Math.PI) / 180)
    const option: MapOption = {
      animation: false,
      tooltip,
      geo: {
        map: MAP_NAME,
        nameProperty: 'code',
        aspectScale,
        ...(box === null ? {} : { boundingCoords: padded(box) }),
        roam: true,
        layoutCenter: ['50%', '50%'],
        layoutSize: '95%',
        label: { show: false },
        itemStyle: { areaColor: SHADE.none, borderColor: '#78909c', borderWidth: 1 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#cfd8dc' } },
        select: { disabled: true },
        regions: r.boundaries.map((b) => {
          const level = r.levelOf(b.properties.code)
          return { name: b.properties.code, itemStyle: { areaColor: SHADE[level] }, emphasis: { itemStyle: { areaColor: LEVEL_COLORS[level] } } }
        })
      },
      series: [{ type: 'scatter', coordinateSystem: 'geo', geoIndex: 0, data: points(), cursor: 'pointer', emphasis: { scale: 1.4 } }]
    }
    chart.chart.setOption(option, { notMerge: true })
  }

  const draw = (): void => {
    if (regions === null) drawPlain()
    else drawGeo(regions)
  }

  return {
    el,
    update(sites) {
      current = sites
      byId = new Map(sites.map((s) => [s.id, s]))
      draw()
    },
    setRegions(next) {
      const usable = next !== null && next.boundaries.length > 0 ? next : null
      // Plain map before and after: nothing to redraw. The overview calls this on every regions
      // refresh, and a redraw of 10,000 points starts over from a blank plot (bench/dashboard.ts).
      if (usable === null && regions === null) return
      if (usable !== null && usable.boundaries !== regions?.boundaries) {
        // Regions are matched by code (geo.nameProperty), so two places with one name stay apart.
        registerMap(MAP_NAME, { type: 'FeatureCollection', features: usable.boundaries.map((b) => ({ type: 'Feature', properties: b.properties, geometry: b.geometry })) } as Parameters<typeof registerMap>[1])
      }
      regions = usable
      el.dataset.map = usable === null ? 'plain' : 'regions'
      el.dataset.shaded = usable === null ? '' : usable.boundaries.map((b) => `${b.properties.code}:${usable.levelOf(b.properties.code)}`).join(',')
      draw()
    },
    dispose: () => chart.dispose()
  }
}

const GRID = { left: 56, right: 16, top: 16, bottom: 40 }

/** ECharts' [[west, north], [east, south]] with a 4 % margin, so edge dots are not cut in half. */
function padded([w, s, e, n]: [number, number, number, number]): [[number, number], [number, number]] {
  const dx = Math.max((e - w) * 0.04, 0.005)
  const dy = Math.max((n - s) * 0.04, 0.005)
  return [[w - dx, n + dy], [e + dx, s - dy]]
}

/** Region fills: the level colours, light, so the site dots on top stay readable. */
const SHADE: Readonly<Record<SiteLevel, string>> = {
  none: '#f1f3f4',
  blue: 'rgba(30, 136, 229, 0.35)',
  yellow: 'rgba(253, 216, 53, 0.45)',
  orange: 'rgba(251, 140, 0, 0.45)',
  red: 'rgba(229, 57, 53, 0.45)'
}
