import { z } from 'zod'
import { countyCodeSchema } from './ids.js'

/**
 * Rule-table layers and where each value came from. Shipped defaults ← province ← city ← county
 * ← site: every layer is a partial rule table, deep-merged onto the one below it.
 *
 * This lives in domain/ (zod only) because two services need the same answer: the rules service
 * runs the merged tables, the dashboard shows them (`GET /api/sites/:id/rules`), and services never
 * import each other (design.md). The merge is schema-agnostic JSON, so the table schemas (which
 * H1–H4 grow in rules/tables-*.ts) stay in rules/; the rules service validates every merged layer
 * against them and refuses a file with any problem (rules/rule-layers.ts).
 *
 * Merge rules (RFC 7396 JSON merge patch, plus arrays keyed by id):
 * - objects merge key by key; `null` deletes a key;
 * - arrays whose elements all are objects with a string `id` (rain windows) merge element by id;
 *   an unknown id is appended; `{ "id": "1h", "$remove": true }` removes that element;
 * - anything else (numbers, strings, other arrays) replaces the value below.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)])
)
/** A partial rule table. */
export const ruleLayerSchema = z.record(z.string(), jsonValueSchema)

/** config/rules-overrides.json: the regional layers. Keys are GB/T 2260 prefixes. */
const keyError = (message: string) => ({ error: (issue: { code?: string }) => (issue.code === 'invalid_key' ? message : undefined) })
const layersByRegion = (key: z.ZodType<string>, message: string) => z.record(key, ruleLayerSchema, keyError(message)).default({})

export const ruleOverridesSchema = z
  .object({
    version: z.literal(1),
    provinces: layersByRegion(z.string().regex(/^\d{2}$/), 'a province key has 2 digits (GB/T 2260 prefix, e.g. "51")'),
    cities: layersByRegion(z.string().regex(/^\d{4}$/), 'a city key has 4 digits (GB/T 2260 prefix, e.g. "5132")'),
    counties: layersByRegion(countyCodeSchema, 'a county key is a 6-digit county code (GB/T 2260, e.g. "513221")')
  })
  .strict()
export type RuleOverrides = z.infer<typeof ruleOverridesSchema>

/** `default`, `province:51`, `city:5132`, `county:513221` or `site:<id>`. */
export type RuleSource = string

export interface RuleLayer {
  source: RuleSource
  patch: JsonObject
}

export interface LayeredRules {
  effective: JsonObject
  /** Leaf path (`rain.windows[1h].thresholdsMm.red`) → the layer that set it. */
  provenance: Record<string, RuleSource>
}

export const DEFAULT_SOURCE = 'default'
export const REMOVE_KEY = '$remove'

/** The regional layers that apply to a county, lowest first. */
export function regionLayers(overrides: RuleOverrides | undefined, county: string): RuleLayer[] {
  if (overrides === undefined) return []
  const out: RuleLayer[] = []
  const province = overrides.provinces[county.slice(0, 2)]
  if (province !== undefined) out.push({ source: `province:${county.slice(0, 2)}`, patch: province })
  const city = overrides.cities[county.slice(0, 4)]
  if (city !== undefined) out.push({ source: `city:${county.slice(0, 4)}`, patch: city })
  const own = overrides.counties[county]
  if (own !== undefined) out.push({ source: `county:${county}`, patch: own })
  return out
}

/** Deep-merge the layers onto the base; the base is not modified. */
export function mergeRuleLayers(base: JsonObject, layers: readonly RuleLayer[]): LayeredRules {
  const provenance: Record<string, RuleSource> = {}
  addLeaves(provenance, '', base, DEFAULT_SOURCE)
  let effective = structuredClone(base)
  for (const layer of layers) effective = mergeObject(effective, layer.patch, '', layer.source, provenance)
  return { effective, provenance }
}

/** The same merge without provenance (the rules service's hot path at site load). */
export function applyRuleLayers(base: JsonObject, layers: readonly RuleLayer[]): JsonObject {
  let effective = structuredClone(base)
  for (const layer of layers) effective = mergeObject(effective, layer.patch, '', layer.source, undefined)
  return effective
}

/** Every leaf with its value and source, in document order. */
export function leafList(layered: LayeredRules): Array<{ path: string; value: JsonValue; source: RuleSource }> {
  const values: Record<string, JsonValue> = {}
  collectLeaves(values, '', layered.effective)
  return Object.entries(values).map(([path, value]) => ({ path, value, source: layered.provenance[path] ?? DEFAULT_SOURCE }))
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isIdArray(v: unknown): v is JsonObject[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isJsonObject(e) && typeof e.id === 'string')
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function elementPath(path: string, id: string): string {
  return `${path}[${id}]`
}

function mergeObject(target: JsonObject, patch: JsonObject, path: string, source: RuleSource, provenance: Record<string, RuleSource> | undefined): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    const p = childPath(path, key)
    const below = target[key]
    if (value === null) {
      delete target[key]
      if (provenance !== undefined) clearLeaves(provenance, p)
    } else if (isJsonObject(value) && isJsonObject(below)) {
      target[key] = mergeObject(below, value, p, source, provenance)
    } else if (Array.isArray(value) && isIdArray(below) && value.every((e) => isJsonObject(e) && typeof e.id === 'string')) {
      target[key] = mergeIdArray(below, value as JsonObject[], p, source, provenance)
    } else {
      const copy = withoutNulls(value)
      target[key] = copy
      if (provenance !== undefined) {
        clearLeaves(provenance, p)
        addLeaves(provenance, p, copy, source)
      }
    }
  }
  return target
}

function mergeIdArray(target: JsonObject[], patch: JsonObject[], path: string, source: RuleSource, provenance: Record<string, RuleSource> | undefined): JsonObject[] {
  const out = [...target]
  for (const element of patch) {
    const id = element.id as string
    const p = elementPath(path, id)
    const at = out.findIndex((e) => e.id === id)
    if (element[REMOVE_KEY] === true) {
      if (at >= 0) out.splice(at, 1)
      if (provenance !== undefined) clearLeaves(provenance, p)
      continue
    }
    const existing = out[at]
    if (existing !== undefined) {
      const { id: _id, ...rest } = element
      out[at] = mergeObject(existing, rest, p, source, provenance)
    } else {
      const copy = withoutNulls(element) as JsonObject
      out.push(copy)
      if (provenance !== undefined) for (const [k, v] of Object.entries(copy)) if (k !== 'id') addLeaves(provenance, childPath(p, k), v, source)
    }
  }
  return out
}

/** A new subtree: its `null`s delete nothing below, so they are dropped. */
function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNulls)
  if (!isJsonObject(value)) return value
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v)
  return out
}

function clearLeaves(provenance: Record<string, RuleSource>, path: string): void {
  for (const key of Object.keys(provenance)) {
    if (key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) delete provenance[key]
  }
}

function addLeaves(provenance: Record<string, RuleSource>, path: string, value: JsonValue, source: RuleSource): void {
  const values: Record<string, JsonValue> = {}
  collectLeaves(values, path, value)
  for (const key of Object.keys(values)) provenance[key] = source
}

/** Leaves: scalars, arrays without ids (one value, e.g. `["gnss"]`); id arrays and objects recurse. */
function collectLeaves(out: Record<string, JsonValue>, path: string, value: JsonValue): void {
  if (isJsonObject(value)) {
    for (const [k, v] of Object.entries(value)) collectLeaves(out, childPath(path, k), v)
  } else if (isIdArray(value)) {
    for (const e of value) {
      for (const [k, v] of Object.entries(e)) if (k !== 'id') collectLeaves(out, childPath(elementPath(path, e.id as string), k), v)
    }
  } else if (path !== '') {
    out[path] = value
  }
}

/**
 * The site layer: `site.rules` from the registry. `tables` is a partial rule table like the regional
 * layers; the older shortcuts are translated to table paths with the meaning they always had:
 * `velocityMmPerDay` (displacement.velocityMmPerDay), `rainThresholdsMm: { <window id>: {...} }`
 * (replaces that window's thresholds), `persistence` (every family's persistence),
 * `dwellHByFamily` (grading.dwellHByFamily). Only the shape is checked here; the values are the
 * rules service's to validate (an unknown key is shown under `siteOnly`; the rules service reports
 * it). Unknown rain windows are left out and reported.
 * Several layers, all with the source `site:<id>` (a `null` in one must still delete below).
 */
/** Where the site's settings that have no place in the table appear in the effective rules. */
export const SITE_ONLY_KEY = 'siteOnly'
export const SITE_RULE_KEYS = ['tables', 'velocityMmPerDay', 'rainThresholdsMm', 'persistence', 'dwellHByFamily'] as const

export function siteLayers(siteId: string, rules: Record<string, unknown> | undefined, below: JsonObject): { layers: RuleLayer[]; problems: string[] } {
  if (rules === undefined) return { layers: [], problems: [] }
  const problems: string[] = []
  const layers: RuleLayer[] = []
  const source = `site:${siteId}`
  const add = (patch: JsonObject) => layers.push({ source, patch })
  const parsed = (key: string): JsonValue | undefined => {
    if (rules[key] === undefined) return undefined
    const r = jsonValueSchema.safeParse(rules[key])
    if (!r.success) problems.push(`site ${siteId}: rules.${key}: not JSON data`)
    return r.success ? r.data : undefined
  }
  // Keys that are not table values (a site's V0 calibration …) are shown as given, under SITE_ONLY_KEY.
  const siteOnly: JsonObject = {}
  for (const key of Object.keys(rules)) {
    if ((SITE_RULE_KEYS as readonly string[]).includes(key)) continue
    const value = parsed(key)
    if (value !== undefined) siteOnly[key] = value
  }
  if (Object.keys(siteOnly).length > 0) add({ [SITE_ONLY_KEY]: siteOnly })
  const tables = parsed('tables')
  if (isJsonObject(tables)) add(tables)
  const velocity = parsed('velocityMmPerDay')
  if (velocity !== undefined) add({ displacement: { velocityMmPerDay: velocity } })
  const rain = parsed('rainThresholdsMm')
  if (isJsonObject(rain)) {
    const known = new Set(windowIds(below))
    const unknown = Object.keys(rain).filter((id) => !known.has(id))
    if (unknown.length > 0) problems.push(`site ${siteId}: rules.rainThresholdsMm: unknown window ${unknown.join(', ')} (table has ${[...known].join(', ')}; default kept)`)
    // Replace, not merge: the levels the site leaves out are not used (its meaning before layers).
    else add({ rain: { windows: Object.entries(rain).map(([id, t]) => ({ id, thresholdsMm: isJsonObject(t) ? { blue: null, yellow: null, orange: null, red: null, ...t } : t })) } })
  }
  const persistence = parsed('persistence')
  if (persistence !== undefined) {
    const grading = below.grading
    const byFamily = isJsonObject(grading) && isJsonObject(grading.persistenceByFamily) ? Object.keys(grading.persistenceByFamily) : []
    add({ grading: { persistence, persistenceByFamily: Object.fromEntries(byFamily.map((f) => [f, persistence])) } })
  }
  const dwell = parsed('dwellHByFamily')
  if (dwell !== undefined) add({ grading: { dwellHByFamily: dwell } })
  return { layers, problems }
}

/** The ids of the rain windows of a (merged) table. */
export function windowIds(tables: JsonObject): string[] {
  const rain = tables.rain
  const windows = isJsonObject(rain) ? rain.windows : undefined
  return Array.isArray(windows) ? windows.flatMap((w) => (isJsonObject(w) && typeof w.id === 'string' ? [w.id] : [])) : []
}
