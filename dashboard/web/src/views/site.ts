import { api, ApiError, describeError } from '../api.js'
import { h, setChildren } from '../dom.js'
import { hazardName, levelName, t } from '../i18n.js'
import { href } from '../router.js'
import type { Store } from '../store.js'
import type { Alert, SiteDetail, SiteLevel } from '../types.js'
import { breadcrumb } from './breadcrumb.js'
import { deviceList } from './device-list.js'
import { evidenceTable, levelTimeline } from './level-timeline.js'
import { latestForecast, type ForecastEvidence } from '../forecast-evidence.js'
import { displacementChart, forecastChart, LEVEL_TYPES, levelChart, rainChart, type MeasureChart } from './site-charts.js'

const hourMs = 3_600_000
// The rain windows duty officers read against the county tables (domain.md §3: up to 72 h).
const RANGES_H = [24, 72] as const

export interface LiveSite {
  /** Resolves true once the server sends this site's live readings. */
  watch(siteId: string): Promise<boolean>
  unwatch(siteId: string): void
}

/** One hazard site: who and what is threatened, its devices, its measurements and its warnings. */
export function renderSite(store: Store, live: LiveSite, container: HTMLElement, siteId: string): () => void {
  const page = h('section', { class: 'site-page', 'data-testid': 'site-page', 'data-site-id': siteId }, h('p', { class: 'muted' }, t('loading')))
  container.append(page)

  let disposed = false
  let rangeH: number = RANGES_H[0]
  let detail: SiteDetail | null = null
  let rules: unknown = {}
  let forecast: { chart: MeasureChart; evidence: ForecastEvidence } | null = null
  const forecastBox = h('div', { class: 'forecast-box' })
  let alerts: Alert[] = []
  const charts: MeasureChart[] = []
  const timeline = levelTimeline()
  const evidenceBox = h('div', { class: 'evidence-box' })
  const levelBadge = h('span', { class: 'level-badge level-none big', 'data-testid': 'site-level' })
  let devices: ReturnType<typeof deviceList> | null = null

  const showLevel = (level: SiteLevel): void => {
    levelBadge.className = `level-badge level-${level} big`
    levelBadge.dataset.level = level
    levelBadge.textContent = levelName(level)
    page.dataset.level = level
  }

  const currentAlert = (): Alert | undefined => {
    const id = store.siteLevels.get(siteId)?.alertId ?? detail?.site.alertId ?? null
    return alerts.find((a) => a.id === id) ?? [...alerts].sort((a, b) => b.updatedAt - a.updatedAt)[0]
  }

  const showAlerts = (): void => {
    const now = Date.now()
    timeline.update(alerts, now - rangeH * hourMs, now)
    setChildren(evidenceBox, evidenceTable(currentAlert()))
    showForecast()
  }

  // The forecast panel follows the newest forecast in the evidence; a new one replaces the chart.
  const showForecast = (): void => {
    const next = latestForecast(alerts)
    if (next?.at === forecast?.evidence.at && next?.tfMs === forecast?.evidence.tfMs) return
    forecast?.chart.dispose()
    forecast = next === undefined || detail === null ? null : { chart: forecastChart(siteId, rules, next), evidence: next }
    setChildren(forecastBox, forecast?.chart.el ?? null)
    if (forecast !== null) {
      const now = Date.now()
      forecast.chart.load(now - rangeH * hourMs, now).catch((err: unknown) => console.warn('forecast chart load failed', err))
    }
  }

  const loadCharts = async (): Promise<void> => {
    const now = Date.now()
    const from = Math.floor((now - rangeH * hourMs) / hourMs) * hourMs
    await Promise.all(charts.map((c) => c.load(from, now)))
    showAlerts()
  }

  const rangeSwitch = h('div', { class: 'range-switch', role: 'group', 'aria-label': t('site.range'), 'data-testid': 'range-switch' })
  for (const hours of RANGES_H) {
    const b = h('button', { type: 'button', class: 'btn', 'data-range': hours, 'aria-pressed': String(hours === rangeH) }, t('site.hours', { n: hours }))
    b.addEventListener('click', () => {
      rangeH = hours
      for (const other of rangeSwitch.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === b))
      loadCharts().catch((err: unknown) => console.warn('chart load failed', err))
    })
    rangeSwitch.append(b)
  }

  const build = (d: SiteDetail): void => {
    const s = d.site
    const sensorTypes = new Set(d.devices.flatMap((dev) => dev.sensors.map((x) => x.type)))
    for (const c of charts.splice(0)) c.dispose()
    if (sensorTypes.has('rain')) charts.push(rainChart(siteId, rules))
    // The half-width charts first, so they pair up; the full-width displacement grids after them.
    for (const type of LEVEL_TYPES) if (sensorTypes.has(type)) charts.push(levelChart(siteId, type, rules))
    if (sensorTypes.has('gnss') || sensorTypes.has('crack') || sensorTypes.has('deep_disp')) charts.push(displacementChart(siteId, rules))
    devices = deviceList(d.devices, d.statuses)
    const fact = (label: string, value: string | number, testId?: string): HTMLElement =>
      h('div', { class: 'fact' }, h('dt', {}, label), h('dd', testId === undefined ? {} : { 'data-testid': testId }, value))
    setChildren(
      page,
      h(
        'header',
        { class: 'panel site-head' },
        breadcrumb(withinJurisdiction(s.regionPath, store.session?.region), s.name),
        h('div', { class: 'site-title' }, h('h1', { 'data-testid': 'site-name' }, s.name), levelBadge),
        h(
          'dl',
          { class: 'facts' },
          fact(t('site.hazard'), hazardName(s.hazardType)),
          fact(t('site.county'), s.countyName),
          fact(t('site.people'), s.threatenedPeople, 'site-people'),
          s.shelter === undefined ? null : fact(t('site.shelter'), s.shelter)
        ),
        rangeSwitch
      ),
      h('div', { class: 'site-grid' }, ...charts.map((c) => c.el), forecastBox, timeline.el, evidenceBox, devices.el)
    )
    showLevel(store.siteLevels.get(siteId)?.level ?? s.level)
  }

  const load = async (): Promise<void> => {
    try {
      const [d, a, r] = await Promise.all([
        api.site(siteId),
        api.alerts({ siteId }),
        // Without the rule table the charts still draw, only without threshold lines.
        api.siteRules(siteId).catch((err: unknown) => {
          console.warn('site rules unavailable', err)
          return null
        })
      ])
      if (disposed) return
      detail = d
      alerts = a.alerts
      rules = r?.effective ?? {}
      forecast?.chart.dispose()
      forecast = null
      store.rememberSites([d.site])
      build(d)
      await loadCharts()
    } catch (err) {
      if (disposed) return
      const notFound = err instanceof ApiError && err.status === 404
      setChildren(
        page,
        h('p', { class: 'error panel', role: 'alert' }, notFound ? t('error.notFound') : t('error.generic', { reason: describeError(err) })),
        // A typed or stale link must not leave the officer stranded.
        h('p', {}, h('a', { href: href.overview(), 'data-testid': 'back-to-overview' }, t('site.backToOverview')))
      )
    }
  }

  const watch = (): void => {
    void live.watch(siteId).then((on) => {
      if (!disposed) page.dataset.live = on ? 'on' : 'off'
    })
  }
  void load()
  watch()
  const offs = [
    store.on('reading', (r) => {
      if (r.siteId !== siteId) return
      for (const c of charts) c.addReading(r)
      forecast?.chart.addReading(r)
      devices?.seen(r.deviceId, r.ts)
    }),
    store.on('presence', (p) => {
      if (p.siteId === siteId) devices?.presence(p)
    }),
    store.on('site-level', (st) => {
      if (st.siteId === siteId) showLevel(st.level)
    }),
    store.on('alerts', (changed) => {
      if (changed === null || changed.alert.siteId !== siteId) return
      alerts = [...alerts.filter((a) => a.id !== changed.alert.id), changed.alert]
      if (changed.alert.state !== 'resolved') showLevel(changed.alert.level)
      showAlerts()
    }),
    store.on('connection', (state) => {
      page.dataset.live = 'off'
      // Back from a disconnect: what we show may have changed meanwhile, so fetch it all again.
      if (state !== 'live') return
      watch()
      if (detail !== null) void load()
    })
  ]
  return () => {
    disposed = true
    for (const off of offs) off()
    live.unwatch(siteId)
    for (const c of charts) c.dispose()
    forecast?.chart.dispose()
    timeline.dispose()
    page.remove()
  }
}

/** The region path from the officer's own jurisdiction down: the levels above are not theirs to open. */
function withinJurisdiction<T extends { code: string }>(path: readonly T[], scope: string | undefined): readonly T[] {
  const i = path.findIndex((r) => r.code === scope)
  return i < 0 ? path : path.slice(i)
}
