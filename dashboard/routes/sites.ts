import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { RouteContext } from '../context.js'
import { ApiError } from '../errors.js'
import { authOf } from '../plugins/auth.js'
import { readingsQuerySchema, readingsResponseSchema, siteDetailSchema, siteIdParamsSchema, siteSummarySchema, sitesQuerySchema } from '../schemas.js'
import { narrowScope, regionPathOf, siteInScope, siteSummaries, siteSummary } from '../site-views.js'

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
/** A chart has no use for more points than this per series; bounds the store's work (our choice). */
const MAX_WINDOWS = 5000

export const siteRoutes: FastifyPluginAsyncZod<{ ctx: RouteContext }> = async (fastify, { ctx }) => {
  const unknownSite = (id: string) => new ApiError(404, 'GH_ERR_UNKNOWN_SITE', `unknown site ${id}`)

  fastify.get(
    '/api/sites',
    { schema: { summary: 'Sites in the caller’s jurisdiction, optionally within a region', tags: ['sites'], querystring: sitesQuerySchema, response: { 200: z.object({ sites: z.array(siteSummarySchema) }) } } },
    async (req) => {
      const scope = narrowScope(authOf(req).user.region, req.query.region)
      return { sites: scope === undefined ? [] : siteSummaries(ctx.db, scope) }
    }
  )

  fastify.get(
    '/api/sites/:id',
    { schema: { summary: 'One site with its devices, presence, latest readings and statuses', tags: ['sites'], params: siteIdParamsSchema, response: { 200: siteDetailSchema } } },
    async (req) => {
      const site = siteInScope(ctx.db, authOf(req).user.region, req.params.id)
      if (site === undefined) throw unknownSite(req.params.id)
      const devices = ctx.db.listDevices(site.id)
      const [latest, statuses] = await Promise.all([ctx.readings.latest(site.id), ctx.readings.latestStatuses(site.id)])
      const level = ctx.db.getSiteLevel(site.id)
      const newestTs = new Map<string, number>()
      for (const r of [...latest, ...statuses]) newestTs.set(r.deviceId, Math.max(newestTs.get(r.deviceId) ?? 0, r.ts))
      return {
        site: {
          ...siteSummary(site, level?.level ?? 'none', level?.alertId ?? null, devices.length),
          regionPath: regionPathOf(site.county),
          ...(site.shelter === undefined ? {} : { shelter: site.shelter })
        },
        devices: devices.map((d) => {
          const seen = ctx.live.deviceSeen(d.id)
          // Before any live message since start, the newest stored reading or status dates the device.
          const lastSeen = Math.max(seen.lastSeen ?? 0, newestTs.get(d.id) ?? 0)
          return {
            id: d.id,
            dialect: d.dialect,
            ...(d.model === undefined ? {} : { model: d.model }),
            sensors: d.sensors,
            online: seen.online,
            lastSeen: lastSeen === 0 ? null : lastSeen
          }
        }),
        latest,
        statuses
      }
    }
  )

  fastify.get(
    '/api/sites/:id/readings',
    {
      schema: {
        summary: 'Aggregated history of a site (default: last 24 h, hourly; sum for rain, mean otherwise)',
        tags: ['sites'],
        params: siteIdParamsSchema,
        querystring: readingsQuerySchema,
        response: { 200: readingsResponseSchema }
      }
    },
    async (req) => {
      const site = siteInScope(ctx.db, authOf(req).user.region, req.params.id)
      if (site === undefined) throw unknownSite(req.params.id)
      const q = req.query
      const to = q.to ?? ctx.now()
      const from = q.from ?? to - DAY_MS
      const everyMs = q.every ?? HOUR_MS
      const fn = q.fn ?? (q.type === 'rain' ? 'sum' : 'mean')
      if (from >= to) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', 'from must be before to')
      if ((to - from) / everyMs > MAX_WINDOWS) throw new ApiError(400, 'GH_ERR_BAD_REQUEST', `at most ${MAX_WINDOWS} windows per query; widen "every" or narrow the range`)
      const points = await ctx.readings.aggregate({
        siteId: site.id,
        from,
        to,
        everyMs,
        fn,
        ...(q.type === undefined ? {} : { type: q.type }),
        ...(q.deviceId === undefined ? {} : { deviceId: q.deviceId }),
        ...(q.sensorId === undefined ? {} : { sensorId: q.sensorId })
      })
      return { siteId: site.id, from, to, everyMs, fn, points }
    }
  )
}
