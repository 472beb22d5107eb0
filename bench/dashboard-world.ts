import type { Alert, AlertLevel, RegistryFile, Site } from '../domain/index.js'
import { listChildren } from '../store/divisions.js'
import type { PlatformDb, UserRole } from '../store/platform-db.js'
import { mulberry32 } from '../device-sim/prng.js'

/**
 * The synthetic country the dashboard benchmark opens: N sites spread over the real counties
 * (GB/T 2260, from the division table) of five provinces prone to landslides, one rain gauge
 * each, and active alerts of every level. Deterministic (a seeded generator), so every run and
 * every machine loads the same registry.
 */

/** Approximate bounding boxes [west, south, east, north]: the map should look like the area. */
const PROVINCES: ReadonlyArray<{ code: string; box: readonly [number, number, number, number] }> = [
  { code: '430000', box: [108.8, 24.6, 114.3, 30.1] }, // 湖南
  { code: '500000', box: [105.3, 28.2, 110.2, 32.2] }, // 重庆
  { code: '510000', box: [97.3, 26.0, 108.5, 34.3] }, // 四川
  { code: '520000', box: [103.6, 24.6, 109.6, 29.2] }, // 贵州
  { code: '530000', box: [97.5, 21.1, 106.2, 29.2] } // 云南
]

/** 江华瑶族自治县, Yongzhou, Hunan: the county whose alerts the fan-out measure publishes. */
export const FANOUT_COUNTY = '431129'
export const BENCH_PASSWORD = 'bench-dashboard-2026'

/** Active alerts seeded per level (some of each, more of the lower ones, as in a real storm). */
export const SEEDED_ALERTS: Readonly<Record<AlertLevel, number>> = { blue: 40, yellow: 24, orange: 12, red: 5 }

/** The accounts the fan-out sockets sign in as: every level of the chain above the alert's county. */
export const FANOUT_USERS: ReadonlyArray<{ username: string; role: UserRole; region: string; displayName: string }> = [
  { username: 'nation-admin', role: 'admin', region: '000000', displayName: '部级管理员' },
  { username: 'nation-viewer', role: 'viewer', region: '000000', displayName: '部级值班' },
  { username: 'hunan-duty', role: 'duty_officer', region: '430000', displayName: '湖南省值班员' },
  { username: 'hunan-super', role: 'supervisor', region: '430000', displayName: '湖南省带班领导' },
  { username: 'yongzhou-duty', role: 'duty_officer', region: '431100', displayName: '永州市值班员' },
  { username: 'jianghua-duty', role: 'duty_officer', region: FANOUT_COUNTY, displayName: '江华值班员' },
  { username: 'jianghua-viewer', role: 'viewer', region: FANOUT_COUNTY, displayName: '江华观察员' }
]
export const NATION_ADMIN = FANOUT_USERS[0] as (typeof FANOUT_USERS)[number]


function countiesOf(province: string): string[] {
  return listChildren(province).flatMap((city) => listChildren(city.code).map((c) => c.code))
}

const HAZARDS: ReadonlyArray<Site['hazardType']> = ['landslide', 'landslide', 'landslide', 'rockfall', 'debris_flow', 'collapse']

export interface World {
  registry: RegistryFile
  alerts: Alert[]
  /** Sites of FANOUT_COUNTY, for the fan-out alerts. */
  fanoutSites: Site[]
  /** Provinces that hold sites: the national overview lists each. */
  provinces: number
}

/** `siteCount` sites, round-robin over the counties (so every county has some), near a per-county centre. */
export function buildWorld(siteCount: number, now: number): World {
  const random = mulberry32(20260727)
  const counties: Array<{ code: string; lon: number; lat: number }> = []
  for (const p of PROVINCES) {
    const [w, s, e, n] = p.box
    for (const code of countiesOf(p.code)) counties.push({ code, lon: w + random() * (e - w), lat: s + random() * (n - s) })
  }
  if (!counties.some((c) => c.code === FANOUT_COUNTY)) throw new Error(`the division table has no county ${FANOUT_COUNTY}`)
  // The fan-out county first, so that even a quick run's few sites include it.
  counties.sort((a, b) => (a.code === FANOUT_COUNTY ? -1 : b.code === FANOUT_COUNTY ? 1 : 0))
  const sites: Site[] = []
  for (let i = 0; i < siteCount; i++) {
    const c = counties[i % counties.length] as (typeof counties)[number]
    const round = (x: number): number => Math.round(x * 1e5) / 1e5
    sites.push({
      id: `bs-${String(i).padStart(5, '0')}`,
      name: `隐患点${i + 1}号`,
      hazardType: HAZARDS[i % HAZARDS.length] as Site['hazardType'],
      county: c.code,
      location: { lon: round(c.lon + (random() - 0.5) * 0.3), lat: round(c.lat + (random() - 0.5) * 0.3) },
      threatenedPeople: Math.floor(random() * 500),
      threatenedPropertyWanCny: Math.floor(random() * 2000)
    })
  }
  const devices = sites.map((s) => ({
    id: `bd-${s.id.slice(3)}`,
    siteId: s.id,
    dialect: 'native' as const,
    model: 'RG-100',
    sensors: [{ id: 'YL1', type: 'rain' as const, sampleIntvS: 600, uploadIntvS: 3600, plusIntvS: 300 }]
  }))

  // Alerts on sites away from the fan-out county (its sites get the fan-out alerts), spread by a stride.
  const candidates = sites.filter((s) => s.county !== FANOUT_COUNTY)
  const levels = (Object.entries(SEEDED_ALERTS) as Array<[AlertLevel, number]>).flatMap(([level, n]) => Array.from({ length: n }, () => level))
  const stride = Math.max(1, Math.floor(candidates.length / Math.max(1, levels.length)))
  const alerts = levels.slice(0, candidates.length).map((level, i) => {
    const site = candidates[i * stride] as Site
    return benchAlert(`ba-${i}`, site, level, now - (i + 1) * 60_000)
  })
  return { registry: { version: 1, sites, devices }, alerts, fanoutSites: sites.filter((s) => s.county === FANOUT_COUNTY), provinces: new Set(sites.map((s) => s.county.slice(0, 2))).size }
}

/** An open alert as the rules service stores it: one level change with its evidence. */
export function benchAlert(id: string, site: Site, level: AlertLevel, at: number): Alert {
  return {
    id,
    siteId: site.id,
    county: site.county,
    level,
    peakLevel: level,
    state: 'open',
    openedAt: at,
    updatedAt: at,
    resolvedAt: null,
    disposition: null,
    history: [{ at, from: 'none', to: level, evidence: [{ indicator: 'rain.1h', level, value: 62.5, threshold: 60, unit: 'mm', at, deviceId: `bd-${site.id.slice(3)}`, sensorId: 'YL1' }] }],
    actions: [],
    escalations: []
  }
}

/** Registry, alerts with their site levels, and the accounts, into the platform DB. */
export function seedWorld(db: PlatformDb, world: World): void {
  db.importRegistry(world.registry)
  for (const a of world.alerts) {
    db.saveAlert(a)
    db.setSiteLevel({ siteId: a.siteId, county: a.county, level: a.level, alertId: a.id, since: a.updatedAt })
  }
  for (const u of FANOUT_USERS) db.createUser({ ...u, password: BENCH_PASSWORD })
}

/** The seeded active alerts a national user sees, by level (what the level counts must show). */
export function seededCounts(world: World): Record<AlertLevel, number> {
  const counts: Record<AlertLevel, number> = { blue: 0, yellow: 0, orange: 0, red: 0 }
  for (const a of world.alerts) counts[a.level] += 1
  return counts
}
