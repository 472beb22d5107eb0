// About a kilometre: one site alone still gets a readable frame around it (our choice).
const minSpanDeg = 0.01

/**
 * Axis ranges that keep the plot true to shape: a degree of longitude is cos(latitude) of a
 * degree of latitude on the ground, so the shorter side is widened until both scales match.
 */
export function mapView(sites: ReadonlyArray<{ location: { lon: number; lat: number } }>, widthPx: number, heightPx: number): { lon: [number, number]; lat: [number, number] } | null {
  if (sites.length === 0 || widthPx <= 0 || heightPx <= 0) return null
  const lons = sites.map((s) => s.location.lon)
  const lats = sites.map((s) => s.location.lat)
  const lon0 = Math.min(...lons)
  const lon1 = Math.max(...lons)
  const lat0 = Math.min(...lats)
  const lat1 = Math.max(...lats)
  const kx = Math.cos((((lat0 + lat1) / 2) * Math.PI) / 180)
  let lonSpan = Math.max((lon1 - lon0) * 1.16, minSpanDeg)
  let latSpan = Math.max((lat1 - lat0) * 1.16, minSpanDeg)
  if ((lonSpan * kx) / widthPx < latSpan / heightPx) lonSpan = (latSpan * widthPx) / (heightPx * kx)
  else latSpan = (lonSpan * kx * heightPx) / widthPx
  const lonMid = (lon0 + lon1) / 2
  const latMid = (lat0 + lat1) / 2
  return { lon: [lonMid - lonSpan / 2, lonMid + lonSpan / 2], lat: [latMid - latSpan / 2, latMid + latSpan / 2] }
}

/** A boundary polygon as the server sends it (dashboard/boundaries.ts). */
export interface Boundary {
  properties: { code: string; name: string }
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown[] }
}

const levelOfCode = (code: string): number => (code === '000000' ? 0 : code.endsWith('0000') ? 1 : code.endsWith('00') ? 2 : 3)

/** Whether GB/T 2260 `code` lies within `scope` (as domain/regions.ts regionContains; copied to keep zod out of the bundle). */
export function within(scope: string, code: string): boolean {
  const depth = levelOfCode(scope)
  return depth === 0 || (depth === 3 ? code === scope : code.slice(0, depth * 2) === scope.slice(0, depth * 2))
}

/**
 * The boundaries to draw for `region`: those one level below it when the file has them (provinces
 * on the nation, cities on a province, counties on a city), else the finest level it has inside
 * the region, and for a county the county itself. Never a mix of levels: they would overlap.
 */
export function pickBoundaries<B extends Boundary>(all: readonly B[], region: string): B[] {
  const inside = all.filter((b) => within(region, b.properties.code))
  if (inside.length === 0) return []
  const depth = levelOfCode(region)
  const children = inside.filter((b) => levelOfCode(b.properties.code) === depth + 1)
  if (children.length > 0) return children
  const finest = Math.max(...inside.map((b) => levelOfCode(b.properties.code)))
  return inside.filter((b) => levelOfCode(b.properties.code) === finest)
}

/** [minLon, minLat, maxLon, maxLat] of the polygons; null when they hold no coordinate. */
export function boundsOf(boundaries: readonly Boundary[]): [number, number, number, number] | null {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
  const visit = (x: unknown): void => {
    if (!Array.isArray(x)) return
    const [lon, lat] = x as unknown[]
    if (typeof lon === 'number' && typeof lat === 'number') {
      box[0] = Math.min(box[0], lon)
      box[1] = Math.min(box[1], lat)
      box[2] = Math.max(box[2], lon)
      box[3] = Math.max(box[3], lat)
      return
    }
    for (const y of x) visit(y)
  }
  for (const b of boundaries) visit(b.geometry.coordinates)
  return Number.isFinite(box[0]) ? box : null
}
