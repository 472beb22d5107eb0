import { api, describeError } from '../api.js'
import { h, setChildren } from '../dom.js'
import { t } from '../i18n.js'
import { pathTo } from '../regions.js'
import type { Store } from '../store.js'
import { pickBoundaries, type Boundary } from '../map-view.js'
import type { RegionNode, SiteSummary } from '../types.js'
import { breadcrumb } from './breadcrumb.js'
import { levelCounts, offlineDevices } from './level-counts.js'
import { regionList, siteList } from './region-list.js'
import { siteMap } from './site-map.js'

// Presence changes come in bursts (a power cut takes a valley's stations at once): refetch once per burst.
const offlineRefreshMs = 2000

/**
 * Where the danger is: warning counts and devices offline, the region drill-down, and the sites on
 * the map (regions shaded by level when the deployment configured boundaries).
 */
export function renderOverview(store: Store, container: HTMLElement, regionCode: string | null): () => void {
  const head = h('div', { class: 'overview-head panel' }, h('p', { class: 'muted' }, t('loading')))
  const regionsBox = h('div', { class: 'regions-box' })
  const sitesBox = h('div', { class: 'sites-box' }, h('p', { class: 'muted' }, t('loading')))
  const map = siteMap()
  const offlineBox = h('div', { class: 'offline-box' })
  const mapTitle = h('h2', {}, t('overview.map'))
  const page = h(
    'section',
    { class: 'overview', 'data-testid': 'overview' },
    head,
    h(
      'div',
      { class: 'overview-body' },
      h('section', { class: 'panel region-panel' }, h('h2', {}, t('overview.regions')), regionsBox, h('h2', {}, t('overview.sites')), sitesBox),
      h('section', { class: 'panel map-panel' }, mapTitle, map.el)
    )
  )
  container.append(page)

  let sites: SiteSummary[] = []
  let boundaries: readonly Boundary[] | null = null
  let picked: { from: readonly Boundary[] | null; code: string; shown: Boundary[] } | undefined
  let disposed = false
  const code = (): string => regionCode ?? store.regions?.code ?? store.session?.region ?? '000000'

  const showRegions = (root: RegionNode | null): void => {
    if (root === null) return
    const path = pathTo(root, code())
    const node = path?.[path.length - 1]
    if (path === null || node === undefined) {
      // Not in the tree: no sites there, or outside the jurisdiction. Offer the way back up.
      // The root as a link (not as "you are here"), then the code asked for.
      setChildren(head, breadcrumb([root], code()), h('p', { class: 'muted' }, t('overview.noSites')))
      setChildren(regionsBox)
      return
    }
    setChildren(head, breadcrumb(path), levelCounts(node.alertCounts), offlineBox)
    setChildren(regionsBox, regionList(node))
    showBoundaries()
  }

  const showBoundaries = (): void => {
    const root = store.regions
    // Same region and file: reuse the pick, so the map is not re-registered on every level change.
    if (picked?.from !== boundaries || picked.code !== code()) picked = { from: boundaries, code: code(), shown: boundaries === null ? [] : pickBoundaries(boundaries, code()) }
    const shown = root === null ? [] : picked.shown
    const nodeOf = (c: string): RegionNode | undefined => (root === null ? undefined : pathTo(root, c)?.at(-1))
    map.setRegions(shown.length === 0 ? null : { boundaries: shown, levelOf: (c) => nodeOf(c)?.activeLevel ?? 'none', canOpen: (c) => nodeOf(c) !== undefined })
    mapTitle.textContent = shown.length === 0 ? t('overview.map') : t('overview.mapRegions')
  }

  const loadBoundaries = async (): Promise<void> => {
    try {
      const { map: fc } = await api.regionMap()
      if (disposed || fc === null) return
      boundaries = fc.features
      showBoundaries()
    } catch (err) {
      // The plain coordinate map still shows every site: note it and carry on.
      console.warn('region boundaries unavailable', err)
    }
  }

  const loadOffline = async (): Promise<void> => {
    try {
      const res = await api.offlineDevices(code())
      if (!disposed) setChildren(offlineBox, offlineDevices(res))
    } catch (err) {
      if (!disposed) setChildren(offlineBox, h('span', { class: 'error' }, t('error.generic', { reason: describeError(err) })))
    }
  }

  const showSites = (): void => {
    setChildren(sitesBox, siteList(sites))
    map.update(sites)
  }

  const loadSites = async (): Promise<void> => {
    try {
      const res = await api.sites(code())
      if (disposed) return
      // Every 'regions' refresh (the first one right after the page's own first load, then one
      // per burst of live changes) reloads the sites; redrawing 10,000 points and the list when
      // nothing shown has changed cost the overview half a second (bench/dashboard.ts).
      const unchanged = sitesBox.firstElementChild?.matches('[data-testid="site-list"]') === true && sameAsShown(sites, res.sites)
      sites = res.sites
      store.rememberSites(sites)
      if (!unchanged) showSites()
    } catch (err) {
      if (!disposed) setChildren(sitesBox, h('p', { class: 'error' }, t('error.generic', { reason: describeError(err) })))
    }
  }

  showRegions(store.regions)
  void loadSites()
  void loadOffline()
  void loadBoundaries()
  let offlineTimer: number | undefined
  const offs = [
    store.on('regions', (root) => {
      showRegions(root)
      // Counts changed, so levels did: the site list and plot follow the same refresh.
      void loadSites()
    }),
    store.on('site-level', (state) => {
      const i = sites.findIndex((s) => s.id === state.siteId)
      const old = sites[i]
      if (old === undefined || old.level === state.level) return
      sites[i] = { ...old, level: state.level, alertId: state.alertId }
      showSites()
    }),
    store.on('presence', () => {
      if (offlineTimer !== undefined) return
      offlineTimer = window.setTimeout(() => {
        offlineTimer = undefined
        void loadOffline()
      }, offlineRefreshMs)
    })
  ]
  return () => {
    disposed = true
    window.clearTimeout(offlineTimer)
    for (const off of offs) off()
    map.dispose()
    page.remove()
  }
}

/** Whether the list and the map would show the same: same sites in the same order, with what they draw of each. */
function sameAsShown(a: readonly SiteSummary[], b: readonly SiteSummary[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as SiteSummary
    const y = b[i] as SiteSummary
    if (
      x.id !== y.id ||
      x.level !== y.level ||
      x.name !== y.name ||
      x.hazardType !== y.hazardType ||
      x.countyName !== y.countyName ||
      x.location.lon !== y.location.lon ||
      x.location.lat !== y.location.lat
    ) {
      return false
    }
  }
  return true
}
