import { regionChain, regionContains, type Site, type SiteLevel } from '../domain/index.js'
import type { PlatformDb } from '../store/platform-db.js'
import { regionName } from '../store/divisions.js'
import type { SiteSummary } from './schemas.js'

/** A region's display name; the code itself when the division table does not know it. */
export function nameOf(code: string): string {
  return regionName(code)
}

/** Nation first, down to the county. */
export function regionPathOf(county: string): Array<{ code: string; name: string }> {
  return regionChain(county)
    .reverse()
    .map((code) => ({ code, name: nameOf(code) }))
}

/**
 * The scope a user asks for, narrowed to what they may see: the requested region if it lies in
 * their jurisdiction, their jurisdiction if it lies in the requested region, else nothing.
 */
export function narrowScope(userRegion: string, requested: string | undefined): string | undefined {
  if (requested === undefined || regionContains(userRegion, requested)) return requested ?? userRegion
  if (regionContains(requested, userRegion)) return userRegion
  return undefined
}

/** The site if it exists and lies in the user's jurisdiction: out of scope looks exactly like unknown. */
export function siteInScope(db: PlatformDb, userRegion: string, siteId: string): Site | undefined {
  const site = db.getSite(siteId)
  return site !== undefined && regionContains(userRegion, site.county) ? site : undefined
}

export function siteSummaries(db: PlatformDb, scope: string): SiteSummary[] {
  const levels = new Map(db.listSiteLevels(scope).map((l) => [l.siteId, l]))
  return db.listSites(scope).map((site) => {
    const lvl = levels.get(site.id)
    return siteSummary(site, lvl?.level ?? 'none', lvl?.alertId ?? null, db.listDevices(site.id).length)
  })
}

export function siteSummary(site: Site, level: SiteLevel, alertId: string | null, deviceCount: number): SiteSummary {
  return {
    id: site.id,
    name: site.name,
    hazardType: site.hazardType,
    county: site.county,
    countyName: nameOf(site.county),
    location: site.location,
    threatenedPeople: site.threatenedPeople,
    level,
    alertId,
    deviceCount
  }
}
