import { fail, ok, type Result } from '../domain/index.js'
import {
  applyRuleLayers,
  regionLayers,
  ruleOverridesSchema,
  type JsonObject,
  type RuleLayer,
  type RuleOverrides
} from '../domain/rule-layers.js'
import { loadRuleTables, ruleTablesSchema, zodProblems, type RuleTables } from './tables.js'

/**
 * The configuration layers of the rule tables, validated: shipped defaults ← province ← city ←
 * county ← site (domain/rule-layers.ts merges them; here every merged stack must pass the full
 * table schema). A regional override file with any problem is refused whole, every problem listed,
 * so the caller keeps its running tables. Pure.
 */

/** Rule tables plus the regional layers they were loaded with (config/rules-overrides.json). */
export type LayeredRuleTables = RuleTables & { readonly overrides?: RuleOverrides }

/** The table as a JSON object without its regional layers: what layers merge onto. */
export function baseOf(tables: RuleTables): JsonObject {
  const { overrides: _layers, ...base } = tables as LayeredRuleTables
  return base as unknown as JsonObject
}

/** Merge the layers onto the tables and validate the result; problems are prefixed with `prefix`. */
export function mergeAndValidate(tables: RuleTables, layers: readonly RuleLayer[], prefix: string): Result<RuleTables, string[]> {
  const parsed = ruleTablesSchema.safeParse(applyRuleLayers(baseOf(tables), layers))
  return parsed.success ? ok(deepFreeze(parsed.data)) : fail(zodProblems(parsed.error, prefix))
}

/**
 * The defaults and the optional regional override file. Every layer is checked in the stack it runs
 * in (a county with its province and city below it): the file is refused if any stack is invalid.
 */
export function loadLayeredRuleTables(tablesJson: unknown, overridesJson?: unknown): Result<LayeredRuleTables, string[]> {
  const loaded = loadRuleTables(tablesJson)
  if (!loaded.ok) return loaded
  if (overridesJson === undefined) return loaded
  const parsed = ruleOverridesSchema.safeParse(overridesJson)
  if (!parsed.success) return fail(zodProblems(parsed.error, 'overrides'))
  const overrides = parsed.data
  const problems: string[] = []
  const check = (layers: RuleLayer[], label: string) => {
    const r = mergeAndValidate(loaded.value, layers, label)
    if (!r.ok) problems.push(...r.reason)
  }
  for (const p of Object.keys(overrides.provinces)) check(regionLayers({ ...overrides, cities: {}, counties: {} }, `${p}0000`), `provinces.${p}`)
  for (const c of Object.keys(overrides.cities)) check(regionLayers({ ...overrides, counties: {} }, `${c}00`), `cities.${c}`)
  for (const c of Object.keys(overrides.counties)) check(regionLayers(overrides, c), `counties.${c}`)
  if (problems.length > 0) return fail(problems)
  return ok(Object.freeze({ ...loaded.value, overrides: deepFreeze(overrides) }))
}

const regionCache = new WeakMap<RuleTables, Map<string, Result<RuleTables, string[]>>>()

/** The tables a county runs (defaults with its regional layers), memoised per loaded tables. */
export function regionTables(tables: RuleTables, county: string): Result<RuleTables, string[]> {
  const layers = regionLayers((tables as LayeredRuleTables).overrides, county)
  if (layers.length === 0) return ok(tables)
  let byCounty = regionCache.get(tables)
  if (byCounty === undefined) {
    byCounty = new Map()
    regionCache.set(tables, byCounty)
  }
  let r = byCounty.get(county)
  if (r === undefined) {
    r = mergeAndValidate(tables, layers, `county ${county}`)
    byCounty.set(county, r)
  }
  return r
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}
