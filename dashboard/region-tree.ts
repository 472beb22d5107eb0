import {
  maxLevel,
  regionChain,
  regionLevel,
  type AlertLevel,
  type RegionLevel,
  type SiteLevel
} from '../domain/index.js'

export interface RegionNode {
  code: string
  name: string
  level: RegionLevel
  /** The highest level of any site below. */
  activeLevel: SiteLevel
  siteCount: number
  /** Active (open or acknowledged) alerts below, by level. */
  alertCounts: Record<AlertLevel, number>
  children: RegionNode[]
}

/**
 * The jurisdiction tree of `root`, built only from the branches that hold sites. Pure: the names
 * come from `nameOf` (store/divisions.ts in the app). Sites and alerts outside `root` are ignored.
 */
export function buildRegionTree(
  root: string,
  sites: ReadonlyArray<{ county: string; level: SiteLevel }>,
  activeAlerts: ReadonlyArray<{ county: string; level: AlertLevel }>,
  nameOf: (code: string) => string
): RegionNode {
  const nodes = new Map<string, RegionNode>()
  const node = (code: string): RegionNode => {
    let n = nodes.get(code)
    if (n === undefined) {
      n = { code, name: nameOf(code), level: regionLevel(code), activeLevel: 'none', siteCount: 0, alertCounts: { blue: 0, yellow: 0, orange: 0, red: 0 }, children: [] }
      nodes.set(code, n)
    }
    return n
  }
  const rootNode = node(root)
  const pathBelowRoot = (county: string): string[] | undefined => {
    // regionChain runs nearest first: county, city, province, nation.
    const chain = regionChain(county)
    const i = chain.indexOf(root)
    return i < 0 ? undefined : chain.slice(0, i + 1).reverse()
  }
  for (const site of sites) {
    const path = pathBelowRoot(site.county)
    if (path === undefined) continue
    let parent: RegionNode | undefined
    for (const code of path) {
      const n = node(code)
      if (parent !== undefined && !parent.children.includes(n)) parent.children.push(n)
      n.siteCount += 1
      n.activeLevel = maxLevel(n.activeLevel, site.level)
      parent = n
    }
  }
  for (const alert of activeAlerts) {
    for (const code of pathBelowRoot(alert.county) ?? []) {
      const n = nodes.get(code)
      if (n !== undefined) n.alertCounts[alert.level] += 1
    }
  }
  sortChildren(rootNode)
  return rootNode
}

function sortChildren(n: RegionNode): void {
  n.children.sort((a, b) => a.code.localeCompare(b.code))
  for (const c of n.children) sortChildren(c)
}
