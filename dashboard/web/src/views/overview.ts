import { api, describeError } from '../api.js'
import { h, setChildren } from '../dom.js'
import { t } from '../i18n.js'
import { pathTo } from '../regions.js'
import type { Store } from '../store.js'
import type { RegionNode, SiteSummary } from '../types.js'
import { breadcrumb } from './breadcrumb.js'
import { levelCounts } from './level-counts.js'
import { regionList, siteList } from './region-list.js'
import { siteMap } from './site-map.js'

/** Where the danger is: counts, the region drill-down, and the sites on a lon/lat plot. */
export function renderOverview(store: Store, container: HTMLElement, regionCode: string | null): () => void {
  const head = h('div', { class: 'overview-head panel' }, h('p', { class: 'muted' }, t('loading')))
  const regionsBox = h('div', { class: 'regions-box' })
  const sitesBox = h('div', { class: 'sites-box' }, h('p', { class: 'muted' }, t('loading')))
  const map = siteMap()
  const page = h(
    'section',
    { class: 'overview', 'data-testid': 'overview' },
    head,
    h(
      'div',
      { class: 'overview-body' },
      h('section', { class: 'panel region-panel' }, h('h2', {}, t('overview.regions')), regionsBox, h('h2', {}, t('overview.sites')), sitesBox),
      h('section', { class: 'panel map-panel' }, h('h2', {}, t('overview.map')), map.el)
    )
  )
  container.append(page)

  let sites: SiteSummary[] = []
  let disposed = false
  const code = (): string => regionCode ?? store.regions?.code ?? store.session?.region ?? '000000'

  const showRegions = (root: RegionNode | null): void => {
    if (root === null) return
    const path = pathTo(root, code())
    const node = path?.[path.length - 1]
    if (path === null || node === undefined) {
      // Not in the tree: no sites there, or outside the jurisdiction. Offer the way back up.
      setChildren(head, breadcrumb([root]), h('p', { class: 'muted' }, t('overview.noSites')))
      setChildren(regionsBox)
      return
    }
    setChildren(head, breadcrumb(path), levelCounts(node.alertCounts))
    setChildren(regionsBox, regionList(node))
  }

  const showSites = (): void => {
    setChildren(sitesBox, siteList(sites))
    map.update(sites)
  }

  const loadSites = async (): Promise<void> => {
    try {
      const res = await api.sites(code())
      if (disposed) return
      sites = res.sites
      store.rememberSites(sites)
      showSites()
    } catch (err) {
      if (!disposed) setChildren(sitesBox, h('p', { class: 'error' }, t('error.generic', { reason: describeError(err) })))
    }
  }

  showRegions(store.regions)
  void loadSites()
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
    })
  ]
  return () => {
    disposed = true
    for (const off of offs) off()
    map.dispose()
    page.remove()
  }
}
