import { readFile } from 'node:fs/promises'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { countyCodeSchema, idSchema } from '../../domain/index.js'
import {
  isJsonObject,
  leafList,
  mergeRuleLayers,
  regionLayers,
  ruleOverridesSchema,
  siteLayers,
  type JsonObject,
  type RuleOverrides
} from '../../domain/rule-layers.js'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { siteIdParamsSchema } from '../schemas.js'
import { siteInScope } from '../site-views.js'

/**
 * `GET /api/sites/:id/rules`: the effective rule table of a site and where each value came from.
 *
 * The dashboard may not import rules/ (design.md: services never import each other), so it reads
 * the same two files the rules service reads and layers them with the same pure function,
 * domain/rule-layers.ts. What it cannot do is the rules service's full table validation (the
 * table schemas live in rules/): the rules service refuses an invalid file at load and keeps its
 * running tables, so after a refused edit this route shows the file, not what runs. The problems
 * it can see (a malformed override file, an unknown rain window) are listed in `problems`.
 */

export interface SiteRulesRouteOptions {
  ctx: RouteContext
  /** Default: the config's `rulesFile` (GEOWARN_RULES_FILE). */
  rulesFile?: string
  /** Default: the config's `rulesOverridesFile` (GEOWARN_RULES_OVERRIDES_FILE); none or a missing file = no layers. */
  overridesFile?: string
}

const ruleValueSchema = z.object({
  path: z.string().meta({ description: 'leaf path, e.g. rain.windows[1h].thresholdsMm.red' }),
  // JSON data; z.unknown() because a recursive schema would need a named OpenAPI component.
  value: z.unknown(),
  source: z.string().meta({ description: 'default, province:51, city:5132, county:513221 or site:<id>' })
})

export const siteRulesResponseSchema = z.object({
  siteId: idSchema,
  county: countyCodeSchema,
  /** The layers that apply, lowest first. */
  layers: z.array(z.string()),
  effective: z.record(z.string(), z.unknown()),
  values: z.array(ruleValueSchema),
  problems: z.array(z.string())
})

export const siteRulesRoutes: FastifyPluginAsyncZod<SiteRulesRouteOptions> = async (fastify, opts) => {
  const { ctx } = opts
  const rulesFile = opts.rulesFile ?? ctx.config.rulesFile
  const overridesFile = opts.overridesFile ?? ctx.config.rulesOverridesFile

  fastify.get(
    '/api/sites/:id/rules',
    {
      schema: {
        summary: 'The effective rules of a site and the layer each value came from (default ← province ← city ← county ← site)',
        tags: ['sites'],
        params: siteIdParamsSchema,
        response: { 200: siteRulesResponseSchema }
      }
    },
    async (req) => {
      const site = siteInScope(ctx.db, authOf(req).user.region, req.params.id)
      if (site === undefined) throw new ApiError(404, 'GH_ERR_UNKNOWN_SITE', `unknown site ${req.params.id}`)
      const base = await readJson(rulesFile)
      if (base === undefined || !isJsonObject(base)) throw new Error(`${rulesFile}: missing or not a JSON object`)
      const problems: string[] = []
      const overrides = await readOverrides(overridesFile, problems)
      const regional = regionLayers(overrides, site.county)
      const below = mergeRuleLayers(base, regional).effective
      const own = siteLayers(site.id, site.rules, below)
      problems.push(...own.problems)
      const layered = mergeRuleLayers(base, [...regional, ...own.layers])
      return {
        siteId: site.id,
        county: site.county,
        layers: ['default', ...regional.map((l) => l.source), ...(own.layers.length > 0 ? [`site:${site.id}`] : [])],
        effective: layered.effective,
        values: leafList(layered),
        problems
      }
    }
  )
}

async function readOverrides(file: string | undefined, problems: string[]): Promise<RuleOverrides | undefined> {
  if (file === undefined) return undefined
  let json: unknown
  try {
    json = await readJson(file)
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message} (regional layers not shown)`)
    return undefined
  }
  if (json === undefined) return undefined
  const parsed = ruleOverridesSchema.safeParse(json)
  if (parsed.success) return parsed.data
  for (const i of parsed.error.issues) problems.push(`${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message} (regional layers not shown)`)
  return undefined
}

/** undefined when the file does not exist; throws on bad JSON. */
async function readJson(file: string): Promise<JsonObject | unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return JSON.parse(text) as unknown
}
