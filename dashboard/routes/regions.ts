import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { boundariesIn, boundaryFeatureSchema, loadBoundaries } from '../boundaries.js'
import type { RouteContext } from '../context.js'
import { authOf } from '../plugins/auth.js'
import { buildRegionTree } from '../region-tree.js'
import { regionNodeSchema } from '../schemas.js'
import { nameOf } from '../site-views.js'

export const regionRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  const boundaries = ctx.config.mapGeoJsonFile === undefined ? undefined : loadBoundaries(ctx.config.mapGeoJsonFile, nameOf)
  if (boundaries !== undefined) ctx.log.info({ file: ctx.config.mapGeoJsonFile, features: boundaries.features.length, skipped: boundaries.skipped }, 'region boundaries loaded')

  fastify.get(
    '/api/regions',
    {
      schema: {
        summary: "The caller's jurisdiction as a tree of the regions that hold sites, with active levels",
        tags: ['regions'],
        response: { 200: z.object({ root: regionNodeSchema }) }
      }
    },
    async (req) => {
      const scope = authOf(req).user.region
      const levels = new Map(ctx.db.listSiteLevels(scope).map((l) => [l.siteId, l.level]))
      const sites = ctx.db.listSites(scope).map((s) => ({ county: s.county, level: levels.get(s.id) ?? 'none' }))
      const alerts = ctx.db.listAlerts({ scope, state: 'active' })
      return { root: buildRegionTree(scope, sites, alerts, nameOf) }
    }
  )

  fastify.get(
    '/api/regions/map',
    {
      schema: {
        summary: "The configured region boundaries (GEOWARN_MAP_GEOJSON) inside the caller's jurisdiction; null when none is configured",
        tags: ['regions'],
        response: { 200: z.object({ map: z.object({ type: z.literal('FeatureCollection'), features: z.array(boundaryFeatureSchema) }).nullable() }) }
      }
    },
    async (req) => {
      if (boundaries === undefined) return { map: null }
      return { map: { type: 'FeatureCollection' as const, features: boundariesIn(boundaries, authOf(req).user.region) } }
    }
  )
}
