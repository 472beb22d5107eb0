import type { Site } from '../domain/index.js'
import { scaleStorm, type SiteStorm } from './models/rain.js'
import type { SiteMotion } from './models/displacement.js'
import { between, hash32 } from './prng.js'
import { targets, type Scenario } from './scenario.js'

/** What the scenario makes of one site: its rain and its slope motion. Pure data. */
export interface SitePlan {
  site: Site
  storms: SiteStorm[]
  motion: SiteMotion
  /** Sliding direction, degrees clockwise from north. */
  azimuthDeg: number
}

export function planSite(scenario: Scenario, site: Site): SitePlan {
  const seed = scenario.seed
  const storms: SiteStorm[] = []
  for (const [i, storm] of scenario.storms.entries()) {
    if (!targets(storm, site)) continue
    const scale = between(seed, `storm/${i}/${site.id}`, 1 - storm.spread, 1 + storm.spread)
    storms.push(scaleStorm(storm, scale))
  }
  const listed = scenario.motions.find((m) => m.siteId === site.id)
  const [minCreep, maxCreep] = scenario.quietCreepMmPerDay
  const motion: SiteMotion = listed
    ? { creepMmPerDay: listed.creepMmPerDay, onsetH: listed.onsetH, failureH: listed.failureH }
    : { creepMmPerDay: between(seed, `creep/${site.id}`, minCreep, maxCreep) }
  const azimuthDeg = listed?.azimuthDeg ?? (hash32(`${seed}|azimuth/${site.id}`) % 360)
  return { site, storms, motion, azimuthDeg }
}

export function planSites(scenario: Scenario, sites: readonly Site[]): Map<string, SitePlan> {
  return new Map(sites.map((s) => [s.id, planSite(scenario, s)]))
}
