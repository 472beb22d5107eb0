import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError } from '../domain/config.js'
import { NATION_CODE, regionContains } from '../domain/index.js'
import { fail, ok, type Result } from '../domain/result.js'

/**
 * Region boundaries for the overview map, from the deployment's GeoJSON (GEOWARN_MAP_GEOJSON).
 * Only polygons with a GB/T 2260 code travel on: the browser shades them by level and needs no
 * other property, and a scoped caller gets only the features of their jurisdiction.
 */

export const boundaryFeatureSchema = z.object({
  type: z.literal('Feature'),
  properties: z.object({ code: z.string(), name: z.string() }),
  geometry: z.object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) })
})
export type BoundaryFeature = z.infer<typeof boundaryFeatureSchema>

const inputSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.record(z.string(), z.unknown()).nullable(),
      geometry: z.object({ type: z.string(), coordinates: z.unknown() }).nullable()
    })
  )
})

export interface Boundaries {
  features: readonly BoundaryFeature[]
  /** Features left out: no 6-digit code in `adcode`/`code`, the nation outline, or not a polygon. */
  skipped: number
}

/** The code of a feature: `adcode` (the DataV/Aliyun files) or `code`, as digits or text. */
function codeOf(props: Record<string, unknown>): string | undefined {
  for (const key of ['adcode', 'code']) {
    const v = props[key]
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined
    if (s !== undefined && /^\d{6}$/.test(s)) return s
  }
  return undefined
}

export function parseBoundaries(json: unknown, nameOf: (code: string) => string): Result<Boundaries> {
  const parsed = inputSchema.safeParse(json)
  if (!parsed.success) return fail(`not a GeoJSON FeatureCollection: ${parsed.error.issues[0]?.message ?? 'bad shape'} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`)
  const features: BoundaryFeature[] = []
  let skipped = 0
  for (const f of parsed.data.features) {
    const code = f.properties === null ? undefined : codeOf(f.properties)
    const geometry = f.geometry
    // 100000 is the whole country in the DataV files; the nation has no neighbours to shade against.
    if (code === undefined || code === NATION_CODE || code === '100000' || geometry === null || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') || !Array.isArray(geometry.coordinates)) {
      skipped += 1
      continue
    }
    const name = typeof f.properties?.name === 'string' && f.properties.name !== '' ? f.properties.name : nameOf(code)
    features.push({ type: 'Feature', properties: { code, name }, geometry: { type: geometry.type, coordinates: geometry.coordinates as unknown[] } })
  }
  if (features.length === 0) return fail('no polygon feature carries a 6-digit GB/T 2260 code in properties.adcode or properties.code')
  return ok({ features, skipped })
}

/** Read and check the file at start-up: a bad map stops the dashboard rather than showing a blank one. */
export function loadBoundaries(path: string, nameOf: (code: string) => string): Boundaries {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError([`GEOWARN_MAP_GEOJSON: cannot read ${path} as JSON: ${err instanceof Error ? err.message : String(err)}`], 'dashboard configuration')
  }
  const r = parseBoundaries(json, nameOf)
  if (!r.ok) throw new ConfigError([`GEOWARN_MAP_GEOJSON: ${path}: ${r.reason}`], 'dashboard configuration')
  return r.value
}

/** The features inside `scope` (a scope contains itself). */
export function boundariesIn(b: Boundaries, scope: string): BoundaryFeature[] {
  return b.features.filter((f) => regionContains(scope, f.properties.code))
}
