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
