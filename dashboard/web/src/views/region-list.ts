import { h } from '../dom.js'
import { hazardName, levelName, t } from '../i18n.js'
import { ALERT_LEVELS_DESC, levelRank } from '../levels.js'
import { href } from '../router.js'
import type { RegionNode, SiteSummary } from '../types.js'

// Enough to scan in a duty room; the map shows all of them.
const maxSitesListed = 80

const byDanger = <T extends { name: string }>(rank: (x: T) => number) => (a: T, b: T) =>
  rank(b) - rank(a) || a.name.localeCompare(b.name, 'zh-CN')

/** The sub-regions of the current region, most endangered first. */
export function regionList(node: RegionNode): HTMLElement {
  const children = [...node.children].sort(byDanger<RegionNode>((r) => levelRank(r.activeLevel)))
  const list = h('ul', { class: 'region-list', 'data-testid': 'region-list' })
  for (const child of children) {
    const counts = ALERT_LEVELS_DESC.filter((l) => child.alertCounts[l] > 0).map((l) =>
      h('span', { class: `mini-count level-${l}`, title: levelName(l) }, child.alertCounts[l])
    )
    list.append(
      h(
        'li',
        { 'data-testid': 'region-item', 'data-code': child.code, 'data-level': child.activeLevel },
        h(
          'a',
          { href: href.region(child.code) },
          h('span', { class: `dot level-${child.activeLevel}`, title: levelName(child.activeLevel) }),
          h('span', { class: 'grow' }, child.name),
          ...counts,
          h('span', { class: 'muted small' }, t('overview.siteCount', { n: child.siteCount }))
        )
      )
    )
  }
  if (children.length === 0) list.append(h('li', { class: 'muted' }, t('overview.noRegions')))
  return list
}

/** The sites of the current region, most endangered first. */
export function siteList(sites: readonly SiteSummary[]): HTMLElement {
  const sorted = [...sites].sort(byDanger<SiteSummary>((s) => levelRank(s.level)))
  const list = h('ul', { class: 'site-list', 'data-testid': 'site-list' })
  for (const s of sorted.slice(0, maxSitesListed)) {
    list.append(
      h(
        'li',
        { 'data-testid': 'site-item', 'data-site-id': s.id, 'data-level': s.level },
        h(
          'a',
          { href: href.site(s.id) },
          h('span', { class: `dot level-${s.level}`, title: levelName(s.level) }),
          h('span', { class: 'grow' }, s.name),
          h('span', { class: 'muted small' }, `${hazardName(s.hazardType)} · ${s.countyName}`)
        )
      )
    )
  }
  if (sorted.length > maxSitesListed) list.append(h('li', { class: 'muted' }, t('overview.more', { n: sorted.length - maxSitesListed })))
  if (sorted.length === 0) list.append(h('li', { class: 'muted' }, t('overview.noSites')))
  return list
}
